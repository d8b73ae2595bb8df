// Schema migrations and retention: statements run on every node, because the tables that hold rows
// are per node and ClickHouse's ON CLUSTER DDL would need ZooKeeper.

#include <algorithm>
#include <sstream>

#include "clickhouse_store_impl.h"

namespace hoptrace::store {
namespace {

using clickhouse::ClickHouseNode;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

Status Run(ClickHouseNode& node, const std::string& sql, bool use_database = true) {
  return node.Execute(sql, {}, use_database).status;
}

// Counts the statements a migration runs, and fails once `fail_after` have run (tests).
struct StatementBudget {
  std::optional<std::size_t> fail_after;
  std::size_t run = 0;
  bool Exhausted() const { return fail_after && run >= *fail_after; }
};

Status CreateBookkeeping(ClickHouseNode& node, const ClickHouseOptions& options) {
  Status status = Run(node, "CREATE DATABASE IF NOT EXISTS " + options.database, false);
  if (status.ok()) {
    status = Run(node, std::string("CREATE TABLE IF NOT EXISTS ") + clickhouse::kVersionTable +
                           " (version UInt32, applied_unix UInt64) ENGINE = MergeTree ORDER BY version");
  }
  if (status.ok()) {
    status = Run(node, std::string("CREATE TABLE IF NOT EXISTS ") + clickhouse::kStepsTable +
                           " (version UInt32, step UInt32, applied_unix UInt64) ENGINE = MergeTree ORDER BY (version, step)");
  }
  return status;
}

// The migration's statements not run yet (those after a failure), each recorded once it succeeds.
Status RunMigration(ClickHouseNode& node, const clickhouse::Migration& migration, StatementBudget& budget) {
  const std::string version = std::to_string(migration.version);
  const clickhouse::ClickHouseReply done = node.Execute(std::string("SELECT step FROM ") + clickhouse::kStepsTable +
                                                        " WHERE version = " + version + " FORMAT TSV");
  if (!done.status.ok()) return done.status;
  const std::vector<std::string> done_steps = Lines(done.body);
  for (std::size_t step = 0; step < migration.statements.size(); ++step) {
    if (std::find(done_steps.begin(), done_steps.end(), std::to_string(step)) != done_steps.end()) continue;
    if (budget.Exhausted()) return Status::Error(Status::Code::kUnavailable, "migration stopped (test)");
    ++budget.run;
    Status status = Run(node, migration.statements[step]);
    if (status.ok()) {
      status = Run(node, std::string("INSERT INTO ") + clickhouse::kStepsTable + " VALUES (" + version + ", " +
                             std::to_string(step) + ", toUInt64(now()))");
    }
    if (!status.ok()) return status;
  }
  return Run(node, std::string("INSERT INTO ") + clickhouse::kVersionTable + " VALUES (" + version + ", toUInt64(now()))");
}

Status MigrateNode(ClickHouseNode& node, const ClickHouseOptions& options, int up_to_version, std::vector<int>* applied,
                   StatementBudget& budget) {
  const clickhouse::SchemaLayout layout{options.database, options.cluster};
  if (Status status = CreateBookkeeping(node, options); !status.ok()) return status;
  const clickhouse::ClickHouseReply current = node.Execute(std::string("SELECT max(version) FROM ") + clickhouse::kVersionTable);
  if (!current.status.ok()) return current.status;
  const int version = std::atoi(current.body.c_str());
  for (const clickhouse::Migration& migration : clickhouse::Migrations(layout)) {
    if (migration.version <= version || migration.version > up_to_version) continue;
    if (Status status = RunMigration(node, migration, budget); !status.ok()) return status;
    if (applied) applied->push_back(migration.version);
  }
  return Status::Ok();
}

}  // namespace

Status InitClickHouseSchema(const ClickHouseOptions& options, std::vector<int>* applied) {
  return clickhouse::MigrateUpTo(options, clickhouse::LatestSchemaVersion(), applied);
}

Status clickhouse::MigrateUpTo(const ClickHouseOptions& options, int version, std::vector<int>* applied,
                               std::optional<std::size_t> fail_after_statements) {
  StatementBudget budget{fail_after_statements};
  for (const std::string& url : options.urls) {
    ClickHouseNode node(url, options.database, options.request_timeout);
    std::vector<int> on_node;
    Status status = MigrateNode(node, options, version, &on_node, budget);
    if (!status.ok()) return status;
    if (applied && applied->empty()) *applied = on_node;
  }
  return Status::Ok();
}

// Drops every day partition that ended before now - retention_age, in every table of every node.
Status ClickHouseStore::Impl::ApplyRetention() {
  if (options_.retention_age.count() == 0) return Status::Ok();
  const std::uint64_t age = static_cast<std::uint64_t>(options_.retention_age.count());
  const std::uint64_t now_seconds = NowNanos() / 1'000'000'000ull;
  const std::uint64_t cutoff = now_seconds > age ? now_seconds - age : 0;
  return OnEveryNode([&](ClickHouseNode& node) {
    for (const std::string& table : layout_.row_tables()) {
      const clickhouse::ClickHouseReply old = node.Execute(
          "SELECT DISTINCT partition FROM system.parts WHERE active AND database = " +
          clickhouse::QuoteSql(options_.database) + " AND table = " + clickhouse::QuoteSql(table) +
          " AND toDate(partition) < toDate(toDateTime(" + std::to_string(cutoff) + ")) FORMAT TSV");
      if (!old.status.ok()) return old.status;
      for (const std::string& partition : Lines(old.body)) {
        Status status = Run(node, "ALTER TABLE " + table + " DROP PARTITION " + clickhouse::QuoteSql(partition));
        if (!status.ok()) return status;
        Log("retention dropped " + table + " partition " + partition + " on " + node.url());
      }
    }
    return Status::Ok();
  });
}

}  // namespace hoptrace::store
