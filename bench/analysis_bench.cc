// `hoptrace explain`'s analysis of one trace (issue #5: a 50,000-span trace in at most 50 ms):
// index the trace, adjust clock skew, walk the critical path, run every finding, and write the JSON
// the API answers with. The trace is analysis/testing's LargeTrace: a root, span_count / 50
// branches of tiny sequential steps, one slow write.

#include <benchmark/benchmark.h>

#include <map>

#include "hoptrace/analysis/diagnosis.h"
#include "hoptrace/analysis/diagnosis_json.h"
#include "hoptrace/analysis/timing.h"
#include "trace_builder.h"

namespace {

using namespace hoptrace;

const model::TraceBatch& Trace(std::size_t spans) {
  static std::map<std::size_t, model::TraceBatch> traces;
  auto it = traces.find(spans);
  if (it == traces.end()) {
    std::uint64_t culprit = 0;
    it = traces.emplace(spans, analysis::testing::LargeTrace(spans, &culprit)).first;
  }
  return it->second;
}

void BM_Diagnose(benchmark::State& state) {
  const model::TraceBatch& trace = Trace(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    analysis::Diagnosis diagnosis = analysis::Diagnose(trace);
    benchmark::DoNotOptimize(diagnosis.findings.data());
  }
  state.counters["spans"] = static_cast<double>(trace.SpanCount());
  state.counters["ns_per_span"] = benchmark::Counter(static_cast<double>(trace.SpanCount()),
                                                     benchmark::Counter::kIsIterationInvariantRate |
                                                         benchmark::Counter::kInvert);
}
BENCHMARK(BM_Diagnose)->Arg(5'000)->Arg(50'000)->Unit(benchmark::kMillisecond);

// What the API and `explain --format json` do: the diagnosis and its JSON.
void BM_DiagnoseToJson(benchmark::State& state) {
  const model::TraceBatch& trace = Trace(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    std::string json = analysis::DiagnosisToJson(analysis::Diagnose(trace));
    benchmark::DoNotOptimize(json.data());
  }
}
BENCHMARK(BM_DiagnoseToJson)->Arg(50'000)->Unit(benchmark::kMillisecond);

// The parts: indexing with skew adjustment, and the critical-path walk over the index.
void BM_TraceView(benchmark::State& state) {
  const model::TraceBatch& trace = Trace(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    analysis::TraceView view = analysis::TraceView::Build(trace);
    benchmark::DoNotOptimize(view.nodes().data());
  }
}
BENCHMARK(BM_TraceView)->Arg(50'000)->Unit(benchmark::kMillisecond);

void BM_CriticalPath(benchmark::State& state) {
  const analysis::TraceView view = analysis::TraceView::Build(Trace(static_cast<std::size_t>(state.range(0))));
  for (auto _ : state) {
    analysis::CriticalPath path = analysis::ComputeCriticalPath(view);
    benchmark::DoNotOptimize(path.segments.data());
  }
}
BENCHMARK(BM_CriticalPath)->Arg(50'000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
