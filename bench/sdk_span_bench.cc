// Cost of recording spans on the application thread: start + 3 attributes + end through a
// BatchSpanProcessor whose exporter discards, a span dropped by the sampler, and heap allocations
// per span once the record pool is warm.
//
// Columns: "Time" is wall time over all spans of all threads (1 / aggregate throughput), "CPU" the
// application threads' own CPU time per span, process_cpu_ns the whole process's CPU time per span
// (the export thread included), dropped the share of spans the processor dropped (a full queue makes
// spans cheaper, so a figure is only meaningful when it is 0). On a machine shared with other work
// the wall figures move with the load; the CPU figures say whether a span costs more with 2 threads.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "allocation_counter.h"
#include "hoptrace/metrics/cpu_time.h"
#include "hoptrace/sdk/tracer_provider.h"

namespace {

using namespace hoptrace;

class DiscardingExporter final : public sdk::SpanExporter {
 public:
  sdk::ExportResult Export(std::span<const sdk::SpanRecordPtr>) override {
    return sdk::ExportResult::kSuccess;
  }
};

struct Sdk {
  sdk::TracerProvider* provider;
  const sdk::BatchSpanProcessor* processor;
};

// Lives for the whole process. The processor's queue holds 65536 spans (HOPTRACE_BENCH_QUEUE sets
// another size, e.g. the SDK's default 2048) so that the spans measured are exported, not dropped: at
// ~10 M spans/s a 2048 queue fills in 0.2 ms, less than the export thread can wait for a core on a busy
// 2-core machine, and a dropped span costs less. The record pool covers the queue.
Sdk MakeSdk(std::shared_ptr<const sdk::Sampler> sampler) {
  sdk::BatchSpanProcessorOptions processor_options;
  processor_options.max_queue_size = 65536;
  if (const char* queue = std::getenv("HOPTRACE_BENCH_QUEUE")) {
    processor_options.max_queue_size = std::stoul(queue);
  }
  sdk::TracerProviderOptions options;
  options.resource = sdk::DefaultResource("bench");
  options.sampler = std::move(sampler);
  options.record_pool_size =
      std::max(options.record_pool_size,
               processor_options.max_queue_size + 2 * processor_options.max_export_batch_size);
  auto processor =
      std::make_unique<sdk::BatchSpanProcessor>(std::make_unique<DiscardingExporter>(), processor_options);
  const sdk::BatchSpanProcessor* processor_view = processor.get();
  options.processors.push_back(std::move(processor));
  return {new sdk::TracerProvider(std::move(options)), processor_view};
}

const Sdk& SampledSdk() {
  static const Sdk sdk = MakeSdk(sdk::AlwaysOnSampler());
  return sdk;
}

const Sdk& DroppingSdk() {
  static const Sdk sdk = MakeSdk(sdk::AlwaysOffSampler());
  return sdk;
}

void RecordSpan(sdk::Tracer& tracer) {
  sdk::Span span = tracer.StartSpan("GET /checkout", {.kind = model::SpanKind::kServer});
  span.SetAttribute("http.request.method", std::string_view("GET"));
  span.SetAttribute("http.response.status_code", std::int64_t{200});
  span.SetAttribute("cache.hit", true);
  span.End();
}

// How many times thread 0 has read the allocation count at the end of a timed loop.
std::atomic<std::uint64_t> allocation_counts_read{0};

// Reports allocations, process CPU time and dropped spans per iteration, measured over the timed loop
// only, after a warm-up.
template <typename Body>
void MeasureWithAllocations(benchmark::State& state, const Sdk& sdk, Body body) {
  // Warm up for long enough that the record pool reaches its high-water mark: records are only
  // allocated while the number in flight (queued + being exported) grows past what was ever needed,
  // which happens whenever the export thread gets descheduled for longer than before.
  const auto warm_until = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
  while (std::chrono::steady_clock::now() < warm_until) {
    for (int i = 0; i < 1000; ++i) body();
  }
  // Read the count inside the loop: the loop starts behind a barrier, so every thread has finished
  // its warm-up (whose allocations would otherwise be counted against another thread's spans).
  std::uint64_t allocations_before = 0;
  double cpu_before = 0;
  std::uint64_t dropped_before = 0;
  std::uint64_t counts_read_before = 0;
  bool first = true;
  for (auto _ : state) {
    if (first) {
      counts_read_before = allocation_counts_read.load();
      allocations_before = hoptrace::bench::AllocationCount();
      cpu_before = metrics::ProcessCpuSeconds();
      dropped_before = sdk.processor->stats().dropped;
      first = false;
    }
    body();
  }
  // The loop ends behind a barrier too: every thread has finished its spans here.
  const std::uint64_t allocations = hoptrace::bench::AllocationCount() - allocations_before;
  // The other threads wait until thread 0 has read the count: what follows (SetItemsProcessed, the
  // library's bookkeeping) allocates, and was counted when thread 0 got to its read later.
  if (state.thread_index() == 0) {
    allocation_counts_read.fetch_add(1);
  } else {
    while (allocation_counts_read.load() == counts_read_before) std::this_thread::yield();
  }
  const auto spans = static_cast<double>(state.iterations() * state.threads());
  state.SetItemsProcessed(state.iterations());
  // Process-wide figures (all threads, the export worker included) per span of all threads: only thread
  // 0 reports them (counters of all threads are summed).
  if (state.thread_index() == 0) {
    state.counters["allocs_per_span"] = static_cast<double>(allocations) / spans;
    state.counters["process_cpu_ns"] = (metrics::ProcessCpuSeconds() - cpu_before) * 1e9 / spans;
    state.counters["dropped"] = static_cast<double>(sdk.processor->stats().dropped - dropped_before) / spans;
  }
}

void BM_SpanStartEnd3Attributes(benchmark::State& state) {
  sdk::Tracer& tracer = SampledSdk().provider->GetTracer("bench");
  MeasureWithAllocations(state, SampledSdk(), [&] { RecordSpan(tracer); });
}
BENCHMARK(BM_SpanStartEnd3Attributes)->Threads(1)->Threads(2)->UseRealTime();

void BM_SpanDroppedBySampler(benchmark::State& state) {
  sdk::Tracer& tracer = DroppingSdk().provider->GetTracer("bench");
  MeasureWithAllocations(state, DroppingSdk(), [&] {
    sdk::Span span = tracer.StartSpan("GET /checkout");
    benchmark::DoNotOptimize(span.context());
  });
}
BENCHMARK(BM_SpanDroppedBySampler)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
