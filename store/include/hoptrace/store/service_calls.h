#pragma once
// What the service graph counts as a call: a span whose parent span (in the same trace) belongs to
// another service, counted when the span starts inside the range. Store::Dependencies and
// Store::ServiceGraphEdges count the same calls, whichever form the spans are held in.

#include <cstdint>
#include <functional>
#include <string_view>
#include <unordered_map>

#include "hoptrace/model/span.h"
#include "hoptrace/store/store.h"

namespace hoptrace::store {

// What the rule reads of a span, whatever holds it.
struct CallFields {
  model::SpanId span_id;
  model::SpanId parent_span_id;
  std::uint64_t start_unix_nano = 0;
  std::string_view service;
};

// The rule, over any span form. `for_each_span(f)` calls f(const CallFields&, const Span&) once per
// span ID of one trace (and may be called twice); visit(parent service, child service, const Span&
// call) runs once per call that starts inside `range`, in no particular order.
template <typename ForEachSpan, typename Visit>
void ForEachCallAmong(const ForEachSpan& for_each_span, const TimeRange& range, const Visit& visit) {
  std::unordered_map<model::SpanId, std::string_view, model::IdHash> service_of;
  for_each_span([&](const CallFields& span, const auto&) { service_of.emplace(span.span_id, span.service); });
  for_each_span([&](const CallFields& span, const auto& call) {
    if (!span.parent_span_id.IsValid() || !range.Contains(span.start_unix_nano)) return;
    const auto parent = service_of.find(span.parent_span_id);
    if (parent != service_of.end() && parent->second != span.service) visit(parent->second, span.service, call);
  });
}

using CallVisitor =
    std::function<void(std::string_view parent, std::string_view child, const model::Span& call)>;

// Every call among `trace`'s spans that starts inside `range`, in no particular order.
void ForEachCall(const model::TraceBatch& trace, const TimeRange& range, const CallVisitor& visit);

}  // namespace hoptrace::store
