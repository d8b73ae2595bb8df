#pragma once
// Test nodes for the router: collector's real OTLP/gRPC receivers on 127.0.0.1 (ephemeral ports)
// feeding RecordingSinks, and generated requests (store_testing's realistic spans) in wire form.

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "hoptrace/collector/receiver.h"
#include "hoptrace/metrics/registry.h"
#include "hoptrace/otlp/wire.h"
#include "recording_sink.h"
#include "span_generator.h"

namespace hoptrace::collector::routing::testing {

class TestNode {
 public:
  TestNode();
  ~TestNode();
  void Start();  // on an ephemeral port the first time, then on the same port again
  void Stop();   // its port refuses connections until Start
  const std::string& address() const { return address_; }  // "127.0.0.1:port"
  collector::testing::RecordingSink& sink() { return sink_; }
  // span ID (hex) → span, of everything acknowledged so far
  std::map<std::string, model::Span> Spans() const;
  std::set<model::TraceId> TraceIds() const;

 private:
  metrics::Registry registry_;
  collector::testing::RecordingSink sink_;
  std::unique_ptr<Receiver> receiver_;
  std::uint16_t port_ = 0;
  std::string address_;
};

// A serialized ExportTraceServiceRequest and its scan.
struct WireRequest {
  std::string bytes;
  otlp::wire::ScannedRequest scan;
};
// A seed for store::testing::GenerateSpans whose spans differ from every other DistinctSeed's: the
// generator's streams for nearby seeds overlap (seed s+1 is seed s one step on).
inline std::uint64_t DistinctSeed(std::uint64_t n) { return n << 40; }

// `spans` cut into requests of `batch` spans (a trace's spans may straddle two requests).
std::vector<std::unique_ptr<WireRequest>> Requests(const store::testing::GeneratedSpans& spans, std::size_t batch);

}  // namespace hoptrace::collector::routing::testing
