// ClickHouseStore's queries: each one SQL statement (two for a lookup by ID and a search), answered
// in RowBinary; every filter, range, limit, dedupe and aggregate runs in ClickHouse.

#include <algorithm>

#include "clickhouse_store_impl.h"
#include "row_binary.h"
#include "span_rows.h"
#include "sql_filter.h"

namespace hoptrace::store {
namespace {

using clickhouse::RowBinaryReader;

std::string IdSql(const model::TraceId& id) { return "unhex('" + id.ToHex() + "')"; }

std::string RangeSql(const TimeRange& range) {
  return "start_ns >= " + std::to_string(range.start_unix_nano) + " AND start_ns <= " +
         std::to_string(range.end_unix_nano);
}

// A dependency's parent may start a little before the range (and a child after its parent): the
// parent side of the join reads this much further out.
constexpr std::uint64_t kParentSlackNanos = 3600ull * 1'000'000'000ull;

template <typename T>
bool ReadFixedId(RowBinaryReader& in, T* id) {
  return in.Fixed(id->mutable_bytes().data(), T::kSize);
}

// The rows of a RowBinary answer, each parsed by `parse_row(in, T&)`.
template <typename T, typename Parse>
std::vector<T> ReadRows(const clickhouse::ClickHouseReply& reply, ClickHouseMetrics& metrics, Parse parse_row) {
  std::vector<T> rows;
  RowBinaryReader in(reply.body);
  while (!in.AtEnd()) {
    T row{};
    if (!parse_row(in, row)) {
      metrics.query_errors.Increment();  // a cut-short answer: keep the rows before
      break;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

struct IndexedTrace {
  model::TraceId id;
  std::uint64_t start = 0;
  std::uint64_t end = 0;
};

// The condition a span meets to select its trace: the filter, and a start inside the range.
std::string MatchesSql(const SpanFilter& filter, const TimeRange& range) {
  std::string matches = "(";
  matches.append(RangeSql(range)).append(" AND ").append(clickhouse::FilterToSql(filter)).append(")");
  return matches;
}

// Traces selected by `matches`, with their time spans from the index, after `order` and `limit`.
std::string SelectIndexedTraces(const std::string& matches, const std::string& more_conditions,
                                const std::string& order_and_limit) {
  return "SELECT trace_id, min(start_min) AS trace_start, max(end_max) FROM " +
         std::string(clickhouse::kTraceIndexTable) + " WHERE trace_id IN (SELECT trace_id FROM " +
         clickhouse::kSpansTable + " WHERE " + matches + ")" + more_conditions + " GROUP BY trace_id " +
         order_and_limit + " FORMAT RowBinary";
}

bool ReadIndexedTrace(RowBinaryReader& in, IndexedTrace& trace) {
  return ReadFixedId(in, &trace.id) && in.Number(&trace.start) && in.Number(&trace.end);
}

// "trace_id IN (...) AND start_ns in the traces' combined time span": their rows, from their days only.
std::string RowsOfSql(const std::vector<IndexedTrace>& traces) {
  TimeRange spanned{UINT64_MAX, 0};
  std::string ids;
  for (const IndexedTrace& trace : traces) {
    spanned.start_unix_nano = std::min(spanned.start_unix_nano, trace.start);
    spanned.end_unix_nano = std::max(spanned.end_unix_nano, trace.end);
    if (!ids.empty()) ids.append(", ");
    ids.append(IdSql(trace.id));
  }
  return RangeSql(spanned) + " AND trace_id IN (" + ids + ")";
}

// ForEachTrace reads traces in pages of this many: bounds the memory one answer takes.
constexpr std::size_t kScanPageTraces = 1000;

}  // namespace

std::optional<model::TraceBatch> ClickHouseStore::GetTrace(const model::TraceId& trace_id, const TimeRange&) {
  // The index gives the trace's time span, so the spans read touches only its day partitions.
  const clickhouse::ClickHouseReply bounds = impl_->Query(
      "trace_bounds", "SELECT count(), min(start_min), max(end_max) FROM " + std::string(clickhouse::kTraceIndexTable) +
                          " WHERE trace_id = " + IdSql(trace_id) + " FORMAT RowBinary");
  std::uint64_t count = 0;
  TimeRange span_of_trace;
  RowBinaryReader in(bounds.body);
  if (!bounds.status.ok() || !in.Number(&count) || count == 0 || !in.Number(&span_of_trace.start_unix_nano) ||
      !in.Number(&span_of_trace.end_unix_nano)) {
    return std::nullopt;
  }
  const clickhouse::ClickHouseReply rows = impl_->Query(
      "get_trace", "SELECT " + clickhouse::SpanColumnList() + " FROM " + clickhouse::kSpansByTraceTable + " WHERE " +
                       RangeSql(span_of_trace) + " AND trace_id = " + IdSql(trace_id) +
                       " ORDER BY start_ns LIMIT 1 BY span_id FORMAT RowBinary");
  if (!rows.status.ok()) return std::nullopt;
  std::optional<model::TraceBatch> trace;
  bool stopped = false;
  if (!clickhouse::DecodeTraces(rows.body, [&](const model::TraceBatch& found) {
        trace = found;
        return true;
      }, &stopped)) {
    impl_->counters().query_errors.Increment();
    impl_->Log("the rows of trace " + trace_id.ToHex() + " did not decode");
  }
  return trace;
}

std::vector<TraceSummary> ClickHouseStore::Search(const SearchRequest& request) {
  const std::string matches = MatchesSql(*request.filter, request.range);
  // 1. The latest-starting matching traces, ranked by the whole trace's start (from the index).
  const clickhouse::ClickHouseReply ranked = impl_->Query(
      "search_rank",
      SelectIndexedTraces(matches, "", "ORDER BY trace_start DESC, trace_id LIMIT " + std::to_string(request.limit)));
  const std::vector<IndexedTrace> traces = ReadRows<IndexedTrace>(ranked, impl_->counters(), ReadIndexedTrace);
  if (traces.empty()) return {};

  // 2. Their summaries, over each trace's spans once (a re-sent span counts once).
  const clickhouse::ClickHouseReply summarized = impl_->Query(
      "search_summaries",
      "SELECT trace_id, min(start_ns), max(greatest(start_ns, end_ns)), count(), countIf(status_code = 2), "
      "arraySort(groupUniqArray(service)), argMin((service, name), (parent_span_id != unhex('0000000000000000'), "
      "start_ns)), groupArrayIf(span_id, matched) FROM (SELECT trace_id, span_id, parent_span_id, service, name, "
      "start_ns, end_ns, status_code, " + matches + " AS matched FROM " + clickhouse::kSpansByTraceTable + " WHERE " +
          RowsOfSql(traces) + " LIMIT 1 BY trace_id, span_id) GROUP BY trace_id "
          "FORMAT RowBinary");
  std::vector<TraceSummary> summaries = ReadRows<TraceSummary>(summarized, impl_->counters(), [](RowBinaryReader& in, TraceSummary& summary) {
    std::uint64_t end = 0, span_count = 0, error_count = 0, services = 0, matched = 0;
    if (!ReadFixedId(in, &summary.trace_id) || !in.Number(&summary.start_unix_nano) || !in.Number(&end) ||
        !in.Number(&span_count) || !in.Number(&error_count) || !in.Count(&services)) {
      return false;
    }
    summary.duration_nanos = end - summary.start_unix_nano;
    summary.span_count = static_cast<std::uint32_t>(span_count);
    summary.error_count = static_cast<std::uint32_t>(error_count);
    summary.services.resize(services);
    for (std::string& service : summary.services) {
      if (!in.String(&service)) return false;
    }
    if (!in.String(&summary.root_service) || !in.String(&summary.root_name) || !in.Count(&matched)) return false;
    summary.matched_spans.resize(matched);
    for (model::SpanId& span : summary.matched_spans) {
      if (!ReadFixedId(in, &span)) return false;
    }
    return true;
  });
  std::sort(summaries.begin(), summaries.end(), [](const TraceSummary& a, const TraceSummary& b) {
    return a.start_unix_nano != b.start_unix_nano ? a.start_unix_nano > b.start_unix_nano : a.trace_id < b.trace_id;
  });
  return summaries;
}

Status ClickHouseStore::ForEachTrace(const TraceScan& scan, const TraceVisitor& visit) {
  const std::string matches = MatchesSql(*scan.filter, scan.range);
  std::string after;  // the page's trace IDs follow this one
  for (;;) {
    const clickhouse::ClickHouseReply page = impl_->Query(
        "scan_page", SelectIndexedTraces(matches, after, "ORDER BY trace_id LIMIT " + std::to_string(kScanPageTraces)));
    if (!page.status.ok()) return page.status;
    const std::vector<IndexedTrace> traces = ReadRows<IndexedTrace>(page, impl_->counters(), ReadIndexedTrace);
    if (traces.empty()) return Status::Ok();
    const clickhouse::ClickHouseReply rows = impl_->Query(
        "scan_traces", "SELECT " + clickhouse::SpanColumnList() + " FROM " + clickhouse::kSpansByTraceTable + " WHERE " +
                           RowsOfSql(traces) + " ORDER BY trace_id LIMIT 1 BY trace_id, span_id FORMAT RowBinary");
    if (!rows.status.ok()) return rows.status;
    bool stopped = false;
    if (!clickhouse::DecodeTraces(rows.body, visit, &stopped)) {
      impl_->counters().query_errors.Increment();
      return Status::Error(Status::Code::kCorruption, "ClickHouse's rows of a trace scan did not decode");
    }
    if (stopped || traces.size() < kScanPageTraces) return Status::Ok();
    after = " AND trace_id > " + IdSql(traces.back().id);
  }
}

std::vector<std::string> ClickHouseStore::Services(const TimeRange& range) {
  const clickhouse::ClickHouseReply reply =
      impl_->Query("services", "SELECT DISTINCT service FROM " + std::string(clickhouse::kSpansTable) + " WHERE " +
                                   RangeSql(range) + " ORDER BY service FORMAT RowBinary");
  return ReadRows<std::string>(reply, impl_->counters(), [](RowBinaryReader& in, std::string& service) { return in.String(&service); });
}

std::vector<Operation> ClickHouseStore::Operations(std::string_view service, const TimeRange& range) {
  const clickhouse::ClickHouseReply reply = impl_->Query(
      "operations", "SELECT DISTINCT name, kind FROM " + std::string(clickhouse::kSpansTable) + " WHERE service = " +
                        clickhouse::QuoteSql(service) + " AND " + RangeSql(range) + " ORDER BY name, kind FORMAT RowBinary");
  return ReadRows<Operation>(reply, impl_->counters(), [](RowBinaryReader& in, Operation& operation) {
    std::uint8_t kind = 0;
    if (!in.String(&operation.name) || !in.Number(&kind)) return false;
    operation.kind = static_cast<model::SpanKind>(kind);
    return true;
  });
}

std::vector<DependencyLink> ClickHouseStore::Dependencies(const TimeRange& range) {
  const TimeRange parents{range.start_unix_nano > kParentSlackNanos ? range.start_unix_nano - kParentSlackNanos : 0,
                          range.end_unix_nano < UINT64_MAX - kParentSlackNanos ? range.end_unix_nano + kParentSlackNanos
                                                                               : UINT64_MAX};
  // Each child span once (LIMIT 1 BY), joined to its parent in the same trace; on a cluster the join
  // runs on every shard over its local rows, which hold whole traces.
  const clickhouse::ClickHouseReply reply = impl_->Query(
      "dependencies",
      "SELECT parent_service, service, count(), countIf(status_code = 2) FROM (SELECT trace_id, parent_span_id AS "
      "span_id, service, status_code FROM (SELECT trace_id, span_id AS child_span_id, parent_span_id, service, "
      "status_code FROM " + std::string(clickhouse::kSpansTable) + " WHERE " + RangeSql(range) +
          " AND parent_span_id != unhex('0000000000000000') LIMIT 1 BY trace_id, child_span_id)) ANY INNER JOIN "
          "(SELECT trace_id, span_id, service AS parent_service FROM " + clickhouse::kSpansTable + " WHERE " +
          RangeSql(parents) + ") USING (trace_id, span_id) WHERE parent_service != service GROUP BY parent_service, "
          "service ORDER BY parent_service, service FORMAT RowBinary");
  return ReadRows<DependencyLink>(reply, impl_->counters(), [](RowBinaryReader& in, DependencyLink& link) {
    return in.String(&link.parent) && in.String(&link.child) && in.Number(&link.call_count) &&
           in.Number(&link.error_count);
  });
}

}  // namespace hoptrace::store
