#pragma once
// The ClickHouse store's settings for `hoptrace serve --store clickhouse` and `hoptrace store init`
// (store/clickhouse/README.md), and opening it for serve.

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace hoptrace::metrics {
class Registry;
}
namespace hoptrace::store {
class Store;
struct ClickHouseOptions;
}  // namespace hoptrace::store

namespace hoptrace::cli {

struct ClickHouseConfig {
  std::string urls = "http://127.0.0.1:8123";  // comma-separated; on a cluster, every node
  std::string cluster;                         // remote_servers name; empty: one node
  std::string database = "hoptrace";
  std::uint64_t max_backlog_bytes = 1ull << 30;
};

// --clickhouse-url, --clickhouse-cluster, --clickhouse-database (and, with `backlog`, the backlog limit).
void AddClickHouseFlags(CLI::App& command, ClickHouseConfig& config, bool backlog);

store::ClickHouseOptions ClickHouseOptionsFor(const ClickHouseConfig& config);

// The ClickHouse store of `hoptrace serve`: its backlog in `data_dir`/clickhouse-backlog. Null with
// `error` when it cannot open; `description` is the startup line's words for it.
std::unique_ptr<store::Store> OpenClickHouseStore(const ClickHouseConfig& config, const std::string& data_dir,
                                                  bool fsync, std::chrono::nanoseconds retention_age,
                                                  metrics::Registry& registry, std::string* description,
                                                  std::string* error);

// `hoptrace store init`: creates or migrates the ClickHouse schema (idempotent).
class StoreCommand {
 public:
  explicit StoreCommand(CLI::App& app);
  bool parsed() const;
  int Run();

 private:
  CLI::App* store_ = nullptr;
  CLI::App* init_ = nullptr;
  ClickHouseConfig config_;
};

}  // namespace hoptrace::cli
