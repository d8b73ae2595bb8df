// The calls of a trace (service_calls.h), and Store::ServiceGraphEdges's default: every trace of the
// range through ForEachTrace, each call added to its edge as it is read, so memory depends on the
// number of edges, not of traces.

#include "hoptrace/store/service_calls.h"

#include <algorithm>
#include <map>
#include <utility>

#include "hoptrace/model/trace_tree.h"

namespace hoptrace::store {
namespace {

using EdgeKey = std::pair<std::string, std::string>;  // parent service, child service

void AddCall(std::string_view parent, std::string_view child, const model::Span& call,
             std::map<EdgeKey, ServiceGraphEdge>* edges) {
  ServiceGraphEdge& edge = (*edges)[{std::string(parent), std::string(child)}];
  ++edge.link.call_count;
  if (call.status.code == model::StatusCode::kError) ++edge.link.error_count;
  edge.latency.Add(call.end_time_unix_nano - std::min(call.start_time_unix_nano, call.end_time_unix_nano));
}

}  // namespace

void ForEachCall(const model::TraceBatch& trace, const TimeRange& range, const CallVisitor& visit) {
  const auto for_each_span = [&](const auto& take) {
    for (const model::ResourceSpans& resource_spans : trace.resource_spans) {
      const std::string_view service = model::ServiceName(resource_spans.resource);
      for (const model::ScopeSpans& scope_spans : resource_spans.scope_spans) {
        for (const model::Span& span : scope_spans.spans) {
          take(CallFields{span.span_id, span.parent_span_id, span.start_time_unix_nano, service}, span);
        }
      }
    }
  };
  ForEachCallAmong(for_each_span, range, visit);
}

Status Store::ServiceGraphEdges(const TimeRange& range, ServiceEdges* out) {
  std::map<EdgeKey, ServiceGraphEdge> edges;
  const Status status = ForEachTrace({.range = range}, [&](const model::TraceBatch& trace) {
    ForEachCall(trace, range, [&](std::string_view parent, std::string_view child, const model::Span& call) {
      AddCall(parent, child, call, &edges);
    });
    ++out->traces;
    return true;
  });
  for (auto& [key, edge] : edges) {  // the map's order: by parent, then child
    edge.link.parent = key.first;
    edge.link.child = key.second;
    out->edges.push_back(std::move(edge));
  }
  return status;
}

}  // namespace hoptrace::store
