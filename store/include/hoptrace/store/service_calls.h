#pragma once
// What the service graph counts as a call: a span whose parent span (in the same trace) belongs to
// another service, counted when the span starts inside the range. Store::Dependencies and
// Store::ServiceGraphEdges count the same calls.

#include <functional>
#include <string_view>

#include "hoptrace/model/span.h"
#include "hoptrace/store/store.h"

namespace hoptrace::store {

using CallVisitor =
    std::function<void(std::string_view parent, std::string_view child, const model::Span& call)>;

// Every call among `trace`'s spans that starts inside `range`, in no particular order.
void ForEachCall(const model::TraceBatch& trace, const TimeRange& range, const CallVisitor& visit);

}  // namespace hoptrace::store
