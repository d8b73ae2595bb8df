// The trace-ID router (collector/routing, issue #4) on one thread, on the store's realistic generated
// spans in requests of 512 spans as an SDK exporter sends them:
// - BM_RouterSplit: the per-request CPU work without the network: each span to its node on a 3-node
//   ring (256 virtual nodes each) and one re-assembled OTLP request per node (RequestWriter copies).
// - BM_RouterScanAndSplit: the same plus the receiver's wire::Scan of the incoming request.
// - BM_RouterToGrpcNodes/{gzip}: Router::Route end to end: split, then each part over real gRPC to
//   3 OTLP/gRPC receivers on 127.0.0.1 (collector's own, with a sink that only counts), waiting for
//   every acknowledgement, one request at a time. The receivers and gRPC's threads run on the other
//   cores; the figure is the latency-bound rate of one sender thread.

#include <benchmark/benchmark.h>

#include <atomic>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "allocation_counter.h"
#include "hoptrace/collector/receiver.h"
#include "hoptrace/collector/routing/request_splitter.h"
#include "hoptrace/collector/routing/router.h"
#include "hoptrace/otlp/proto_convert.h"
#include "hoptrace/otlp/wire.h"
#include "span_generator.h"

namespace {

using namespace hoptrace;
using collector::routing::HashRing;
using collector::routing::RequestSplitter;

constexpr std::size_t kSpansPerRequest = 512;
constexpr std::size_t kRequests = 16;

struct ScannedRequest {
  std::string bytes;
  otlp::wire::ScannedRequest scan;
};

const std::vector<std::unique_ptr<ScannedRequest>>& Requests() {
  static const auto requests = [] {
    const auto generated = store::testing::GenerateSpans(kSpansPerRequest * kRequests);
    std::vector<std::unique_ptr<ScannedRequest>> out;
    for (std::size_t i = 0; i < kRequests; ++i) {
      auto request = std::make_unique<ScannedRequest>();
      request->bytes = otlp::SerializeExportRequest(generated.ToBatch(i * kSpansPerRequest, kSpansPerRequest));
      otlp::DecodeReport report;
      std::string error;
      if (!otlp::wire::Scan(request->bytes, {}, &request->scan, &report, &error)) std::abort();
      out.push_back(std::move(request));
    }
    return out;
  }();
  return requests;
}

const std::vector<std::string> kNodes = {"10.0.0.1:4317", "10.0.0.2:4317", "10.0.0.3:4317"};

// Runs `body(request)` over the requests round-robin; reports spans/s, ns and allocations per span.
template <typename Body>
void MeasurePerSpan(benchmark::State& state, Body body) {
  const auto& requests = Requests();
  for (const auto& request : requests) body(*request);  // warm: buffers reach their high-water mark
  std::size_t next = 0;
  const std::uint64_t allocations_before = bench::AllocationCount();
  for (auto _ : state) {
    body(*requests[next]);
    next = (next + 1) % requests.size();
  }
  const std::uint64_t allocations = bench::AllocationCount() - allocations_before;
  const auto spans = static_cast<double>(state.iterations() * kSpansPerRequest);
  state.SetItemsProcessed(static_cast<std::int64_t>(spans));
  state.counters["ns_per_span"] = benchmark::Counter(spans * 1e-9, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["allocs_per_span"] = static_cast<double>(allocations) / spans;
  std::size_t bytes = 0;
  for (const auto& request : requests) bytes += request->bytes.size();
  state.counters["bytes_per_span"] = static_cast<double>(bytes) / static_cast<double>(requests.size() * kSpansPerRequest);
}

void SplitAll(RequestSplitter& splitter, const otlp::wire::ScannedRequest& scan, const HashRing& ring,
              std::vector<std::uint32_t>& all, const std::vector<char>& usable) {
  all.resize(scan.spans.size());
  std::iota(all.begin(), all.end(), 0u);
  splitter.Assign(scan, all, ring, usable);
  splitter.Write(scan);
  benchmark::DoNotOptimize(splitter.request_of(splitter.destinations().front()).data());
}

void BM_RouterSplit(benchmark::State& state) {
  const HashRing ring(kNodes);
  const std::vector<char> usable(ring.size(), 1);
  RequestSplitter splitter;
  std::vector<std::uint32_t> all;
  MeasurePerSpan(state, [&](const ScannedRequest& request) { SplitAll(splitter, request.scan, ring, all, usable); });
}
BENCHMARK(BM_RouterSplit);

void BM_RouterScanAndSplit(benchmark::State& state) {
  const HashRing ring(kNodes);
  const std::vector<char> usable(ring.size(), 1);
  RequestSplitter splitter;
  std::vector<std::uint32_t> all;
  otlp::wire::ScannedRequest scan;
  otlp::DecodeReport report;
  std::string error;
  MeasurePerSpan(state, [&](const ScannedRequest& request) {
    otlp::wire::Scan(request.bytes, {}, &scan, &report, &error);
    SplitAll(splitter, scan, ring, all, usable);
  });
}
BENCHMARK(BM_RouterScanAndSplit);

// Acknowledges everything and counts spans: the node costs as little as a node can.
class CountingSink final : public collector::SpanSink {
 public:
  store::Status Consume(const collector::OtlpSpans& spans) override {
    spans_.fetch_add(spans.scan.spans.size(), std::memory_order_relaxed);
    return store::Status::Ok();
  }
  std::uint64_t spans() const { return spans_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> spans_{0};
};

void BM_RouterToGrpcNodes(benchmark::State& state) {
  metrics::Registry registry;
  CountingSink sink;
  std::vector<std::unique_ptr<collector::Receiver>> receivers;
  std::vector<std::string> nodes;
  for (int i = 0; i < 3; ++i) {
    collector::ReceiverOptions options;
    options.port = 0;
    receivers.push_back(collector::MakeOtlpGrpcReceiver(sink, registry, options));
    std::string error;
    if (!receivers.back()->Start(&error)) {
      state.SkipWithError(error.c_str());
      return;
    }
    nodes.push_back("127.0.0.1:" + std::to_string(receivers.back()->port()));
  }
  collector::routing::RouterOptions options;
  options.gzip = state.range(0) != 0;
  collector::routing::Router router(registry, options);
  router.SetNodes(nodes);
  bool failed = false;
  MeasurePerSpan(state, [&](const ScannedRequest& request) {
    failed |= !router.Route(request.bytes, request.scan).ok();
  });
  if (failed) state.SkipWithError("a request was not acknowledged");
  state.counters["spans_at_nodes"] = static_cast<double>(sink.spans());
}
BENCHMARK(BM_RouterToGrpcNodes)->ArgName("gzip")->Arg(1)->Arg(0)->UseRealTime()->MinTime(3);

}  // namespace

BENCHMARK_MAIN();
