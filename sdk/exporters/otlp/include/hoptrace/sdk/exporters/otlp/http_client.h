#pragma once
// A small synchronous HTTP/1.1 client over Boost.Beast for OTLP/HTTP: one keep-alive connection
// reused across requests, every step bounded by a deadline, cancellable from another thread.
// Plain http:// only — there is no TLS here.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hoptrace/sdk/exporters/otlp/retry.h"  // Clock

namespace hoptrace::sdk::exporters::otlp {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// The first value of header `name` (case-insensitive); empty when absent.
std::string_view FindHeader(const HttpHeaders& headers, std::string_view name);

struct HttpUrl {
  std::string scheme;  // "http" or "https"
  std::string host;    // without brackets for IPv6
  std::string port;
  std::string target;  // path and query, "/" at least

  // Parses scheme://host[:port][/path]. Returns nullopt (with `error`) for anything else.
  static std::optional<HttpUrl> Parse(std::string_view url, std::string* error);
  std::string HostHeader() const;  // host:port as the Host header wants it
};

struct HttpResponse {
  unsigned status = 0;
  HttpHeaders headers;
  std::string body;
  std::string_view Header(std::string_view name) const { return FindHeader(headers, name); }
};

// Retry-After: delay-seconds or an HTTP-date (IMF-fixdate), as a delay from `now` (0 when the date
// is past). nullopt when the value is neither.
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value,
                                                         std::chrono::system_clock::time_point now);

class HttpClient {
 public:
  HttpClient(HttpUrl url, std::chrono::milliseconds connect_timeout);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // POSTs `body` to the URL's target. Returns nullopt (with `error`) when no response arrived:
  // connection refused, reset, timeout, cancelled. Not thread-safe: one request at a time.
  std::optional<HttpResponse> Post(const HttpHeaders& headers, std::string_view body, Clock::time_point deadline,
                                   std::string* error);

  // Aborts the request in flight and every later one. Safe from any thread.
  void Cancel();

  int connections_opened() const { return connections_opened_; }

 private:
  struct Connection;
  const HttpUrl url_;
  const std::chrono::milliseconds connect_timeout_;
  std::unique_ptr<Connection> connection_;
  int connections_opened_ = 0;
};

}  // namespace hoptrace::sdk::exporters::otlp
