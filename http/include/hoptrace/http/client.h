#pragma once
// A blocking HTTP/1.1 client for hoptrace's command-line tools: http:// URLs only, one keep-alive
// connection per Client, every step bounded by the timeout.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "hoptrace/http/message.h"

namespace hoptrace::http {

// The parts of an http:// URL.
struct Url {
  std::string host;
  std::string port = "80";
  std::string target = "/";  // path and query
};
// nullopt for anything but http://host[:port][/target].
std::optional<Url> ParseHttpUrl(std::string_view url);

class Client {
 public:
  // `base_url` is http://host[:port]; requests name a target relative to it.
  explicit Client(std::string_view base_url, std::chrono::milliseconds timeout = std::chrono::seconds(30));
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // The response, or nullopt with `error` (cannot connect, timed out, not a valid base URL).
  std::optional<Response> Get(std::string_view target, std::string* error);
  std::optional<Response> Post(std::string_view target, std::string_view body, std::string_view content_type,
                               std::string* error);
  // The same with extra request headers (e.g. Content-Encoding of a compressed body).
  std::optional<Response> Post(std::string_view target, std::string_view body, std::string_view content_type,
                               const Headers& headers, std::string* error);
  // Any method, with extra request headers (e.g. traceparent).
  std::optional<Response> Send(std::string_view method, std::string_view target, std::string_view body,
                               std::string_view content_type, const Headers& headers, std::string* error);

 private:
  struct Connection;
  std::optional<Url> base_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<Connection> connection_;
};

}  // namespace hoptrace::http
