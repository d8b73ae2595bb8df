#pragma once
// A real OTLP/HTTP receiver for tests: a Boost.Beast server on 127.0.0.1 (ephemeral port) that
// records every request and answers with scripted responses, then 200 OK.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "hoptrace/sdk/exporters/otlp/http_client.h"  // HttpHeaders, Clock

namespace hoptrace::sdk::exporters::otlp::testing {

struct ReceivedHttpRequest {
  Clock::time_point received_at;
  std::string method;
  std::string target;
  HttpHeaders headers;
  std::string body;  // as sent, possibly gzip-compressed

  std::string Header(std::string_view name) const;  // case-insensitive; empty when absent
  std::string DecodedBody() const;                  // gunzipped when Content-Encoding: gzip
};

struct ScriptedHttpResponse {
  unsigned status = 200;
  HttpHeaders headers;
  std::string body;
  std::chrono::milliseconds delay{0};  // wait this long before answering
};

class HttpTestReceiver {
 public:
  HttpTestReceiver();
  ~HttpTestReceiver();
  HttpTestReceiver(const HttpTestReceiver&) = delete;
  HttpTestReceiver& operator=(const HttpTestReceiver&) = delete;

  std::uint16_t port() const { return port_; }
  std::string Url(std::string_view path = "/v1/traces") const;

  // Queues a response for the next request; requests beyond the queue get 200 OK.
  void Respond(ScriptedHttpResponse response);
  std::vector<ReceivedHttpRequest> requests() const;
  bool WaitForRequests(std::size_t count, std::chrono::milliseconds timeout) const;
  int connections_accepted() const;

 private:
  struct Server;
  void Accept();
  ScriptedHttpResponse Record(ReceivedHttpRequest request);

  mutable std::mutex mutex_;
  mutable std::condition_variable received_;
  std::vector<ReceivedHttpRequest> requests_;     // guarded by mutex_
  std::deque<ScriptedHttpResponse> responses_;    // guarded by mutex_
  int connections_accepted_ = 0;                  // guarded by mutex_
  std::unique_ptr<Server> server_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

// A local TCP port with nothing listening on it: connecting is refused.
std::uint16_t ClosedLocalPort();

}  // namespace hoptrace::sdk::exporters::otlp::testing
