#pragma once
// For the benchmarks that compare two ways of one query on ClickHouse: a real clickhouse-server in
// a temporary directory, a ClickHouseStore over it holding generated spans (store/testing's
// generator, written in exporter-sized batches and shipped), and this process's CPU time.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "hoptrace/store/clickhouse_store.h"
#include "span_generator.h"

namespace hoptrace::bench {

struct GeneratedClickHouse {
  std::string url;  // the server's HTTP interface
  store::ClickHouseStore& store;
  const store::testing::GeneratedSpans& generated;
};

// Starts the server (in a directory named after `name` and the process), stores `spans` generated
// spans, runs `measure`, and removes everything. Returns the exit status for main (1 on setup errors).
int WithGeneratedClickHouse(std::string_view name, std::size_t spans,
                            const std::function<void(const GeneratedClickHouse&)>& measure);

// The whole main of such a benchmark: parses --spans (default 200,000) and --runs (default
// `default_runs`) from the command line, then WithGeneratedClickHouse calls `measure` with the runs.
int GeneratedClickHouseMain(int argc, char** argv, const std::string& description, std::string_view name,
                            std::size_t default_runs,
                            const std::function<void(const GeneratedClickHouse&, std::size_t runs)>& measure);

// `runs` calls of `run`: the median wall time, and this process's CPU time per call (user + system
// of every thread: decoding and aggregating here, not ClickHouse's work).
struct RunCost {
  double median_wall_ms = 0;
  double cpu_ms_per_run = 0;
};
RunCost TimeRuns(std::size_t runs, const std::function<void()>& run);

}  // namespace hoptrace::bench
