#pragma once
// A blocking HTTP/1.1 client for tests of hoptrace::http servers: well-formed requests through Beast,
// or raw bytes for malformed ones. Every read is bounded by a socket timeout, so a server that never
// answers fails the test instead of hanging it.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "hoptrace/http/message.h"

namespace hoptrace::http::testing {

struct ClientResponse {
  unsigned status = 0;
  Headers headers;
  std::string body;
  bool keep_alive = false;
  std::string_view Header(std::string_view name) const { return FindHeader(headers, name); }
};

class TestConnection {
 public:
  explicit TestConnection(std::uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~TestConnection();
  TestConnection(const TestConnection&) = delete;
  TestConnection& operator=(const TestConnection&) = delete;

  // Sends one request (Content-Length set from the body) and reads the answer; nullopt when the
  // connection failed or closed before a full response.
  std::optional<ClientResponse> Send(std::string_view method, std::string_view target, std::string_view body = {},
                                     const Headers& headers = {});
  // Writes bytes as they are; false when the write failed.
  bool WriteRaw(std::string_view bytes);
  // Reads one response (also a 1xx interim one).
  std::optional<ClientResponse> ReadResponse();
  // True when the server closes the connection (EOF or reset) within the socket timeout.
  bool WaitForClose();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// One request on a fresh connection.
std::optional<ClientResponse> Fetch(std::uint16_t port, std::string_view method, std::string_view target,
                                    std::string_view body = {}, const Headers& headers = {});

}  // namespace hoptrace::http::testing
