#pragma once
// Routes by method and path pattern.
//
// Patterns are matched segment by segment against the raw path:
//   "/v1/traces"            exact
//   "/api/traces/{id}"      {name} matches one non-empty segment; its percent-decoded value is the
//                           path parameter `name` (so "%2F" inside an id stays in that segment)
//   "/static/*"             a trailing "*" matches the rest (zero or more segments); parameter "*"
// Exact segments win over {name}, which wins over "*", segment by segment, independent of the order
// routes were added in.

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hoptrace/http/message.h"

namespace hoptrace::http {

// Handlers run on the server's worker pool and may block (a durable store write, a query).
// They may throw: the client then gets a 500 and the server carries on.
using Handler = std::function<Response(Request& request)>;

class Router {
 public:
  Router();
  ~Router();
  Router(Router&&) noexcept;
  Router& operator=(Router&&) noexcept;

  // Adds a route. `method` is an HTTP method ("GET", "POST", ...). Throws std::invalid_argument on a
  // malformed pattern (not starting with '/', '*' not last, unnamed "{}").
  Router& Add(std::string_view method, std::string_view pattern, Handler handler);
  Router& Get(std::string_view pattern, Handler handler) { return Add("GET", pattern, std::move(handler)); }
  Router& Post(std::string_view pattern, Handler handler) { return Add("POST", pattern, std::move(handler)); }

  struct Match {
    enum class Kind { kFound, kNotFound, kMethodNotAllowed, kBadPath };
    Kind kind = Kind::kNotFound;
    const Handler* handler = nullptr;              // kFound
    std::string_view pattern;                      // kFound: the route's pattern
    std::vector<std::pair<std::string, std::string>> params;  // kFound
    std::string allow;                            // kMethodNotAllowed: the Allow header value
  };
  // kBadPath when a {name} segment does not percent-decode.
  Match Find(std::string_view method, std::string_view path) const;

 private:
  struct Route;
  std::vector<std::unique_ptr<Route>> routes_;
};

}  // namespace hoptrace::http
