#pragma once
// W3C Trace Context (https://www.w3.org/TR/trace-context/): the `traceparent` and `tracestate`
// headers. Extract accepts version 00 and, as the spec asks, later versions by their version-00
// prefix; Inject writes version 00.

#include <optional>
#include <string_view>
#include <vector>

#include "hoptrace/sdk/propagation/text_map.h"

namespace hoptrace::sdk {

inline constexpr std::string_view kTraceParentHeader = "traceparent";
inline constexpr std::string_view kTraceStateHeader = "tracestate";

// The parts of a `traceparent` value. Only the sampled flag is kept: the spec says to ignore
// flags this implementation does not know.
struct TraceParent {
  TraceId trace_id;
  SpanId span_id;
  std::uint8_t trace_flags = 0;
};

// Parses a `traceparent` value (surrounding spaces and tabs allowed); nullopt when invalid.
std::optional<TraceParent> ParseTraceParent(std::string_view value);

class TraceContextPropagator final : public TextMapPropagator {
 public:
  static constexpr std::size_t kTraceParentLength = 55;  // version 00

  // Writes `traceparent` (and `tracestate` when the context has one). Allocates nothing beyond
  // what the carrier's Set does, unless there is a tracestate to render.
  void Inject(const SpanContext& context, TextMapCarrier& carrier) const override;
  // A remote context. An invalid `traceparent` yields an invalid context and `tracestate` is then
  // ignored; an invalid `tracestate` alone is dropped and the context kept.
  SpanContext Extract(const TextMapCarrier& carrier) const override;
  std::vector<std::string_view> Fields() const override { return {kTraceParentHeader, kTraceStateHeader}; }
};

}  // namespace hoptrace::sdk
