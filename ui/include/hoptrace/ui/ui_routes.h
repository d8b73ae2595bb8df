#pragma once
// The web UI (ui/app), compiled into the binary and served next to the query API on port 16686:
//
//   GET /app.js, /styles.css, /trace/trace_view.js, ...   the file, with its Content-Type and ETag
//                                                         (Cache-Control: no-cache: the browser
//                                                         revalidates and gets 304 while unchanged)
//   GET /, /search, /trace/{id}, /graph, /compare/...     index.html: the app routes in the browser
//   GET /api/<unknown>                                    404 JSON (never the app: API clients want an error)
//   GET /unknown.js                                       404 (a missing file is not an app route)
//
// 404s count in hoptrace_ui_not_found_total.

#include <optional>
#include <string_view>

#include "hoptrace/http/message.h"
#include "hoptrace/http/router.h"
#include "hoptrace/metrics/registry.h"

namespace hoptrace::ui {

struct Asset {
  std::string_view path;          // "/index.html"
  std::string_view content_type;  // from the extension
  std::string_view etag;          // quoted
  std::string_view body;
};

// The embedded file at `path`; nullopt when there is none.
std::optional<Asset> FindAsset(std::string_view path);

// Adds GET "/*" (every path no other route takes). `registry` must outlive the router's server.
void RegisterRoutes(http::Router& router, metrics::Registry& registry);

}  // namespace hoptrace::ui
