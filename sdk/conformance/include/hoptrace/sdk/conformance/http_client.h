#pragma once
// A minimal blocking HTTP/1.1 client (plain http only), enough for the conformance service to
// forward calls and for its tests to drive it.

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hoptrace::sdk::conformance {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  int status = 0;
  std::string body;
};

// POSTs `body` as application/json to an http:// URL. Throws std::exception subclasses on a
// malformed or non-http URL and on network errors; `timeout` bounds each send and receive.
HttpResponse PostJson(std::string_view url, std::string_view body, const HeaderList& headers = {},
                      std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace hoptrace::sdk::conformance
