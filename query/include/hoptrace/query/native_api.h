#pragma once
// hoptrace's own query API, shaped after Tempo's: search with the query language, and a trace by ID
// as OTLP JSON.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hoptrace/model/span.h"
#include "hoptrace/query/jaeger_api.h"  // ParamList
#include "hoptrace/query/query_language.h"
#include "hoptrace/store/store.h"

namespace hoptrace::query {

// /api/search?q=<query>&start=&end=&limit= : start and end are Unix seconds, as in Tempo; an absent
// bound is open (the whole store). q defaults to `{}` (every trace), limit to 20 (at most 10000).
struct NativeSearchParams {
  store::SearchRequest request;
};
struct NativeSearchError {
  std::string message;
  std::optional<QueryError> query_error;  // set when `q` did not parse
};
// Returns false with `error` on a malformed parameter or a query that does not parse.
bool ParseNativeSearchParams(const ParamList& params, NativeSearchParams* out, NativeSearchError* error);

// {"traces":[{"traceID","rootServiceName","rootTraceName","startTimeUnixNano":"<decimal>","durationMs",
//   "spanCount","errorCount","services":[...],"matchedSpans":[span IDs]}]}
// Trace IDs are 32 hex digits; startTimeUnixNano is a string as in Tempo (64-bit values in JSON).
std::string SearchResultsJson(const std::vector<store::TraceSummary>& summaries);

// {"error":"column 17: expected ...","column":17} for a query error; {"error":"..."} otherwise.
std::string NativeErrorJson(const NativeSearchError& error);

// /api/v2/traces/{id}: {"trace":{"resourceSpans":[...]}} — the trace in OTLP JSON, as Tempo's v2 API.
std::string TraceOtlpJson(const model::TraceBatch& trace);

}  // namespace hoptrace::query
