#include "clickhouse_bench_store.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <vector>

#include "clickhouse_server.h"
#include "hoptrace/metrics/cpu_time.h"

namespace hoptrace::bench {
namespace {

constexpr std::size_t kBatchSpans = 1'000;  // spans per Write, as an exporter batch

std::unique_ptr<store::ClickHouseStore> OpenStore(const std::string& url, const std::filesystem::path& dir) {
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
  if (!status.ok()) std::cerr << status.message() << "\n";
  return clickhouse;
}

// Traces over the hour before now.
store::testing::GeneratedSpans GenerateRecent(std::size_t spans) {
  store::testing::GeneratorOptions generator;
  generator.start_unix_nano = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                             std::chrono::system_clock::now().time_since_epoch())
                                                             .count()) -
                              3'600'000'000'000ull;
  return store::testing::GenerateSpans(spans, generator);
}

void Store(store::ClickHouseStore& clickhouse, const store::testing::GeneratedSpans& generated) {
  for (std::size_t first = 0; first < generated.spans.size(); first += kBatchSpans) {
    const store::Status status =
        clickhouse.Write(generated.ToBatch(first, std::min(kBatchSpans, generated.spans.size() - first)));
    if (!status.ok()) std::cerr << "write refused: " << status.message() << "\n";
  }
  clickhouse.WaitShipped(std::chrono::hours(1));
}

}  // namespace

int WithGeneratedClickHouse(std::string_view name, std::size_t spans,
                            const std::function<void(const GeneratedClickHouse&)>& measure) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("hoptrace-" + std::string(name) + "-" + std::to_string(::getpid()));
  std::string error;
  int exit_status = 1;
  if (auto server = store::testing::ClickHouseServer::Start(dir / "server", {}, "", &error)) {
    if (std::unique_ptr<store::ClickHouseStore> clickhouse = OpenStore(server->url(), dir)) {
      const store::testing::GeneratedSpans generated = GenerateRecent(spans);
      Store(*clickhouse, generated);
      measure({server->url(), *clickhouse, generated});
      exit_status = 0;
    }
  } else {
    std::cerr << error << "\n";
  }
  std::filesystem::remove_all(dir);
  return exit_status;
}

int GeneratedClickHouseMain(
    int argc, char** argv, const std::string& description, std::string_view name, std::size_t default_runs,
    const std::function<void(const GeneratedClickHouse&, std::size_t runs)>& measure) {
  CLI::App app{description};
  std::size_t spans = 200'000;
  std::size_t runs = default_runs;
  app.add_option("--spans", spans, "Spans to store")->capture_default_str();
  app.add_option("--runs", runs, "Runs of each way")->capture_default_str()->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  return WithGeneratedClickHouse(name, spans,
                                 [&](const GeneratedClickHouse& stored) { measure(stored, runs); });
}

RunCost TimeRuns(std::size_t runs, const std::function<void()>& run) {
  std::vector<double> wall_ms;
  const double cpu_before = metrics::ProcessCpuSeconds();
  for (std::size_t i = 0; i < runs; ++i) {
    const auto started = std::chrono::steady_clock::now();
    run();
    wall_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
  }
  RunCost cost;
  cost.cpu_ms_per_run = (metrics::ProcessCpuSeconds() - cpu_before) * 1000 / static_cast<double>(runs);
  std::sort(wall_ms.begin(), wall_ms.end());
  cost.median_wall_ms = wall_ms[wall_ms.size() / 2];
  return cost;
}

}  // namespace hoptrace::bench
