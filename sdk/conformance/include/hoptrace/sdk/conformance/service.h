#pragma once
// The service the W3C trace-context test suite (https://github.com/w3c/trace-context/tree/main/test)
// drives. Each POST carries a JSON array of {"url": ..., "arguments": ...}; the service handles it in
// a SERVER span continuing the incoming traceparent/tracestate and, for each element, POSTs the
// element's arguments to its url from a CLIENT span child of the server span, injecting that context.
// The suite's calls come back to the service while earlier ones are still open, so every connection
// gets its own thread.

#include <cstdint>
#include <memory>
#include <string>

#include "hoptrace/sdk/propagation/text_map.h"
#include "hoptrace/sdk/tracer.h"

namespace hoptrace::sdk::conformance {

struct ServiceOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 5000;  // 0: any free port (see TraceContextService::port())
};

class TraceContextService {
 public:
  // Binds and starts accepting at once; throws when the address cannot be bound. `tracer` must
  // outlive the service.
  TraceContextService(Tracer& tracer, ServiceOptions options = {});
  ~TraceContextService();  // Stop()
  TraceContextService(const TraceContextService&) = delete;
  TraceContextService& operator=(const TraceContextService&) = delete;

  std::uint16_t port() const;
  // Stops accepting, closes open connections and waits for their threads. Idempotent.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hoptrace::sdk::conformance
