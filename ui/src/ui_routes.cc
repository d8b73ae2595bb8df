#include "hoptrace/ui/ui_routes.h"

#include <algorithm>
#include <array>
#include <utility>

#include "embedded_assets.h"

namespace hoptrace::ui {
namespace {

constexpr std::string_view kIndexPath = "/index.html";

std::string_view ContentTypeOf(std::string_view path) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 8> kTypes = {{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".json", "application/json"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
  }};
  for (const auto& [extension, type] : kTypes) {
    if (path.ends_with(extension)) return type;
  }
  return "application/octet-stream";
}

bool IsApiPath(std::string_view path) { return path == "/api" || path.starts_with("/api/"); }

// An app route ("/trace/abc") has no extension in its last segment; a file name ("/x.js") does.
bool LooksLikeFile(std::string_view path) {
  const std::string_view last = path.substr(path.rfind('/') + 1);
  return last.find('.') != std::string_view::npos;
}

http::Response AssetResponse(const Asset& asset, const http::Request& request) {
  http::Response response;
  if (request.Header("If-None-Match") == asset.etag) {
    response.status = 304;
  } else {
    response = http::Response::Make(200, std::string(asset.content_type), std::string(asset.body));
  }
  response.SetHeader("ETag", std::string(asset.etag));
  response.SetHeader("Cache-Control", "no-cache");  // file names carry no version: always revalidate
  return response;
}

std::string JsonQuoted(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;  // a raw path never holds control characters
    out += c;
  }
  return out + "\"";
}

http::Response Serve(const http::Request& request, metrics::Counter& not_found) {
  if (IsApiPath(request.path)) {
    not_found.Increment();
    return http::Response::Json(
        404, R"({"data":null,"errors":[{"code":404,"msg":)" + JsonQuoted("no API endpoint " + request.path) + "}]}");
  }
  if (auto asset = FindAsset(request.path)) return AssetResponse(*asset, request);
  if (LooksLikeFile(request.path)) {
    not_found.Increment();
    return http::Response::Text(404, "no such file: " + request.path + "\n");
  }
  if (auto index = FindAsset(kIndexPath)) return AssetResponse(*index, request);
  return http::Response::Text(500, "this build has no ui/app/index.html\n");
}

}  // namespace

std::optional<Asset> FindAsset(std::string_view path) {
  const auto files = detail::EmbeddedFiles();
  const auto found = std::find_if(files.begin(), files.end(), [&](const auto& file) { return file.path == path; });
  if (found == files.end()) return std::nullopt;
  return Asset{.path = found->path, .content_type = ContentTypeOf(found->path), .etag = found->etag, .body = found->bytes};
}

void RegisterRoutes(http::Router& router, metrics::Registry& registry) {
  metrics::Counter& not_found = registry.GetCounter(
      "hoptrace_ui_not_found_total", "UI requests for a file or API path that does not exist.", {});
  router.Get("/*", [&not_found](http::Request& request) { return Serve(request, not_found); });
}

}  // namespace hoptrace::ui
