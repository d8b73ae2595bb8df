#pragma once
// Writing attributes, events' attributes and links under OpenTelemetry span limits: what does not
// fit is counted in the matching dropped_*_count, never silently lost.

#include "hoptrace/model/span.h"
#include "hoptrace/sdk/span.h"
#include "hoptrace/sdk/tracer_provider.h"

namespace hoptrace::sdk::internal {

inline void SetLimitedAttribute(model::Attributes& attributes, std::uint32_t& dropped, std::string_view key,
                                const model::AttributeValueView& value, std::size_t max_count,
                                const SpanLimits& limits) {
  model::AttributeValue* stored = model::SetAttribute(attributes, key, value, max_count);
  if (stored == nullptr) {
    ++dropped;
  } else if (limits.attribute_value_length != SIZE_MAX) {
    model::TruncateAttributeValue(*stored, limits.attribute_value_length);
  }
}

// The `tracestate` header text of `state` into `out`, keeping out's buffer when there is none.
inline void AssignTraceState(std::string& out, const TraceState& state) {
  if (state.empty()) {
    out.clear();
  } else {
    out = state.ToHeader();
  }
}

// Replaces `attributes` with `values`.
inline void AssignLimitedAttributes(model::Attributes& attributes, std::uint32_t& dropped, KeyValues values,
                                    std::size_t max_count, const SpanLimits& limits) {
  attributes.clear();
  dropped = 0;
  for (const auto& [key, value] : values) SetLimitedAttribute(attributes, dropped, key, value, max_count, limits);
}

inline void AddLimitedLink(model::Span& span, const SpanContext& linked, KeyValues attributes,
                           const SpanLimits& limits) {
  if (span.links.size() >= limits.link_count) {
    ++span.dropped_links_count;
    return;
  }
  model::Link& link = span.links.emplace_slot();
  link.trace_id = linked.trace_id();
  link.span_id = linked.span_id();
  AssignTraceState(link.trace_state, linked.trace_state());
  link.flags = linked.trace_flags() | model::kSpanFlagHasIsRemote | (linked.IsRemote() ? model::kSpanFlagIsRemote : 0);
  AssignLimitedAttributes(link.attributes, link.dropped_attributes_count, attributes, limits.attributes_per_link,
                          limits);
}

}  // namespace hoptrace::sdk::internal
