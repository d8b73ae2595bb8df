// Cost of recording spans on the application thread: start + 3 attributes + end through a
// BatchSpanProcessor whose exporter discards, a span dropped by the sampler, and heap allocations
// per span once the record pool is warm.

#include <benchmark/benchmark.h>

#include <chrono>
#include <memory>

#include "allocation_counter.h"
#include "hoptrace/sdk/tracer_provider.h"

namespace {

using namespace hoptrace;

class DiscardingExporter final : public sdk::SpanExporter {
 public:
  sdk::ExportResult Export(std::span<const sdk::SpanRecordPtr>) override { return sdk::ExportResult::kSuccess; }
};

sdk::TracerProvider& Provider(std::shared_ptr<const sdk::Sampler> sampler) {
  sdk::TracerProviderOptions options;
  options.resource = sdk::DefaultResource("bench");
  options.sampler = std::move(sampler);
  options.processors.push_back(std::make_unique<sdk::BatchSpanProcessor>(std::make_unique<DiscardingExporter>()));
  return *new sdk::TracerProvider(std::move(options));  // lives for the whole process
}

sdk::TracerProvider& SampledProvider() {
  static sdk::TracerProvider& provider = Provider(sdk::AlwaysOnSampler());
  return provider;
}

sdk::TracerProvider& DroppingProvider() {
  static sdk::TracerProvider& provider = Provider(sdk::AlwaysOffSampler());
  return provider;
}

void RecordSpan(sdk::Tracer& tracer) {
  sdk::Span span = tracer.StartSpan("GET /checkout", {.kind = model::SpanKind::kServer});
  span.SetAttribute("http.request.method", std::string_view("GET"));
  span.SetAttribute("http.response.status_code", std::int64_t{200});
  span.SetAttribute("cache.hit", true);
  span.End();
}

// Reports allocations per iteration measured over the timed loop only, after a warm-up.
template <typename Body>
void MeasureWithAllocations(benchmark::State& state, Body body) {
  // Warm up for long enough that the record pool reaches its high-water mark: records are only
  // allocated while the number in flight (queued + being exported) grows past what was ever needed,
  // which happens whenever the export thread gets descheduled for longer than before.
  const auto warm_until = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
  while (std::chrono::steady_clock::now() < warm_until) {
    for (int i = 0; i < 1000; ++i) body();
  }
  // Read the count inside the loop: the loop starts behind a barrier, so every thread has finished
  // its warm-up (whose allocations would otherwise be counted against another thread's spans).
  std::uint64_t before = 0;
  bool first = true;
  for (auto _ : state) {
    if (first) {
      before = hoptrace::bench::AllocationCount();
      first = false;
    }
    body();
  }
  const std::uint64_t allocations = hoptrace::bench::AllocationCount() - before;
  state.SetItemsProcessed(state.iterations());
  // Process-wide count (all threads, the export worker included) divided by this thread's spans.
  state.counters["allocs_per_span"] = benchmark::Counter(
      static_cast<double>(allocations) / static_cast<double>(state.iterations() * state.threads()),
      benchmark::Counter::kAvgThreads);
}

void BM_SpanStartEnd3Attributes(benchmark::State& state) {
  sdk::Tracer& tracer = SampledProvider().GetTracer("bench");
  MeasureWithAllocations(state, [&] { RecordSpan(tracer); });
}
BENCHMARK(BM_SpanStartEnd3Attributes)->Threads(1)->Threads(2)->UseRealTime();

void BM_SpanDroppedBySampler(benchmark::State& state) {
  sdk::Tracer& tracer = DroppingProvider().GetTracer("bench");
  MeasureWithAllocations(state, [&] {
    sdk::Span span = tracer.StartSpan("GET /checkout");
    benchmark::DoNotOptimize(span.context());
  });
}
BENCHMARK(BM_SpanDroppedBySampler)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
