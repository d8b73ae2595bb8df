#include "schema.h"

#include "span_rows.h"

namespace hoptrace::store::clickhouse {
namespace {

std::string ColumnDefinitions() {
  std::string definitions;
  for (const Column& column : SpanColumns()) {
    if (!definitions.empty()) definitions += ", ";
    definitions += std::string(column.name) + " " + std::string(column.type);
  }
  return definitions;
}

std::string Distributed(const SchemaLayout& layout, const std::string& table, const std::string& local) {
  return "CREATE TABLE IF NOT EXISTS " + table + " AS " + local + " ENGINE = Distributed(" + layout.cluster + ", " +
         layout.database + ", " + local + ", cityHash64(trace_id))";
}

std::vector<std::string> Version1(const SchemaLayout& layout) {
  const std::string spans = layout.spans_local();
  const std::string index = layout.trace_index_local();
  std::vector<std::string> statements = {
      "CREATE TABLE IF NOT EXISTS " + spans + " (" + ColumnDefinitions() +
          ") ENGINE = ReplacingMergeTree PARTITION BY " + DayOfNanos("start_ns") +
          " ORDER BY (service, name, start_ns, trace_id, span_id)",
      "CREATE TABLE IF NOT EXISTS " + index +
          " (trace_id FixedString(16), start_min UInt64, end_max UInt64) ENGINE = MergeTree PARTITION BY " +
          DayOfNanos("start_min") + " ORDER BY (trace_id, start_min)",
      "CREATE MATERIALIZED VIEW IF NOT EXISTS trace_index_mv TO " + index +
          " AS SELECT trace_id, min(start_ns) AS start_min, max(greatest(start_ns, end_ns)) AS end_max FROM " + spans +
          " GROUP BY trace_id",
  };
  if (layout.clustered()) {
    statements.push_back(Distributed(layout, kSpansTable, spans));
    statements.push_back(Distributed(layout, kTraceIndexTable, index));
  }
  return statements;
}

std::vector<std::string> Version2(const SchemaLayout& layout) {
  const std::string spans = layout.spans_local();
  const std::string by_trace = layout.spans_by_trace_local();
  std::vector<std::string> statements = {
      "CREATE TABLE IF NOT EXISTS " + by_trace + " AS " + spans + " ENGINE = ReplacingMergeTree PARTITION BY " +
          DayOfNanos("start_ns") + " ORDER BY (trace_id, span_id)",
      "CREATE MATERIALIZED VIEW IF NOT EXISTS spans_by_trace_mv TO " + by_trace + " AS SELECT * FROM " + spans,
      // Rows stored before this version (the view only sees new inserts). Runs once: the version is recorded after.
      "INSERT INTO " + by_trace + " SELECT * FROM " + spans,
  };
  if (layout.clustered()) statements.push_back(Distributed(layout, kSpansByTraceTable, by_trace));
  return statements;
}

}  // namespace

std::string DayOfNanos(const std::string& column) {
  return "toDate(toDateTime(intDiv(" + column + ", 1000000000)))";
}

std::vector<Migration> Migrations(const SchemaLayout& layout) {
  return {{1, Version1(layout)}, {2, Version2(layout)}};
}

int LatestSchemaVersion() { return Migrations({}).back().version; }

}  // namespace hoptrace::store::clickhouse
