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
//
// On a cluster the two tables are spans_local / trace_index_local on every node, and spans /
// trace_index are Distributed tables over them sharded by cityHash64(trace_id): a trace's rows all
// land on one shard, so per-trace work (lookups, summaries, dependencies) runs shard-locally.

#include <string>
#include <vector>

#include "hoptrace/store/clickhouse_store.h"

namespace hoptrace::store::clickhouse {

struct SchemaLayout {
  std::string database;
  std::string cluster;  // empty: a single node
  bool clustered() const { return !cluster.empty(); }
  // The tables that hold the rows on each node (what retention drops partitions of).
  std::string spans_local() const { return clustered() ? "spans_local" : "spans"; }
  std::string trace_index_local() const { return clustered() ? "trace_index_local" : "trace_index"; }
  std::string spans_by_trace_local() const { return clustered() ? "spans_by_trace_local" : "spans_by_trace"; }
  std::vector<std::string> row_tables() const { return {spans_local(), trace_index_local(), spans_by_trace_local()}; }
};

// The tables queries and inserts name (Distributed ones on a cluster).
inline constexpr const char* kSpansTable = "spans";
inline constexpr const char* kTraceIndexTable = "trace_index";
inline constexpr const char* kSpansByTraceTable = "spans_by_trace";
inline constexpr const char* kVersionTable = "hoptrace_schema_version";

struct Migration {
  int version = 0;
  std::vector<std::string> statements;  // each idempotent (IF NOT EXISTS)
};

// Every migration, oldest first. CREATE DATABASE is not among them (it runs without a database).
std::vector<Migration> Migrations(const SchemaLayout& layout);
int LatestSchemaVersion();

// InitClickHouseSchema, stopping at `version` (tests build an older schema to migrate from).
Status MigrateUpTo(const ClickHouseOptions& options, int version, std::vector<int>* applied);

// toDate of a nanosecond column, as the partition keys use it.
std::string DayOfNanos(const std::string& column);

}  // namespace hoptrace::store::clickhouse
