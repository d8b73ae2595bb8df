// ClickHouseStore's queries: one SQL statement each (two for a search), answered in RowBinary; every
// filter, range, limit, dedupe and aggregate runs in ClickHouse. A failed query throws StoreError.

#include <algorithm>
#include <cstdio>

#include "clickhouse_store_impl.h"
#include "hoptrace/store/store_error.h"
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

// The rows of a RowBinary answer, each parsed by `parse_row(in, T&)`. An answer cut short or garbled
// is an error, not fewer rows.
template <typename T, typename Parse>
std::vector<T> ReadRows(std::string_view answer, ClickHouseMetrics& metrics, Parse parse_row) {
  std::vector<T> rows;
  RowBinaryReader in(answer);
  while (!in.AtEnd()) {
    T row{};
    if (!parse_row(in, row)) {
      metrics.query_errors.Increment();
      throw StoreError(Status::Error(Status::Code::kCorruption, "ClickHouse's answer did not decode"));
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

template <typename Traces, typename IdOf>
std::string IdListSql(const Traces& traces, IdOf id_of) {
  std::string ids;
  for (const auto& trace : traces) {
    if (!ids.empty()) ids.append(", ");
    ids.append(IdSql(id_of(trace)));
  }
  return ids;
}

// The rows of traces `ids` (a SQL list) whose starts meet `time_condition`, from spans_by_trace.
// PREWHERE reads the trace_id column first and the other columns only of the granules that hold one
// of the traces: the key finds a granule in every part, and most parts do not hold the trace.
std::string RowsOfSql(const std::string& ids, const std::string& time_condition) {
  return std::string(" FROM ") + clickhouse::kSpansByTraceTable + " PREWHERE trace_id IN (" + ids + ") WHERE " +
         time_condition;
}

// The rows of `traces`, from the days their index entries span only.
std::string RowsOfSql(const std::vector<IndexedTrace>& traces) {
  TimeRange spanned{UINT64_MAX, 0};
  for (const IndexedTrace& trace : traces) {
    spanned.start_unix_nano = std::min(spanned.start_unix_nano, trace.start);
    spanned.end_unix_nano = std::max(spanned.end_unix_nano, trace.end);
  }
  return RowsOfSql(IdListSql(traces, [](const IndexedTrace& trace) { return trace.id; }), RangeSql(spanned));
}

// The rows of traces `ids`, from the days the index says they span: one round trip, as ClickHouse
// runs the scalar subqueries first and prunes partitions with their answers. No indexed trace: the
// range is [0, 0], so nothing is read.
std::string RowsOfIndexedSql(const std::string& ids) {
  const std::string indexed = std::string(" FROM ") + clickhouse::kTraceIndexTable + " WHERE trace_id IN (" + ids + "))";
  return RowsOfSql(ids, "start_ns >= (SELECT min(start_min)" + indexed + " AND start_ns <= (SELECT max(end_max)" +
                            indexed);
}

// A search candidate: a trace and the start of its latest matching span.
struct Candidate {
  model::TraceId id;
  std::uint64_t latest_match = 0;
};

bool ReadSummary(RowBinaryReader& in, TraceSummary& summary) {
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
}

// The summaries of traces `ids`, over each trace's spans once (a re-sent span counts once).
std::vector<TraceSummary> Summaries(ClickHouseStore::Impl& impl, const std::string& ids, const std::string& matches) {
  return ReadRows<TraceSummary>(
      impl.Answer(
          "search_summaries",
          "SELECT trace_id, min(start_ns), max(greatest(start_ns, end_ns)), count(), countIf(status_code = 2), "
          "arraySort(groupUniqArray(service)), argMin((service, name), (parent_span_id != unhex('0000000000000000'), "
          "start_ns)), groupArrayIf(span_id, matched) FROM (SELECT trace_id, span_id, parent_span_id, service, name, "
          "start_ns, end_ns, status_code, " + matches + " AS matched" + RowsOfIndexedSql(ids) +
              " LIMIT 1 BY trace_id, span_id) GROUP BY trace_id FORMAT RowBinary"),
      impl.counters(), ReadSummary);
}

// Search's first pass starts with this many candidates per requested trace.
constexpr std::size_t kCandidatesPerResult = 2;

// ForEachTrace reads traces in pages of this many: bounds the memory one answer takes.
constexpr std::size_t kScanPageTraces = 1000;

}  // namespace

std::optional<model::TraceBatch> ClickHouseStore::GetTrace(const model::TraceId& trace_id, const TimeRange&) {
  const std::string rows = impl_->Answer("get_trace", "SELECT " + clickhouse::SpanColumnList() +
                                                          RowsOfIndexedSql(IdSql(trace_id)) +
                                                          " ORDER BY start_ns LIMIT 1 BY span_id FORMAT RowBinary");
  std::optional<model::TraceBatch> trace;
  bool stopped = false;
  if (!clickhouse::DecodeTraces(rows, [&](const model::TraceBatch& found) {
        trace = found;
        return true;
      }, &stopped)) {
    impl_->counters().query_errors.Increment();
    throw StoreError(Status::Error(Status::Code::kCorruption, "the rows of trace " + trace_id.ToHex() + " did not decode"));
  }
  return trace;
}

// Traces rank by their start, which only the whole trace tells; a trace cannot start after its latest
// matching span. So: take the `count` traces whose latest matching span is newest, summarize them,
// and widen while a trace left out could still start after the last one kept.
std::vector<TraceSummary> ClickHouseStore::Search(const SearchRequest& request) {
  if (request.limit == 0) return {};
  const std::string matches = MatchesSql(*request.filter, request.range);
  for (std::size_t count = request.limit * kCandidatesPerResult;; count *= 4) {
    const std::vector<Candidate> candidates = ReadRows<Candidate>(
        impl_->Answer("search_rank", "SELECT trace_id, max(start_ns) AS latest FROM " +
                                         std::string(clickhouse::kSpansTable) + " WHERE " + matches +
                                         " GROUP BY trace_id ORDER BY latest DESC, trace_id LIMIT " +
                                         std::to_string(count) + " FORMAT RowBinary"),
        impl_->counters(), [](RowBinaryReader& in, Candidate& candidate) {
          return ReadFixedId(in, &candidate.id) && in.Number(&candidate.latest_match);
        });
    if (candidates.empty()) return {};
    std::vector<TraceSummary> summaries = Summaries(
        *impl_, IdListSql(candidates, [](const Candidate& candidate) { return candidate.id; }), matches);
    std::sort(summaries.begin(), summaries.end(), [](const TraceSummary& a, const TraceSummary& b) {
      return a.start_unix_nano != b.start_unix_nano ? a.start_unix_nano > b.start_unix_nano : a.trace_id < b.trace_id;
    });
    const bool every_match_seen = candidates.size() < count;
    const bool none_left_out_ranks = summaries.size() >= request.limit &&
                                     summaries[request.limit - 1].start_unix_nano > candidates.back().latest_match;
    if (every_match_seen || none_left_out_ranks) {
      if (summaries.size() > request.limit) summaries.resize(request.limit);
      return summaries;
    }
  }
}

Status ClickHouseStore::ForEachTrace(const TraceScan& scan, const TraceVisitor& visit) try {
  const std::string matches = MatchesSql(*scan.filter, scan.range);
  std::string after;  // the page's trace IDs follow this one
  for (;;) {
    const std::vector<IndexedTrace> traces = ReadRows<IndexedTrace>(
        impl_->Answer("scan_page", SelectIndexedTraces(matches, after, "ORDER BY trace_id LIMIT " +
                                                                         std::to_string(kScanPageTraces))),
        impl_->counters(), ReadIndexedTrace);
    if (traces.empty()) return Status::Ok();
    const auto columns = scan.timing_only ? clickhouse::RowColumns::kTiming : clickhouse::RowColumns::kAll;
    const std::string rows = impl_->Answer("scan_traces", "SELECT " + clickhouse::SelectList(columns) +
                                                              RowsOfSql(traces) +
                                                              " ORDER BY trace_id LIMIT 1 BY trace_id, span_id FORMAT RowBinary");
    bool stopped = false;
    if (!clickhouse::DecodeTraces(rows, visit, &stopped, columns)) {
      impl_->counters().query_errors.Increment();
      return Status::Error(Status::Code::kCorruption, "ClickHouse's rows of a trace scan did not decode");
    }
    if (stopped || traces.size() < kScanPageTraces) return Status::Ok();
    after = " AND trace_id > " + IdSql(traces.back().id);
  }
} catch (const StoreError& error) {
  return error.status();
}

std::vector<std::string> ClickHouseStore::Services(const TimeRange& range) {
  const std::string reply =
      impl_->Answer("services", "SELECT DISTINCT service FROM " + std::string(clickhouse::kSpansTable) + " WHERE " +
                                   RangeSql(range) + " ORDER BY service FORMAT RowBinary");
  return ReadRows<std::string>(reply, impl_->counters(), [](RowBinaryReader& in, std::string& service) { return in.String(&service); });
}

std::vector<Operation> ClickHouseStore::Operations(std::string_view service, const TimeRange& range) {
  const std::string reply = impl_->Answer(
      "operations", "SELECT DISTINCT name, kind FROM " + std::string(clickhouse::kSpansTable) + " WHERE service = " +
                        clickhouse::QuoteSql(service) + " AND " + RangeSql(range) + " ORDER BY name, kind FORMAT RowBinary");
  return ReadRows<Operation>(reply, impl_->counters(), [](RowBinaryReader& in, Operation& operation) {
    std::uint8_t kind = 0;
    if (!in.String(&operation.name) || !in.Number(&kind)) return false;
    operation.kind = static_cast<model::SpanKind>(kind);
    return true;
  });
}

namespace {

// One row per call that starts inside `range` (a span whose parent span in the same trace belongs to
// another service): the child's service, status_code and duration_ns, and the parent's parent_service.
// Each child span once (LIMIT 1 BY), joined to its parent in the same trace; on a cluster the join
// runs on every shard over its local rows, which hold whole traces.
std::string CallsSql(const TimeRange& range) {
  const TimeRange parents{range.start_unix_nano > kParentSlackNanos ? range.start_unix_nano - kParentSlackNanos : 0,
                          range.end_unix_nano < UINT64_MAX - kParentSlackNanos ? range.end_unix_nano + kParentSlackNanos
                                                                               : UINT64_MAX};
  return "(SELECT parent_service, service, status_code, duration_ns FROM (SELECT trace_id, parent_span_id AS span_id, "
         "service, status_code, duration_ns FROM (SELECT trace_id, span_id AS child_span_id, parent_span_id, service, "
         "status_code, greatest(start_ns, end_ns) - start_ns AS duration_ns FROM " +
         std::string(clickhouse::kSpansTable) + " WHERE " + RangeSql(range) +
         " AND parent_span_id != unhex('0000000000000000') LIMIT 1 BY trace_id, child_span_id)) ANY INNER JOIN "
         "(SELECT trace_id, span_id, service AS parent_service FROM " + clickhouse::kSpansTable + " WHERE " +
         RangeSql(parents) + ") USING (trace_id, span_id) WHERE parent_service != service)";
}

// model::LatencySketch::BucketOf in SQL: the same ln γ, and 0 (no logarithm) in kZeroBucket.
std::string LatencyBucketSql() {
  char log_gamma[32];
  std::snprintf(log_gamma, sizeof log_gamma, "%.17g", model::LatencySketch::kLogGamma);
  return "toInt32(if(duration_ns = 0, " + std::to_string(model::LatencySketch::kZeroBucket) +
         ", ceil(log(duration_ns) / " + log_gamma + ")))";
}

// One row of the service graph's answer: the calls of one edge whose latency falls in one bucket.
struct EdgeBucket {
  DependencyLink link;
  std::int32_t bucket = 0;
  std::uint64_t min_nanos = 0;
  std::uint64_t max_nanos = 0;
};

bool ReadEdgeBucket(RowBinaryReader& in, EdgeBucket& row) {
  return in.String(&row.link.parent) && in.String(&row.link.child) && in.Number(&row.bucket) &&
         in.Number(&row.link.call_count) && in.Number(&row.link.error_count) && in.Number(&row.min_nanos) &&
         in.Number(&row.max_nanos);
}

}  // namespace

std::vector<DependencyLink> ClickHouseStore::Dependencies(const TimeRange& range) {
  const std::string reply = impl_->Answer(
      "dependencies", "SELECT parent_service, service, count(), countIf(status_code = 2) FROM " + CallsSql(range) +
                          " GROUP BY parent_service, service ORDER BY parent_service, service FORMAT RowBinary");
  return ReadRows<DependencyLink>(reply, impl_->counters(), [](RowBinaryReader& in, DependencyLink& link) {
    return in.String(&link.parent) && in.String(&link.child) && in.Number(&link.call_count) &&
           in.Number(&link.error_count);
  });
}

// The calls grouped by edge and latency bucket in ClickHouse: what comes back is one row per bucket
// an edge's calls fall in (at most ~1,100 per edge from 1 µs to 1 h), not the spans.
Status ClickHouseStore::ServiceGraphEdges(const TimeRange& range, ServiceEdges* out) {
  const clickhouse::ClickHouseReply reply = impl_->Query(
      "service_graph", "SELECT parent_service, service, " + LatencyBucketSql() +
                           " AS bucket, count(), countIf(status_code = 2), min(duration_ns), max(duration_ns) FROM " +
                           CallsSql(range) + " GROUP BY parent_service, service, bucket ORDER BY parent_service, "
                           "service FORMAT RowBinary");
  if (!reply.status.ok()) return reply.status;
  for (const EdgeBucket& row : ReadRows<EdgeBucket>(reply.body, impl_->counters(), ReadEdgeBucket)) {
    if (out->edges.empty() || out->edges.back().link.parent != row.link.parent ||
        out->edges.back().link.child != row.link.child) {
      out->edges.push_back({.link = {.parent = row.link.parent, .child = row.link.child}});
    }
    ServiceGraphEdge& edge = out->edges.back();
    edge.link.call_count += row.link.call_count;
    edge.link.error_count += row.link.error_count;
    edge.latency.AddBucket(row.bucket, row.link.call_count, row.min_nanos, row.max_nanos);
  }
  const clickhouse::ClickHouseReply traces = impl_->Query(
      "service_graph_traces", "SELECT uniqExact(trace_id) FROM " + std::string(clickhouse::kSpansTable) + " WHERE " +
                                  RangeSql(range) + " FORMAT RowBinary");
  if (!traces.status.ok()) return traces.status;
  RowBinaryReader in(traces.body);
  if (!in.Number(&out->traces)) {
    return Status::Error(Status::Code::kCorruption, "ClickHouse's trace count did not decode");
  }
  return Status::Ok();
}

namespace {

// The counted spans as external data: one row per trace counted whole (span_id zero), one per span otherwise.
clickhouse::ExternalTable CountedTable(const std::vector<CountedTrace>& traces) {
  clickhouse::ExternalTable table{
      .name = "counted", .structure = "trace_id FixedString(16), span_id FixedString(8), whole UInt8, selected UInt8"};
  clickhouse::RowBinaryWriter writer(&table.rows);
  const auto add_row = [&](const CountedTrace& trace, const model::SpanId& span) {
    writer.Fixed(trace.trace_id.bytes().data(), model::TraceId::kSize);
    writer.Fixed(span.bytes().data(), model::SpanId::kSize);
    writer.Number<std::uint8_t>(trace.whole_trace);
    writer.Number<std::uint8_t>(trace.selected);
  };
  for (const CountedTrace& trace : traces) {
    if (trace.whole_trace) add_row(trace, model::SpanId());
    for (const model::SpanId& span : trace.spans) add_row(trace, span);
  }
  return table;
}

// Value types in the answer's rows.
enum class CountedType : std::uint8_t { kString, kInt, kDouble, kBool };

// One typed attribute set of a row (`prefix` attr or res) as an array of (resource, key, type,
// string, int, double) tuples: one shape for every type, so arrayJoin yields one value per row.
std::string TypedValuesSql(std::string_view prefix, bool resource) {
  const std::string scope = resource ? "toUInt8(1)" : "toUInt8(0)";
  const std::string p(prefix);
  const auto typed = [&](std::string_view group, CountedType type, std::string_view value_columns) {
    return "arrayMap((k, v) -> tuple(" + scope + ", k, toUInt8(" + std::to_string(static_cast<int>(type)) + "), " +
           std::string(value_columns) + "), " + p + "_" + std::string(group) + "_keys, " + p + "_" +
           std::string(group) + "_values)";
  };
  return typed("str", CountedType::kString, "v, toInt64(0), toFloat64(0)") + ", " +
         typed("int", CountedType::kInt, "'', v, toFloat64(0)") + ", " +
         typed("dbl", CountedType::kDouble, "'', toInt64(0), v") + ", " +
         typed("bool", CountedType::kBool, "'', toInt64(v), toFloat64(0)");
}

bool ReadValueCount(RowBinaryReader& in, AttributeValueCount& count) {
  std::uint8_t resource = 0, type = 0;
  std::string text;
  std::int64_t integer = 0;
  double real = 0;
  if (!in.Number(&resource) || !in.String(&count.attribute.key) || !in.Number(&type) || !in.String(&text) ||
      !in.Number(&integer) || !in.Number(&real) || !in.Number(&count.selection_traces) ||
      !in.Number(&count.baseline_traces)) {
    return false;
  }
  count.resource = resource != 0;
  switch (static_cast<CountedType>(type)) {
    case CountedType::kString: count.attribute.value = std::move(text); return true;
    case CountedType::kInt: count.attribute.value = integer; return true;
    case CountedType::kDouble: count.attribute.value = real; return true;
    case CountedType::kBool: count.attribute.value = integer != 0; return true;
  }
  return false;
}

}  // namespace

// The traces' IDs, spans and groups travel as external data; ClickHouse unrolls the values of the
// counted spans and their resources (arrayJoin), and counts distinct traces per value and group.
Status ClickHouseStore::CountAttributeValues(const std::vector<CountedTrace>& traces,
                                             std::vector<AttributeValueCount>* out) try {
  if (traces.empty()) return Status::Ok();
  const clickhouse::ExternalTable table = CountedTable(traces);
  const std::string sql =
      "SELECT value, uniqExactIf(trace_id, selected), uniqExactIf(trace_id, NOT selected) FROM (SELECT trace_id, "
      "trace_id IN (SELECT trace_id FROM counted WHERE selected = 1) AS selected, arrayJoin(arrayConcat(" +
      TypedValuesSql("attr", false) + ", " + TypedValuesSql("res", true) + ")) AS value" +
      RowsOfIndexedSql("SELECT trace_id FROM counted") +
      " AND (trace_id IN (SELECT trace_id FROM counted WHERE whole = 1) OR (trace_id, span_id) IN (SELECT trace_id, "
      "span_id FROM counted WHERE whole = 0))) GROUP BY value FORMAT RowBinary";
  std::vector<AttributeValueCount> counts =
      ReadRows<AttributeValueCount>(impl_->Answer("attribute_counts", sql, &table), impl_->counters(), ReadValueCount);
  out->insert(out->end(), std::make_move_iterator(counts.begin()), std::make_move_iterator(counts.end()));
  return Status::Ok();
} catch (const StoreError& error) {
  return error.status();
}

}  // namespace hoptrace::store
