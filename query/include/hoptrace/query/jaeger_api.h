#pragma once
// The Jaeger query service's HTTP JSON API (what the Jaeger UI calls), as pure functions: model
// traces to Jaeger's UI JSON, and Jaeger's search parameters to a store::SearchRequest.
//
// Traces are converted the way Jaeger converts OTLP (the OpenTelemetry Collector's jaeger
// translator) and then adjusted as Jaeger's query service does before answering:
//   - one process per distinct resource ("p1", "p2", ... in order of first use): serviceName from
//     service.name ("OTLPResourceNoServiceName" when absent), the other resource attributes as tags;
//   - span tags: otel.scope.name / otel.scope.version, the attributes, span.kind (lower case; none for
//     UNSPECIFIED), otel.status_code (OK / ERROR; none for UNSET), error=true for ERROR,
//     otel.status_description, w3c.tracestate; sorted by key (Jaeger's SortTagsAndLogFields);
//   - the parent as a CHILD_OF reference first, then every link as FOLLOWS_FROM;
//   - events as logs: an `event` field with the name first, then the attributes sorted by key;
//   - times in microseconds (truncated), trace IDs as 16 hex digits when the high half is zero and
//     32 otherwise, span IDs as 16 hex digits (Jaeger's TraceID.String / SpanID.String);
//   - array values as string tags holding JSON text, as the translator writes them.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hoptrace/model/span.h"
#include "hoptrace/store/store.h"

namespace hoptrace::query {

// Query-string parameters, percent-decoded, in order, repeated names kept (http::QueryParams::items()).
using ParamList = std::vector<std::pair<std::string, std::string>>;

// ---- IDs ---------------------------------------------------------------------------------------

std::string JaegerTraceId(const model::TraceId& trace_id);
// 1 to 32 hex digits, as Jaeger's TraceIDFromString accepts them (shorter IDs are left-padded).
std::optional<model::TraceId> ParseJaegerTraceId(std::string_view hex);

// ---- Responses: {"data":...,"total":N,"limit":0,"offset":0,"errors":null} ----------------------

// /api/traces and /api/traces/{id}. `missing` are requested trace IDs that were not found; each
// becomes an entry in "errors" ({"msg":"trace not found","traceID":...}) as Jaeger reports them.
std::string JaegerTracesJson(const std::vector<model::TraceBatch>& traces,
                             const std::vector<model::TraceId>& missing = {});
std::string JaegerServicesJson(const std::vector<std::string>& services);
// /api/services/{service}/operations: unique names, sorted.
std::string JaegerOperationNamesJson(const std::vector<store::Operation>& operations);
// /api/operations: [{"name","spanKind"}], spanKind lower case ("" for UNSPECIFIED).
std::string JaegerOperationsJson(const std::vector<store::Operation>& operations);
// /api/dependencies: [{"parent","child","callCount"}], links with the same parent and child summed.
std::string JaegerDependenciesJson(const std::vector<store::DependencyLink>& links);
// {"data":null,"total":0,"limit":0,"offset":0,"errors":[{"code":400,"msg":"..."}]}
std::string JaegerErrorJson(unsigned code, std::string_view message);

// ---- Parameters --------------------------------------------------------------------------------

struct JaegerSearchParams {
  store::SearchRequest request;
  std::vector<model::TraceId> trace_ids;  // traceID=...: fetch these traces instead of searching
};

// Jaeger's /api/traces parameters (errors worded as Jaeger words them):
//   service (required unless traceID is given), operation, tags (a JSON object of strings, numbers
//   or booleans, or logfmt `key=value key2="a b"` as typed into the UI), tag=key:value (repeated),
//   minDuration / maxDuration (Go durations: 1.2s, 100ms), start / end (Unix µs; end defaults to
//   now, start to end - lookback), lookback (1h, 2d, ...; "custom" or absent: 2 days), limit
//   (default 100), traceID (repeated).
// All conditions apply to one span, as in Jaeger's stores. A tag matches a span or resource
// attribute whose value reads as the given text: "500" matches the int 500 and the string "500",
// "true" the bool true. error=true also matches status ERROR, span.kind=server the span kind,
// otel.status_code=ERROR the status and otel.status_description the status message, since those
// tags are derived from the OTLP fields rather than stored as attributes.
bool ParseJaegerSearchParams(const ParamList& params, std::uint64_t now_unix_nano, JaegerSearchParams* out,
                             std::string* error);

struct JaegerDependencyParams {
  store::TimeRange range;
  std::string service;  // when set, only links with this parent or child
};
// endTs (Unix ms, default now) and lookback (ms, default 24 h), as Jaeger's /api/dependencies.
bool ParseJaegerDependencyParams(const ParamList& params, std::uint64_t now_unix_nano, JaegerDependencyParams* out,
                                 std::string* error);

// The span kind filter of /api/operations: "" (all), or server, client, producer, consumer, internal.
bool ParseJaegerSpanKind(std::string_view text, std::optional<model::SpanKind>* kind, std::string* error);

// The first value of `name`, or nullopt.
std::optional<std::string_view> FindParam(const ParamList& params, std::string_view name);

}  // namespace hoptrace::query
