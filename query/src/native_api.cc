#include "hoptrace/query/native_api.h"

#include <algorithm>
#include <limits>

#include "hoptrace/otlp/json_convert.h"
#include "json_writer.h"
#include "text.h"

namespace hoptrace::query {
namespace {

using internal::JsonWriter;

constexpr std::size_t kDefaultLimit = 20;
constexpr std::size_t kMaxLimit = 10'000;
constexpr std::uint64_t kNanosPerSecond = 1'000'000'000;

bool ParseSeconds(const ParamList& params, std::string_view name, std::uint64_t* unix_nano, NativeSearchError* error) {
  const auto text = FindParam(params, name);
  if (!text || text->empty()) return true;
  std::uint64_t seconds = 0;
  if (!internal::ParseWhole(*text, &seconds) || seconds > std::numeric_limits<std::uint64_t>::max() / kNanosPerSecond) {
    error->message = "invalid " + std::string(name) + " \"" + std::string(*text) + "\": expected Unix seconds";
    return false;
  }
  *unix_nano = seconds * kNanosPerSecond;
  return true;
}

}  // namespace

bool ParseNativeSearchParams(const ParamList& params, NativeSearchParams* out, NativeSearchError* error) {
  *out = {};
  out->request.limit = kDefaultLimit;
  if (const auto query = FindParam(params, "q"); query && !query->empty()) {
    ParsedQuery parsed = ParseQuery(*query);
    if (!parsed.ok()) {
      error->message = "invalid query: " + parsed.error.ToString();
      error->query_error = std::move(parsed.error);
      return false;
    }
    out->request.filter = std::move(parsed.filter);
  }
  if (!ParseSeconds(params, "start", &out->request.range.start_unix_nano, error) ||
      !ParseSeconds(params, "end", &out->request.range.end_unix_nano, error)) {
    return false;
  }
  if (const auto text = FindParam(params, "limit"); text && !text->empty()) {
    std::size_t limit = 0;
    if (!internal::ParseWhole(*text, &limit) || limit == 0) {
      error->message = "invalid limit \"" + std::string(*text) + "\": expected a positive integer";
      return false;
    }
    out->request.limit = std::min(limit, kMaxLimit);
  }
  return true;
}

std::string SearchResultsJson(const std::vector<store::TraceSummary>& summaries) {
  JsonWriter json;
  json.BeginObject().Key("traces").BeginArray();
  for (const store::TraceSummary& summary : summaries) {
    json.BeginObject()
        .Member("traceID", summary.trace_id.ToHex())
        .Member("rootServiceName", summary.root_service)
        .Member("rootTraceName", summary.root_name)
        .Member("startTimeUnixNano", std::to_string(summary.start_unix_nano))
        // In fractions of a millisecond: a sub-millisecond trace must not read "0 ms".
        .Member("durationMs", static_cast<double>(summary.duration_nanos) / 1e6)
        .Member("spanCount", summary.span_count)
        .Member("errorCount", summary.error_count)
        .Key("services")
        .BeginArray();
    for (const std::string& service : summary.services) json.String(service);
    json.EndArray().Key("matchedSpans").BeginArray();
    for (const model::SpanId& span_id : summary.matched_spans) json.String(span_id.ToHex());
    json.EndArray().EndObject();
  }
  json.EndArray().EndObject();
  return json.Take();
}

std::string NativeErrorJson(const NativeSearchError& error) {
  JsonWriter json;
  json.BeginObject().Member("error", error.message);
  if (error.query_error) json.Member("column", error.query_error->column);
  json.EndObject();
  return json.Take();
}

std::string TraceOtlpJson(const model::TraceBatch& trace) {
  JsonWriter json;
  json.BeginObject().Key("trace").Raw(otlp::ToJson(trace)).EndObject();
  return json.Take();
}

}  // namespace hoptrace::query
