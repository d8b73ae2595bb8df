#pragma once
// The request a handler sees and the response it returns: plain values, no Beast types, so
// handlers (receivers, the query API) stay independent of the server's I/O machinery.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hoptrace::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

// The first value of header `name` (case-insensitive); empty when absent.
std::string_view FindHeader(const Headers& headers, std::string_view name);

struct Request {
  std::string method;  // as sent, e.g. "GET", "POST"
  std::string target;  // raw request-target, e.g. "/api/traces/ab12?x=1"
  std::string path;    // raw path (not percent-decoded), no query
  std::string query;   // raw query string without '?'; QueryParams::Parse decodes it
  Headers headers;
  std::string body;
  std::string remote_address;  // peer IP
  // Values of the matched route's {name} segments (percent-decoded), and "*" for a prefix route's rest.
  std::vector<std::pair<std::string, std::string>> path_params;

  std::string_view Header(std::string_view name) const { return FindHeader(headers, name); }
  // The value of path parameter `name`; empty when the route has none.
  std::string_view PathParam(std::string_view name) const;
};

struct Response {
  unsigned status = 200;
  Headers headers;
  std::string body;

  // A response with Content-Type set.
  static Response Make(unsigned status, std::string content_type, std::string body);
  static Response Text(unsigned status, std::string body) {
    return Make(status, "text/plain; charset=utf-8", std::move(body));
  }
  static Response Json(unsigned status, std::string body) { return Make(status, "application/json", std::move(body)); }

  // Replaces header `name` (case-insensitive) or adds it.
  void SetHeader(std::string_view name, std::string value);
  std::string_view Header(std::string_view name) const { return FindHeader(headers, name); }
};

}  // namespace hoptrace::http
