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

// A trace's time span per insert block, into `index`.
std::string TraceIndexView(const std::string& view, const std::string& index, const std::string& spans) {
  return "CREATE MATERIALIZED VIEW IF NOT EXISTS " + view + " TO " + index +
         " AS SELECT trace_id, min(start_ns) AS start_min, max(greatest(start_ns, end_ns)) AS end_max FROM " + spans +
         " GROUP BY trace_id";
}

std::string SpansByTraceView(const std::string& view, const std::string& by_trace, const std::string& spans) {
  return "CREATE MATERIALIZED VIEW IF NOT EXISTS " + view + " TO " + by_trace + " AS SELECT * FROM " + spans;
}

std::vector<std::string> Version1(const SchemaLayout& layout) {
  const std::string spans = layout.spans_local();
  const std::string index = layout.Local("trace_index");
  std::vector<std::string> statements = {
      "CREATE TABLE IF NOT EXISTS " + spans + " (" + ColumnDefinitions() +
          ") ENGINE = ReplacingMergeTree PARTITION BY " + DayOfNanos("start_ns") +
          " ORDER BY (service, name, start_ns, trace_id, span_id)",
      "CREATE TABLE IF NOT EXISTS " + index +
          " (trace_id FixedString(16), start_min UInt64, end_max UInt64) ENGINE = MergeTree PARTITION BY " +
          DayOfNanos("start_min") + " ORDER BY (trace_id, start_min)",
      TraceIndexView("trace_index_mv", index, spans),
  };
  if (layout.clustered()) {
    statements.push_back(Distributed(layout, kSpansTable, spans));
    statements.push_back(Distributed(layout, "trace_index", index));
  }
  return statements;
}

std::vector<std::string> Version2(const SchemaLayout& layout) {
  const std::string spans = layout.spans_local();
  const std::string by_trace = layout.Local("spans_by_trace");
  std::vector<std::string> statements = {
      "CREATE TABLE IF NOT EXISTS " + by_trace + " AS " + spans + " ENGINE = ReplacingMergeTree PARTITION BY " +
          DayOfNanos("start_ns") + " ORDER BY (trace_id, span_id)",
      SpansByTraceView("spans_by_trace_mv", by_trace, spans),
      // Rows stored before this version (the view only sees new inserts). Runs once: the version is recorded after.
      "INSERT INTO " + by_trace + " SELECT * FROM " + spans,
  };
  if (layout.clustered()) statements.push_back(Distributed(layout, "spans_by_trace", by_trace));
  return statements;
}

// A statement that fails unless `copy` holds at least as many distinct `key`s as `original`: a
// merge may have collapsed duplicate rows in either, so rows are not compared.
std::string CopiedAllOf(const std::string& copy, const std::string& original, const std::string& key) {
  return "SELECT throwIf((SELECT uniqExact(" + key + ") FROM " + copy + ") < (SELECT uniqExact(" + key + ") FROM " +
         original + "))";
}

std::vector<std::string> Version3(const SchemaLayout& layout) {
  const std::string spans = layout.spans_local();
  const std::string index = layout.trace_index_local(), old_index = layout.Local("trace_index");
  const std::string by_trace = layout.spans_by_trace_local(), old_by_trace = layout.Local("spans_by_trace");
  const std::string granules = " SETTINGS index_granularity = " + std::to_string(kLookupGranuleRows);
  std::vector<std::string> statements = {
      "CREATE TABLE IF NOT EXISTS " + index + " AS " + old_index + " ENGINE = MergeTree PARTITION BY " +
          DayOfNanos("start_min") + " ORDER BY (trace_id, start_min)" + granules,
      "CREATE TABLE IF NOT EXISTS " + by_trace + " AS " + spans + " ENGINE = ReplacingMergeTree PARTITION BY " +
          DayOfNanos("start_ns") + " ORDER BY (trace_id, span_id)" + granules,
      // The new views before the copies: a span inserted in between reaches both, and queries count it once.
      TraceIndexView("trace_index_v3_mv", index, spans),
      SpansByTraceView("spans_by_trace_v3_mv", by_trace, spans),
      "INSERT INTO " + index + " SELECT * FROM " + old_index,
      "INSERT INTO " + by_trace + " SELECT * FROM " + old_by_trace,
      // The old tables are dropped only once the copies hold every trace and span they hold.
      CopiedAllOf(index, old_index, "trace_id"),
      CopiedAllOf(by_trace, old_by_trace, "trace_id, span_id"),
      "DROP TABLE IF EXISTS trace_index_mv",
      "DROP TABLE IF EXISTS spans_by_trace_mv",
  };
  if (layout.clustered()) {
    statements.push_back(Distributed(layout, kTraceIndexTable, index));
    statements.push_back(Distributed(layout, kSpansByTraceTable, by_trace));
    statements.push_back("DROP TABLE IF EXISTS trace_index");
    statements.push_back("DROP TABLE IF EXISTS spans_by_trace");
  }
  statements.push_back("DROP TABLE IF EXISTS " + old_index);
  statements.push_back("DROP TABLE IF EXISTS " + old_by_trace);
  return statements;
}

}  // namespace

std::string DayOfNanos(const std::string& column) {
  return "toDate(toDateTime(intDiv(" + column + ", 1000000000)))";
}

std::vector<Migration> Migrations(const SchemaLayout& layout) {
  return {{1, Version1(layout)}, {2, Version2(layout)}, {3, Version3(layout)}};
}

int LatestSchemaVersion() { return Migrations({}).back().version; }

}  // namespace hoptrace::store::clickhouse
