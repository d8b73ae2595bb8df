// Issue #5's aggregate over many traces: `hoptrace hotspots` / GET /api/v2/hotspots over 100,000
// traces stored in the real embedded store (target: at most 2 s). Setup (not timed): the store
// generator's realistic traces (store/testing/span_generator.h: 8 services, call trees 4-6 deep,
// about 11 spans and 8-15 attributes per span) written through Store::Write and cut into blocks.
// Timed: query::ComputeHotspots, i.e. Store::ForEachTrace over every trace of the root service
// plus the aggregation (critical path per trace, bands, attribute comparison); and the scan alone.
// The argument is EmbeddedStoreOptions::scan_decode_thread: 1 decodes row groups on a second thread
// while the benchmark's thread aggregates, 0 does both on one thread (the ratio of the two is
// measured in one run). The CPU column is the whole process's (both threads); visiting_cpu_ms is the
// benchmark thread's own (what the wall time would be on two idle cores if decoding keeps up).

#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "hoptrace/metrics/cpu_time.h"
#include "hoptrace/query/hotspots_api.h"
#include "hoptrace/store/embedded_store.h"
#include "span_generator.h"

namespace {

using namespace hoptrace;

constexpr std::size_t kTraces = 100'000;
constexpr std::size_t kSpansPerChunk = 50'000;

struct StoredTraces {
  std::filesystem::path dir;
  store::EmbeddedStoreOptions options;
  std::unique_ptr<store::EmbeddedStore> store;
  std::size_t traces = 0;
  std::size_t spans = 0;
  double fill_seconds = 0;

  ~StoredTraces() {
    store.reset();
    std::filesystem::remove_all(dir);
  }
};

// The store with at least kTraces traces, all in blocks, built once.
StoredTraces& Stored() {
  static const std::unique_ptr<StoredTraces> stored = [] {
    auto owned = std::make_unique<StoredTraces>();
    StoredTraces& out = *owned;
    char dir_template[] = "/tmp/hoptrace_hotspots_bench_XXXXXX";
    if (mkdtemp(dir_template) == nullptr) std::abort();
    out.dir = dir_template;
    store::EmbeddedStoreOptions& options = out.options;
    options.data_dir = out.dir.string();
    options.fsync = store::FsyncPolicy::kNever;
    options.background = false;
    options.log = [](std::string_view line) { std::fprintf(stderr, "store: %.*s\n", static_cast<int>(line.size()), line.data()); };  // a damaged block would show
    if (!store::EmbeddedStore::Open(options, &out.store).ok()) std::abort();
    const auto start = std::chrono::steady_clock::now();
    for (std::uint64_t chunk_number = 1; out.traces < kTraces; ++chunk_number) {
      // The generator's seeds step through one sequence (seed s + 1 is seed s one draw on): seeds
      // this far apart give chunks with no trace in common.
      const store::testing::GeneratedSpans chunk =
          store::testing::GenerateSpans(kSpansPerChunk, {.seed = chunk_number * 100'000'000});
      if (!out.store->Write(chunk.ToBatch()).ok()) std::abort();
      out.traces += chunk.TraceIds().size();
      out.spans += chunk.spans.size();
      if (chunk_number % 2 == 0 && !out.store->CutHead(/*everything=*/true).ok()) std::abort();
    }
    if (!out.store->CutHead(/*everything=*/true).ok()) std::abort();
    out.fill_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return owned;
  }();
  return *stored;
}

// The store, reopened when the benchmark asks for the other scan mode (not timed).
StoredTraces& StoredWithDecodeThread(bool decode_thread) {
  StoredTraces& stored = Stored();
  if (stored.options.scan_decode_thread != decode_thread) {
    stored.store.reset();
    stored.options.scan_decode_thread = decode_thread;
    if (!store::EmbeddedStore::Open(stored.options, &stored.store).ok()) std::abort();
  }
  return stored;
}

void SetCounters(benchmark::State& state, const StoredTraces& stored, double visiting_cpu_ms) {
  state.counters["visiting_cpu_ms"] = benchmark::Counter(visiting_cpu_ms, benchmark::Counter::kAvgIterations);
  state.counters["traces"] = static_cast<double>(stored.traces);
  state.counters["spans"] = static_cast<double>(stored.spans);
  state.counters["blocks"] = static_cast<double>(stored.store->stats().blocks);
  state.counters["fill_s"] = stored.fill_seconds;
  state.counters["us_per_trace"] = benchmark::Counter(static_cast<double>(stored.traces) / 1e6,
                                                      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

// What the endpoint does for `hoptrace hotspots --service frontend`: every stored trace.
void BM_HotspotsOverStoredTraces(benchmark::State& state) {
  StoredTraces& stored = StoredWithDecodeThread(state.range(0) != 0);
  query::HotspotParams params;
  params.options.service = "frontend";  // the generator's root service: every trace
  analysis::HotspotReport report;
  const double cpu_before = metrics::ThreadCpuSeconds();
  for (auto _ : state) {
    report = query::ComputeHotspots(*stored.store, params);
    benchmark::DoNotOptimize(report.operations.data());
  }
  SetCounters(state, stored, (metrics::ThreadCpuSeconds() - cpu_before) * 1e3);
  state.counters["aggregated"] = static_cast<double>(report.traces);  // should equal traces
  state.counters["no_entry"] = static_cast<double>(report.traces_without_entry);
}
BENCHMARK(BM_HotspotsOverStoredTraces)->ArgName("decode_thread")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();

// The scan alone: every trace assembled and handed over.
void BM_ScanStoredTraces(benchmark::State& state) {
  StoredTraces& stored = StoredWithDecodeThread(state.range(0) != 0);
  const store::TraceScan scan{.filter = query::HotspotFilter({.service = "frontend"})};
  std::size_t spans = 0;
  const double cpu_before = metrics::ThreadCpuSeconds();
  for (auto _ : state) {
    spans = 0;
    const store::Status status = stored.store->ForEachTrace(scan, [&](const model::TraceBatch& trace) {
      spans += trace.SpanCount();
      return true;
    });
    if (!status.ok()) state.SkipWithError(status.message().c_str());
  }
  SetCounters(state, stored, (metrics::ThreadCpuSeconds() - cpu_before) * 1e3);
  state.counters["scanned_spans"] = static_cast<double>(spans);  // should equal spans
}
BENCHMARK(BM_ScanStoredTraces)->ArgName("decode_thread")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();

}  // namespace

BENCHMARK_MAIN();
