// Issue #5/#8: the diagnosis across traces (/api/v2/hotspots) on ClickHouse, two ways on the same
// generated spans (store/testing/span_generator.h) in one clickhouse-server:
//   whole traces  query::AggregateWholeTraces: every matching trace read whole through ForEachTrace
//                 and aggregated here (what /api/v2/hotspots did before);
//   in store      query::ComputeHotspots: a timing-only scan (11 columns) for the critical paths and
//                 the selection, then the attribute values counted in SQL (CountAttributeValues).
// For the entry service that roots the most traces (whole traces count) and the one with the most
// spans among those that root none (its subtrees count). Per way: median wall time of --runs, this
// process's CPU time per run, what ClickHouse read and answered per run (system.query_log:
// read_rows, read_bytes, result_bytes), and whether both reports are the same JSON.
// Usage: hotspots_clickhouse_bench [--spans N] [--runs R]. Not a test: figures for docs/benchmarks.md.

#include <algorithm>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <map>

#include "clickhouse_bench_store.h"
#include "hoptrace/http/client.h"
#include "hoptrace/model/trace_tree.h"
#include "hoptrace/query/hotspots_api.h"

namespace hoptrace::bench {
namespace {

// What ClickHouse's finished queries read and answered so far (system.query_log).
struct ServerReads {
  double rows = 0, bytes = 0, result_bytes = 0;
};

ServerReads ReadSoFar(const std::string& url) {
  http::Client client(url);
  std::string error;
  client.Post("/", "SYSTEM FLUSH LOGS", "text/plain", &error);
  const auto answer = client.Post("/", "SELECT sum(read_rows), sum(read_bytes), sum(result_bytes) FROM system.query_log "
                                       "WHERE type = 2 AND query NOT LIKE '%system.%' FORMAT TSV",
                                  "text/plain", &error);
  ServerReads reads;
  if (answer && answer->status == 200) {
    std::sscanf(answer->body.c_str(), "%lf %lf %lf", &reads.rows, &reads.bytes, &reads.result_bytes);
  }
  return reads;
}

struct Cost : RunCost {
  ServerReads per_run;
  std::string report_json;  // of the last run
};

Cost Measure(const std::string& url, std::size_t runs, const std::function<analysis::HotspotReport()>& compute) {
  Cost cost;
  const ServerReads before = ReadSoFar(url);
  static_cast<RunCost&>(cost) = TimeRuns(runs, [&] {
    try {
      cost.report_json = analysis::HotspotReportToJson(compute());
    } catch (const std::exception& error) {  // a store error: shown, and the figures say so
      cost.report_json = std::string("failed: ") + error.what();
    }
  });
  const ServerReads after = ReadSoFar(url);
  const auto per_run = [&](double total_after, double total_before) {
    return (total_after - total_before) / static_cast<double>(runs);
  };
  cost.per_run = {per_run(after.rows, before.rows), per_run(after.bytes, before.bytes),
                  per_run(after.result_bytes, before.result_bytes)};
  return cost;
}

// The service of the most root spans, and the one of the most spans among services that root none.
std::pair<std::string, std::string> RootAndCalledService(const store::testing::GeneratedSpans& generated) {
  std::map<std::string, std::size_t> roots, spans;
  for (const store::testing::GeneratedSpan& span : generated.spans) {
    const std::string service(model::ServiceName(generated.resources[span.resource].resource));
    ++(span.span.IsRoot() ? roots : spans)[service];
  }
  const auto most = [](const std::map<std::string, std::size_t>& counts) {
    return std::max_element(counts.begin(), counts.end(), [](const auto& a, const auto& b) { return a.second < b.second; })->first;
  };
  std::erase_if(spans, [&](const auto& entry) { return roots.contains(entry.first); });
  return {most(roots), spans.empty() ? most(roots) : most(spans)};
}

void PrintWay(std::string_view name, const Cost& cost) {
  std::cout << "    " << name << ": " << cost.median_wall_ms << " ms wall, " << cost.cpu_ms_per_run
            << " ms CPU of this process; ClickHouse read " << cost.per_run.rows << " rows / "
            << cost.per_run.bytes / 1024 / 1024 << " MiB, answered " << cost.per_run.result_bytes / 1024 / 1024
            << " MiB per run\n";
}

void Run(const GeneratedClickHouse& bench, std::size_t runs) {
  std::cout << std::fixed << std::setprecision(1) << bench.generated.spans.size() << " spans, "
            << bench.generated.TraceIds().size() << " traces; median of " << runs << " runs\n";
  const auto [root_service, called_service] = RootAndCalledService(bench.generated);
  for (const std::string& service : {root_service, called_service}) {
    // Caps raised so that no key overflows: under them both ways must give the same report (which
    // values a cap keeps depends on the order they are met in).
    const query::HotspotParams params{
        .options = {.service = service, .max_keys = 10'000, .max_values_per_key = 1'000'000}, .range = {}};
    const Cost whole = Measure(bench.url, runs, [&] { return query::AggregateWholeTraces(bench.store, params); });
    const Cost in_store = Measure(bench.url, runs, [&] { return query::ComputeHotspots(bench.store, params); });
    std::cout << "  entry service " << service << (service == root_service ? " (roots its traces)" : " (called)")
              << ", " << (whole.report_json == in_store.report_json ? "same report" : "REPORTS DIFFER") << "\n";
    for (const Cost* cost : {&whole, &in_store}) {
      if (cost->report_json.starts_with("failed")) std::cout << "    " << cost->report_json << "\n";
    }
    PrintWay("whole traces aggregated here", whole);
    PrintWay("timing scan + counts in SQL ", in_store);
  }
}

}  // namespace
}  // namespace hoptrace::bench

int main(int argc, char** argv) {
  return hoptrace::bench::GeneratedClickHouseMain(
      argc, argv, "Hotspots on ClickHouse: whole traces aggregated here vs timing-only scan + counts in SQL",
      "hotspots-ch-bench", /*default_runs=*/3, hoptrace::bench::Run);
}
