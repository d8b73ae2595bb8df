// Cost of carrying context across a process boundary: W3C traceparent inject + extract through a
// header carrier, as an HTTP client and server do once per call.

#include <benchmark/benchmark.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "allocation_counter.h"
#include "hoptrace/sdk/propagation/b3.h"
#include "hoptrace/sdk/propagation/carriers.h"
#include "hoptrace/sdk/propagation/trace_context.h"

namespace {

using namespace hoptrace;

const sdk::SpanContext kContext(sdk::TraceId::FromHighLow(0x4bf92f3577b34da6ULL, 0xa3ce929d0e0e4736ULL),
                                sdk::SpanId::FromHighLow(0, 0x00f067aa0ba902b7ULL), 1, false);

// A request's headers as most HTTP libraries hold them: a few entries besides the trace context.
using HeaderVector = std::vector<std::pair<std::string, std::string>>;
HeaderVector TypicalHeaders() {
  return {{"host", "orders:8080"}, {"content-type", "application/json"}, {"accept", "*/*"}};
}

template <typename Headers, typename Propagator>
void InjectExtract(benchmark::State& state, Headers headers, const Propagator& propagator) {
  sdk::HeaderCarrier<Headers> carrier(headers);
  propagator.Inject(kContext, carrier);  // warm: the header strings keep their buffers afterwards
  const std::uint64_t before = bench::AllocationCount();
  for (auto _ : state) {
    propagator.Inject(kContext, carrier);
    sdk::SpanContext extracted = propagator.Extract(carrier);
    benchmark::DoNotOptimize(extracted);
  }
  state.counters["allocs_per_op"] =
      static_cast<double>(bench::AllocationCount() - before) / static_cast<double>(state.iterations());
}

void BM_TraceParentInjectExtract_Vector(benchmark::State& state) {
  InjectExtract(state, TypicalHeaders(), sdk::TraceContextPropagator());
}
BENCHMARK(BM_TraceParentInjectExtract_Vector);

void BM_TraceParentInjectExtract_Map(benchmark::State& state) {
  const HeaderVector typical = TypicalHeaders();
  InjectExtract(state, std::map<std::string, std::string>(typical.begin(), typical.end()),
                sdk::TraceContextPropagator());
}
BENCHMARK(BM_TraceParentInjectExtract_Map);

void BM_B3SingleInjectExtract_Vector(benchmark::State& state) {
  InjectExtract(state, TypicalHeaders(), sdk::B3Propagator());
}
BENCHMARK(BM_B3SingleInjectExtract_Vector);

}  // namespace

BENCHMARK_MAIN();
