// Issue #6/#8: the service graph's edges on ClickHouse, aggregated in SQL (ClickHouseStore's
// ServiceGraphEdges) against the Store default that reads every trace of the range through
// ForEachTrace, on the same generated spans (store/testing/span_generator.h) in one clickhouse-server.
// Per way: wall time (median of --runs) and this process's CPU time (getrusage: decoding and
// aggregating here, not ClickHouse's work), and whether both ways give the same edges and quantiles.
// Usage: service_graph_bench [--spans N] [--runs R]. Not a test: figures for docs/benchmarks.md.

#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <iomanip>
#include <iostream>

#include "clickhouse_server.h"
#include "hoptrace/store/clickhouse_store.h"
#include "span_generator.h"

namespace hoptrace::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kBatchSpans = 1'000;  // spans per Write, as an exporter batch

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

struct Cost {
  double median_wall_ms = 0;
  double cpu_ms_per_run = 0;
  store::ServiceEdges edges;  // of the last run
};

Cost Measure(std::size_t runs, const std::function<store::Status(store::ServiceEdges*)>& read_edges) {
  Cost cost;
  std::vector<double> wall_ms;
  const double cpu_before = CpuSeconds();
  for (std::size_t i = 0; i < runs; ++i) {
    cost.edges = {};
    const auto started = Clock::now();
    const store::Status status = read_edges(&cost.edges);
    wall_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - started).count());
    if (!status.ok()) std::cerr << "service graph failed: " << status.message() << "\n";
  }
  cost.cpu_ms_per_run = (CpuSeconds() - cpu_before) * 1000 / static_cast<double>(runs);
  std::sort(wall_ms.begin(), wall_ms.end());
  cost.median_wall_ms = wall_ms[wall_ms.size() / 2];
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

void Run(const std::string& url, const std::filesystem::path& dir, std::size_t spans, std::size_t runs) {
  store::ClickHouseOptions options;
  options.urls = {url};
  options.database = "bench";
  options.backlog_dir = (dir / "backlog").string();
  options.fsync = false;
  options.background = false;
  options.log = [](std::string_view line) { std::cerr << line << "\n"; };
  std::unique_ptr<store::ClickHouseStore> clickhouse;
  store::Status status = store::InitClickHouseSchema(options);
  if (status.ok()) status = store::ClickHouseStore::Open(options, &clickhouse);
  if (!status.ok()) {
    std::cerr << status.message() << "\n";
    return;
  }
  store::testing::GeneratorOptions generator;
  generator.start_unix_nano =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count()) -
      3'600'000'000'000ull;
  const store::testing::GeneratedSpans generated = store::testing::GenerateSpans(spans, generator);
  for (std::size_t first = 0; first < generated.spans.size(); first += kBatchSpans) {
    status =
        clickhouse->Write(generated.ToBatch(first, std::min(kBatchSpans, generated.spans.size() - first)));
    if (!status.ok()) std::cerr << "write refused: " << status.message() << "\n";
  }
  clickhouse->WaitShipped(std::chrono::hours(1));

  const store::TimeRange everything;
  const Cost in_sql =
      Measure(runs, [&](store::ServiceEdges* out) { return clickhouse->ServiceGraphEdges(everything, out); });
  const Cost by_scan = Measure(
      runs, [&](store::ServiceEdges* out) { return clickhouse->Store::ServiceGraphEdges(everything, out); });
  std::cout << std::fixed << std::setprecision(1) << generated.spans.size() << " spans, "
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
  using namespace hoptrace;
  CLI::App app{"Service graph edges on ClickHouse: aggregated in SQL vs read through ForEachTrace"};
  std::size_t spans = 200'000;
  std::size_t runs = 5;
  app.add_option("--spans", spans, "Spans to store")->capture_default_str();
  app.add_option("--runs", runs, "Runs of each way")->capture_default_str()->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("hoptrace-service-graph-bench-" + std::to_string(::getpid()));
  std::string error;
  if (auto server = store::testing::ClickHouseServer::Start(dir / "server", {}, "", &error)) {
    bench::Run(server->url(), dir, spans, runs);
  } else {
    std::cerr << error << "\n";
  }
  std::filesystem::remove_all(dir);
  return 0;
}
