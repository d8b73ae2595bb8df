// The OTLP wire scanner (otlp/wire.h) against the reference decode (libprotobuf parse + FromProto)
// on the store's realistic generated spans, in requests of 512 spans as an SDK exporter sends them:
// time and heap allocations per span for Scan, ParseExportRequest, and RequestWriter re-assembling
// a whole request from a scan.

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "allocation_counter.h"
#include "hoptrace/otlp/proto_convert.h"
#include "hoptrace/otlp/wire.h"
#include "span_generator.h"

namespace {

using namespace hoptrace;

constexpr std::size_t kSpansPerRequest = 512;
constexpr std::size_t kRequests = 16;

// Serialized requests of consecutive generated spans (whole traces, several services per request).
const std::vector<std::string>& Requests() {
  static const std::vector<std::string> requests = [] {
    const store::testing::GeneratedSpans generated = store::testing::GenerateSpans(kSpansPerRequest * kRequests);
    std::vector<std::string> out;
    for (std::size_t i = 0; i < kRequests; ++i) {
      out.push_back(otlp::SerializeExportRequest(generated.ToBatch(i * kSpansPerRequest, kSpansPerRequest)));
    }
    return out;
  }();
  return requests;
}

// Runs `body(request)` over the requests round-robin and reports time and allocations per span.
template <typename Body>
void MeasurePerSpan(benchmark::State& state, Body body) {
  const std::vector<std::string>& requests = Requests();
  for (const std::string& request : requests) body(request);  // warm: buffers reach their high-water mark
  std::size_t next = 0;
  const std::uint64_t allocations_before = bench::AllocationCount();
  for (auto _ : state) {
    body(requests[next]);
    next = (next + 1) % requests.size();
  }
  const std::uint64_t allocations = bench::AllocationCount() - allocations_before;
  const auto spans = static_cast<double>(state.iterations() * kSpansPerRequest);
  state.SetItemsProcessed(static_cast<std::int64_t>(spans));
  // CPU seconds per span, printed with an SI prefix ("170n" is 170 ns).
  state.counters["time_per_span"] = benchmark::Counter(spans, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["allocs_per_span"] = static_cast<double>(allocations) / spans;
  std::size_t bytes = 0;
  for (const std::string& request : requests) bytes += request.size();
  state.counters["bytes_per_span"] = static_cast<double>(bytes) / static_cast<double>(requests.size() * kSpansPerRequest);
}

void BM_WireScan(benchmark::State& state) {
  otlp::wire::ScannedRequest scan;  // reused, as a receiver thread would
  otlp::DecodeReport report;
  std::string error;
  MeasurePerSpan(state, [&](const std::string& request) {
    if (!otlp::wire::Scan(request, {}, &scan, &report, &error)) state.SkipWithError(error.c_str());
    benchmark::DoNotOptimize(scan.spans.data());
  });
}
BENCHMARK(BM_WireScan);

// The OTel default span limits (128 attributes), and a value length limit so values are measured.
void BM_WireScanWithLimits(benchmark::State& state) {
  otlp::wire::ScannedRequest scan;
  otlp::DecodeReport report;
  std::string error;
  const otlp::wire::ScanLimits limits{.max_attributes = 128, .max_attribute_value_length = 4096};
  MeasurePerSpan(state, [&](const std::string& request) {
    if (!otlp::wire::Scan(request, limits, &scan, &report, &error)) state.SkipWithError(error.c_str());
    benchmark::DoNotOptimize(scan.spans.data());
  });
}
BENCHMARK(BM_WireScanWithLimits);

// What the receivers do today: a fresh batch per request.
void BM_ParseExportRequest(benchmark::State& state) {
  otlp::DecodeReport report;
  std::string error;
  MeasurePerSpan(state, [&](const std::string& request) {
    model::TraceBatch batch;
    if (!otlp::ParseExportRequest(request, &batch, &report, &error)) state.SkipWithError(error.c_str());
    benchmark::DoNotOptimize(batch.resource_spans.data());
  });
}
BENCHMARK(BM_ParseExportRequest);

// Re-assembling every span of a scanned request (the scan itself is not timed).
void BM_RequestWriterAllSpans(benchmark::State& state) {
  std::vector<otlp::wire::ScannedRequest> scans(kRequests);
  otlp::DecodeReport report;
  std::string error;
  for (std::size_t i = 0; i < kRequests; ++i) otlp::wire::Scan(Requests()[i], {}, &scans[i], &report, &error);
  otlp::wire::RequestWriter writer;
  std::string out;
  std::size_t next = 0;
  MeasurePerSpan(state, [&](const std::string&) {
    const otlp::wire::ScannedRequest& scan = scans[next];
    next = (next + 1) % scans.size();
    for (std::size_t i = 0; i < scan.spans.size(); ++i) writer.Add(scan, i);
    out.clear();
    writer.Finish(&out);
    benchmark::DoNotOptimize(out.data());
  });
}
BENCHMARK(BM_RequestWriterAllSpans);

// One span to the model (the slow path for spans over limits), into a reused span.
void BM_WireDecodeSpan(benchmark::State& state) {
  otlp::wire::ScannedRequest scan;
  otlp::DecodeReport report;
  std::string error;
  model::Span span;
  MeasurePerSpan(state, [&](const std::string& request) {
    otlp::wire::Scan(request, {}, &scan, &report, &error);
    for (const otlp::wire::SpanRef& ref : scan.spans) otlp::wire::DecodeSpan(ref.encoded, &span);
    benchmark::DoNotOptimize(span.name.data());
  });
}
BENCHMARK(BM_WireDecodeSpan);

}  // namespace

BENCHMARK_MAIN();
