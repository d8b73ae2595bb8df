#pragma once
// The schema hoptrace keeps in ClickHouse, as numbered migrations. Version 1:
//
//   spans        one row per span (span_rows.h), ReplacingMergeTree partitioned by day of start,
//                ordered by (service, name, start_ns, trace_id, span_id): searches by service and
//                operation read a narrow key range, and a re-sent span collapses with its copy.
//   trace_index  one row per trace per insert block (trace_id, start_min, end_max), MergeTree
//                ordered by trace_id, filled by the materialized view trace_index_mv: a lookup by ID
//                reads one granule per day partition and learns which days of `spans` to read.
//   hoptrace_schema_version  the versions applied.
// Version 2:
//   spans_by_trace  the same rows ordered by (trace_id, span_id), filled by spans_by_trace_mv (and,
//                once, from what `spans` held): reading a trace's or a page of traces' rows touches
//                a few granules instead of scanning the trace_id column of whole days.
// Version 3:
//   trace_index_v3, spans_by_trace_v3  the two lookup tables again with granules of
//                kLookupGranuleRows rows instead of 8192 (filled by *_v3_mv, and once from the old
//                tables, which are then dropped): a lookup reads about one granule per part of each,
//                so 16x fewer rows than with version 2.
//
// On a cluster the two tables are spans_local / trace_index_local on every node, and spans /
// trace_index are Distributed tables over them sharded by cityHash64(trace_id): a trace's rows all
// land on one shard, so per-trace work (lookups, summaries, dependencies) runs shard-locally.

#include <optional>
#include <string>
#include <vector>

#include "hoptrace/store/clickhouse_store.h"

namespace hoptrace::store::clickhouse {

// The tables queries and inserts name (Distributed ones on a cluster).
inline constexpr const char* kSpansTable = "spans";
inline constexpr const char* kTraceIndexTable = "trace_index_v3";
inline constexpr const char* kSpansByTraceTable = "spans_by_trace_v3";
inline constexpr const char* kVersionTable = "hoptrace_schema_version";
// The statements of migrations not yet complete that have run (version, step).
inline constexpr const char* kStepsTable = "hoptrace_schema_steps";
// Rows per granule of the lookup tables (version 3): a lookup reads about one granule per part.
inline constexpr int kLookupGranuleRows = 512;

struct SchemaLayout {
  std::string database;
  std::string cluster;  // empty: a single node
  bool clustered() const { return !cluster.empty(); }
  // The table that holds `table`'s rows on each node.
  std::string Local(const std::string& table) const { return clustered() ? table + "_local" : table; }
  std::string spans_local() const { return Local(kSpansTable); }
  std::string trace_index_local() const { return Local(kTraceIndexTable); }
  std::string spans_by_trace_local() const { return Local(kSpansByTraceTable); }
  // What retention drops partitions of.
  std::vector<std::string> row_tables() const { return {spans_local(), trace_index_local(), spans_by_trace_local()}; }
};

struct Migration {
  int version = 0;
  // Run in order; each one that succeeds is recorded in kStepsTable, so a migration that failed
  // resumes after its last completed statement. Each is also safe to run again (IF NOT EXISTS), in
  // case it succeeded but its record did not: a copy run twice stores rows twice, which queries
  // count once.
  std::vector<std::string> statements;
};

// Every migration, oldest first. CREATE DATABASE is not among them (it runs without a database).
std::vector<Migration> Migrations(const SchemaLayout& layout);
int LatestSchemaVersion();

// InitClickHouseSchema, stopping at `version` (tests build an older schema to migrate from), and
// failing after `fail_after_statements` statements when set (tests: a failure at any step).
Status MigrateUpTo(const ClickHouseOptions& options, int version, std::vector<int>* applied,
                   std::optional<std::size_t> fail_after_statements = std::nullopt);

// toDate of a nanosecond column, as the partition keys use it.
std::string DayOfNanos(const std::string& column);

}  // namespace hoptrace::store::clickhouse
