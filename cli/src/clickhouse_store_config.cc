#include "clickhouse_store_config.h"

#include <iostream>
#include <sstream>

#include "hoptrace/store/clickhouse_store.h"

namespace hoptrace::cli {
namespace {

std::vector<std::string> SplitUrls(const std::string& urls) {
  std::vector<std::string> split;
  std::istringstream in(urls);
  for (std::string url; std::getline(in, url, ',');) {
    if (!url.empty()) split.push_back(url);
  }
  return split;
}

}  // namespace

void AddClickHouseFlags(CLI::App& command, ClickHouseConfig& config, bool backlog) {
  command.add_option("--clickhouse-url", config.urls,
                     "ClickHouse HTTP endpoint(s), comma-separated; on a cluster list every node (schema changes "
                     "and retention run on each)")
      ->capture_default_str();
  command.add_option("--clickhouse-cluster", config.cluster,
                     "remote_servers cluster name: Distributed tables sharded by trace ID (empty: one node)");
  command.add_option("--clickhouse-database", config.database, "ClickHouse database")->capture_default_str();
  if (backlog) {
    command.add_option("--clickhouse-max-backlog-bytes", config.max_backlog_bytes,
                       "Spans acknowledged but not yet in ClickHouse kept on disk at most; beyond it senders get "
                       "503 / UNAVAILABLE with Retry-After")
        ->capture_default_str();
  }
}

store::ClickHouseOptions ClickHouseOptionsFor(const ClickHouseConfig& config) {
  store::ClickHouseOptions options;
  options.urls = SplitUrls(config.urls);
  options.cluster = config.cluster;
  options.database = config.database;
  options.max_backlog_bytes = config.max_backlog_bytes;
  return options;
}

std::unique_ptr<store::Store> OpenClickHouseStore(const ClickHouseConfig& config, const std::string& data_dir,
                                                  bool fsync, std::chrono::nanoseconds retention_age,
                                                  metrics::Registry& registry, std::string* description,
                                                  std::string* error) {
  store::ClickHouseOptions options = ClickHouseOptionsFor(config);
  options.backlog_dir = data_dir + "/clickhouse-backlog";
  options.fsync = fsync;
  options.retention_age = std::chrono::duration_cast<std::chrono::seconds>(retention_age);
  options.metrics = &registry;
  options.log = [](std::string_view line) { std::clog << "clickhouse store: " << line << std::endl; };
  std::unique_ptr<store::ClickHouseStore> store;
  if (store::Status status = store::ClickHouseStore::Open(options, &store); !status.ok()) {
    *error = "cannot open the ClickHouse store: " + status.message();
    return nullptr;
  }
  *description = "ClickHouse " + config.urls + " database " + config.database +
                 (config.cluster.empty() ? "" : " cluster " + config.cluster) + " (backlog " + options.backlog_dir +
                 ", " + std::to_string(store->backlog_bytes()) + " bytes to ship)";
  return store;
}

StoreCommand::StoreCommand(CLI::App& app) {
  store_ = app.add_subcommand("store", "Manage the trace store's schema (ClickHouse)");
  init_ = store_->add_subcommand(
      "init", "Create or migrate the ClickHouse schema on every node given (idempotent, versioned)");
  AddClickHouseFlags(*init_, config_, /*backlog=*/false);
  store_->require_subcommand(1);
}

bool StoreCommand::parsed() const { return store_->parsed(); }

int StoreCommand::Run() {
  std::vector<int> applied;
  const store::Status status = store::InitClickHouseSchema(ClickHouseOptionsFor(config_), &applied);
  if (!status.ok()) {
    std::cerr << "hoptrace store init: " << status.message() << "\n";
    return 1;
  }
  std::cout << "hoptrace store init: database " << config_.database << " on " << config_.urls << ": ";
  if (applied.empty()) std::cout << "schema already current\n";
  for (const int version : applied) std::cout << "applied version " << version << " ";
  if (!applied.empty()) std::cout << "\n";
  return 0;
}

}  // namespace hoptrace::cli
