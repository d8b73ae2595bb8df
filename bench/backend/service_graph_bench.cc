// Issue #6/#8: the service graph's edges on ClickHouse, aggregated in SQL (ClickHouseStore's
// ServiceGraphEdges) against the Store default that reads every trace of the range through
// ForEachTrace, on the same generated spans (store/testing/span_generator.h) in one clickhouse-server.
// Per way: wall time (median of --runs) and this process's CPU time (user + system: decoding and
// aggregating here, not ClickHouse's work), and whether both ways give the same edges and quantiles.
// Usage: service_graph_bench [--spans N] [--runs R]. Not a test: figures for docs/benchmarks.md.

#include <functional>
#include <iomanip>
#include <iostream>

#include "clickhouse_bench_store.h"

namespace hoptrace::bench {
namespace {

struct Cost : RunCost {
  store::ServiceEdges edges;  // of the last run
};

Cost Measure(std::size_t runs, const std::function<store::Status(store::ServiceEdges*)>& read_edges) {
  Cost cost;
  static_cast<RunCost&>(cost) = TimeRuns(runs, [&] {
    cost.edges = {};
    const store::Status status = read_edges(&cost.edges);
    if (!status.ok()) std::cerr << "service graph failed: " << status.message() << "\n";
  });
  return cost;
}

bool SameEdges(const store::ServiceEdges& a, const store::ServiceEdges& b) {
  if (a.traces != b.traces || a.edges.size() != b.edges.size()) return false;
  for (std::size_t i = 0; i < a.edges.size(); ++i) {
    if (!(a.edges[i].link == b.edges[i].link)) return false;
    for (const double fraction : {0.0, 0.5, 0.99, 1.0}) {
      if (a.edges[i].latency.Quantile(fraction) != b.edges[i].latency.Quantile(fraction)) return false;
    }
  }
  return true;
}

void Run(const GeneratedClickHouse& bench, std::size_t runs) {
  store::ClickHouseStore& clickhouse = bench.store;
  const store::TimeRange everything;
  const Cost in_sql =
      Measure(runs, [&](store::ServiceEdges* out) { return clickhouse.ServiceGraphEdges(everything, out); });
  const Cost by_scan = Measure(
      runs, [&](store::ServiceEdges* out) { return clickhouse.Store::ServiceGraphEdges(everything, out); });
  std::cout << std::fixed << std::setprecision(1) << bench.generated.spans.size() << " spans, "
            << in_sql.edges.traces << " traces, " << in_sql.edges.edges.size() << " edges; median of " << runs
            << " runs\n"
            << "  in SQL (ClickHouseStore::ServiceGraphEdges): " << in_sql.median_wall_ms << " ms wall, "
            << in_sql.cpu_ms_per_run << " ms CPU of this process per run\n"
            << "  by scan (Store default, ForEachTrace):       " << by_scan.median_wall_ms << " ms wall, "
            << by_scan.cpu_ms_per_run << " ms CPU of this process per run\n"
            << "  same edges, counts and quantiles: "
            << (SameEdges(in_sql.edges, by_scan.edges) ? "yes" : "NO") << "\n";
}

}  // namespace
}  // namespace hoptrace::bench

int main(int argc, char** argv) {
  return hoptrace::bench::GeneratedClickHouseMain(
      argc, argv, "Service graph edges on ClickHouse: aggregated in SQL vs read through ForEachTrace",
      "service-graph-bench", /*default_runs=*/5, hoptrace::bench::Run);
}
