#pragma once
// Reading a trace back from `hoptrace serve`'s query API and comparing it, field by field, with what a
// client sent. The JSON is read with simdjson, independently of hoptrace's own JSON code, and checked
// against the published formats: Jaeger's query-service JSON (the OTLP → Jaeger translation rules)
// and OTLP JSON (proto3 JSON mapping: hex IDs, enums as integers, 64-bit integers as strings).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sent_trace.h"

namespace hoptrace::cli::e2e {

struct Fetched {
  unsigned status = 0;  // 0: no answer
  std::string body;
  int attempts = 0;  // GETs it took; more than one: the trace was not readable as soon as it was acknowledged
};

// GET /api/traces/{id} (Jaeger) or /api/v2/traces/{id} (OTLP JSON) on the query port, repeated until
// the answer holds `span_count` spans or `timeout` passes; returns the last answer.
Fetched FetchJaegerTrace(std::uint16_t query_port, const model::TraceId& trace_id, std::size_t span_count,
                         std::chrono::milliseconds timeout = std::chrono::seconds(15));
Fetched FetchOtlpTrace(std::uint16_t query_port, const model::TraceId& trace_id, std::size_t span_count,
                       std::chrono::milliseconds timeout = std::chrono::seconds(15));

// The span IDs (hex) in an /api/v2/traces answer; nullopt when the body is not {"trace": OTLP JSON}.
std::optional<std::vector<std::string>> OtlpSpanIds(std::string_view body);

// The trace in a Jaeger /api/traces/{id} answer holds exactly the sent spans.
void ExpectJaegerTrace(std::string_view body, const SentTrace& sent);
// The OTLP JSON in an /api/v2/traces/{id} answer holds exactly the sent spans.
void ExpectOtlpJsonTrace(std::string_view body, const SentTrace& sent);

// Both of the above, read from a running server, and the trace found by the native search and by
// Jaeger's search for its service (the only trace of that service): the usual end of an interop test.
void ExpectTraceReadBack(std::uint16_t query_port, const SentTrace& sent);

}  // namespace hoptrace::cli::e2e
