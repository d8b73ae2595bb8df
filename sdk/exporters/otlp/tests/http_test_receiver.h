#pragma once
// A real OTLP/HTTP receiver for tests: a Boost.Beast server on 127.0.0.1 (ephemeral port) that
// records every request and answers with scripted responses, then 200 OK.

#include <chrono>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "hoptrace/sdk/exporters/otlp/http_client.h"  // HttpHeaders, Clock
#include "recorded_exchanges.h"

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

class HttpTestReceiver : public RecordedExchanges<ReceivedHttpRequest, ScriptedHttpResponse> {
 public:
  HttpTestReceiver();
  ~HttpTestReceiver();
  HttpTestReceiver(const HttpTestReceiver&) = delete;
  HttpTestReceiver& operator=(const HttpTestReceiver&) = delete;

  std::uint16_t port() const { return port_; }
  std::string Url(std::string_view path = "/v1/traces") const;

  // Respond() queues responses; requests beyond the queue get 200 OK.
  int connections_accepted() const { return connections_accepted_.load(); }

 private:
  struct Server;
  void Accept();

  std::atomic<int> connections_accepted_{0};
  std::unique_ptr<Server> server_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

// "http://127.0.0.1:<port><path>".
std::string LoopbackUrl(std::uint16_t port, std::string_view path = "/v1/traces");

}  // namespace hoptrace::sdk::exporters::otlp::testing
