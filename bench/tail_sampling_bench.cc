// The tail sampler of issue #4 on one thread: spans/s through Consume and the decisions (DecideDue on
// a simulated clock), heap allocations per span once warm, and memory per buffered span against the
// span's encoded OTLP size. Inputs: realistic traces from store/testing/span_generator.h, serialized
// and scanned up front in requests of 200 spans, as the receivers hand them on.
//
// Columns: spans/s (wall, one thread), spans/cpu_s (per second of the thread's CPU time: what one
// core gives when the machine is shared), allocs_per_span (heap allocations per span in the measured
// passes, after a warm-up pass), kept_share (spans sent downstream). The memory benchmark buffers
// every span (nothing decided) and reports bytes_per_span (arena + interned resources, and with the
// trace slots of the buffered traces) over the spans' encoded size.

#include <benchmark/benchmark.h>

#include <chrono>
#include <memory>
#include <vector>

#include "allocation_counter.h"
#include "hoptrace/collector/sampling/tail_sampler.h"
#include "hoptrace/metrics/cpu_time.h"
#include "hoptrace/otlp/proto_convert.h"
#include "span_generator.h"

namespace {

using namespace hoptrace;
using namespace hoptrace::collector::sampling;

constexpr std::size_t kSpans = 200'000;
constexpr std::size_t kSpansPerRequest = 200;

struct Request {
  std::string bytes;
  otlp::wire::ScannedRequest scan;
};

const std::vector<Request>& Requests() {
  static const std::vector<Request> requests = [] {
    const auto generated = store::testing::GenerateSpans(kSpans);
    std::vector<Request> out;
    for (std::size_t first = 0; first < generated.spans.size(); first += kSpansPerRequest) {
      Request& request = out.emplace_back();
      const std::size_t count = std::min(kSpansPerRequest, generated.spans.size() - first);
      request.bytes = otlp::SerializeExportRequest(generated.ToBatch(first, count));
      otlp::DecodeReport report;
      std::string error;
      if (!otlp::wire::Scan(request.bytes, {}, &request.scan, &report, &error)) std::abort();
    }
    return out;
  }();
  return requests;
}

class CountingSink final : public collector::SpanSink {
 public:
  store::Status Consume(const collector::OtlpSpans& kept) override {
    spans += kept.scan.spans.size();
    return store::Status::Ok();
  }
  std::size_t spans = 0;
};

// The issue's end-to-end policy set: errors, slow traces, 5 % of the rest.
TailSamplingConfig BenchConfig() {
  TailSamplingConfig config;
  std::string error;
  if (!ParseTailSamplingConfigText(R"(
decision_wait: 2s
idle_after_root: 500ms
num_traces: 200000
max_buffered_bytes: 536870912
policies:
  - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}
  - {name: slow, type: latency, latency: {threshold_ms: 1000}}
  - {name: baseline, type: probabilistic, probabilistic: {sampling_percentage: 5}}
)", &config, &error)) {
    std::abort();
  }
  return config;
}

// Each pass gives every trace new IDs (the scans' copies of them; the bytes are the same), so no pass
// replays traces the sampler already decided.
void RenumberTraces(std::vector<Request>& requests, std::uint64_t pass) {
  for (auto& request : requests) {
    for (auto& span : request.scan.spans) {
      auto& bytes = span.trace_id.mutable_bytes();
      bytes[0] = static_cast<std::uint8_t>(pass);
      bytes[1] = static_cast<std::uint8_t>(pass >> 8);
    }
  }
}

// Simulated arrival rate 100,000 spans/s: decisions happen at steady state, DecideDue every 100 ms.
void BM_TailSamplerThroughput(benchmark::State& state) {
  std::vector<Request> requests = Requests();
  // The copies' scans still point into the originals' bytes, which live as long as the process.
  ManualClock clock;
  metrics::Registry registry;
  CountingSink sink;
  TailSampler sampler(BenchConfig(), sink, registry, clock);
  constexpr auto kPerSpan = std::chrono::microseconds(10);
  constexpr std::size_t kRequestsPerTick = 100'000 / 10 / kSpansPerRequest;

  double cpu_seconds = 0;
  const auto run_pass = [&](std::uint64_t pass) {
    RenumberTraces(requests, pass);
    const double cpu_start = metrics::ThreadCpuSeconds();
    const auto start = std::chrono::steady_clock::now();
    std::size_t since_tick = 0;
    for (const auto& request : requests) {
      benchmark::DoNotOptimize(sampler.Consume(collector::OtlpSpans{request.bytes, request.scan, true}));
      clock.Advance(kPerSpan * request.scan.spans.size());
      if (++since_tick == kRequestsPerTick) {
        sampler.DecideDue();
        since_tick = 0;
      }
    }
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    cpu_seconds += metrics::ThreadCpuSeconds() - cpu_start;
    return wall;
  };

  std::uint64_t pass = 1;
  run_pass(pass++);  // warm-up: chunks, scratch buffers, interned resources
  std::size_t spans = 0;
  cpu_seconds = 0;
  const std::size_t kept_before = sink.spans;
  const std::uint64_t allocations_before = bench::AllocationCount();
  for (auto _ : state) {
    state.SetIterationTime(run_pass(pass++));
    spans += kSpans;
  }
  const std::uint64_t allocations = bench::AllocationCount() - allocations_before;
  state.counters["spans/s"] = benchmark::Counter(static_cast<double>(spans), benchmark::Counter::kIsRate);
  state.counters["spans/cpu_s"] = static_cast<double>(spans) / cpu_seconds;
  state.counters["allocs_per_span"] = static_cast<double>(allocations) / static_cast<double>(spans);
  state.counters["allocs_total"] = static_cast<double>(allocations);
  state.counters["kept_share"] = static_cast<double>(sink.spans - kept_before) / static_cast<double>(spans);
}
BENCHMARK(BM_TailSamplerThroughput)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(10);

// Everything buffered, nothing decided yet: what a buffered span costs.
void BM_TailSamplerMemoryPerSpan(benchmark::State& state) {
  const std::vector<Request>& requests = Requests();
  for (auto _ : state) {
    ManualClock clock;
    metrics::Registry registry;
    CountingSink sink;
    TailSamplingConfig config = BenchConfig();
    config.decision_wait = std::chrono::hours(1);
    config.idle_after_root = std::chrono::hours(1);
    TailSampler sampler(config, sink, registry, clock);
    std::size_t encoded_request_bytes = 0;
    for (const auto& request : requests) {
      benchmark::DoNotOptimize(sampler.Consume(collector::OtlpSpans{request.bytes, request.scan, true}));
      encoded_request_bytes += request.bytes.size();
    }
    const TailSamplerStats stats = sampler.Stats();
    const double span_bytes = static_cast<double>(stats.buffered_span_bytes);
    const double slot_bytes = static_cast<double>(stats.buffered_traces) * static_cast<double>(stats.fixed_bytes) /
                              static_cast<double>(config.num_traces);
    state.counters["buffered_spans"] = static_cast<double>(stats.buffered_spans);
    state.counters["encoded_bytes_per_span"] = span_bytes / static_cast<double>(stats.buffered_spans);
    state.counters["arena_ratio"] = static_cast<double>(stats.memory_bytes) / span_bytes;
    state.counters["with_slots_ratio"] = (static_cast<double>(stats.memory_bytes) + slot_bytes) / span_bytes;
    state.counters["vs_request_bytes"] = (static_cast<double>(stats.memory_bytes) + slot_bytes) /
                                         static_cast<double>(encoded_request_bytes);
  }
}
BENCHMARK(BM_TailSamplerMemoryPerSpan)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
