#include "hoptrace/query/service_graph_api.h"

#include <algorithm>
#include <map>
#include <optional>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include "hoptrace/http/url.h"
#include "hoptrace/model/trace_tree.h"
#include "hoptrace/query/native_api.h"
#include "json_writer.h"

namespace hoptrace::query {
namespace {

using internal::JsonWriter;
using EdgeKey = std::pair<std::string, std::string>;  // parent service, child service

constexpr double kNanosPerMs = 1e6;

// Adds every call (a span whose parent is in another service) of `trace` that starts inside `range`
// to its edge: the same spans Store::Dependencies counts.
void AddCalls(const model::TraceBatch& trace, const store::TimeRange& range, std::map<EdgeKey, ServiceGraphEdge>* edges) {
  std::unordered_map<model::SpanId, std::string_view, model::IdHash> service_of;
  for (const model::ResourceSpans& resource_spans : trace.resource_spans) {
    const std::string_view service = model::ServiceName(resource_spans.resource);
    for (const model::ScopeSpans& scope_spans : resource_spans.scope_spans) {
      for (const model::Span& span : scope_spans.spans) service_of.emplace(span.span_id, service);
    }
  }
  for (const model::ResourceSpans& resource_spans : trace.resource_spans) {
    const std::string_view service = model::ServiceName(resource_spans.resource);
    for (const model::ScopeSpans& scope_spans : resource_spans.scope_spans) {
      for (const model::Span& span : scope_spans.spans) {
        if (span.IsRoot() || !range.Contains(span.start_time_unix_nano)) continue;
        const auto parent = service_of.find(span.parent_span_id);
        if (parent == service_of.end() || parent->second == service) continue;
        ServiceGraphEdge& edge = (*edges)[{std::string(parent->second), std::string(service)}];
        ++edge.link.call_count;
        if (span.status.code == model::StatusCode::kError) ++edge.link.error_count;
        edge.latency.Add(span.end_time_unix_nano - std::min(span.start_time_unix_nano, span.end_time_unix_nano));
      }
    }
  }
}

void WriteQuantileMs(JsonWriter& json, std::string_view key, const LatencySketch& latency, double fraction) {
  json.Key(key);
  if (const std::optional<std::uint64_t> nanos = latency.Quantile(fraction)) {
    json.Double(static_cast<double>(*nanos) / kNanosPerMs);
  } else {
    json.Null();
  }
}

}  // namespace

ServiceGraph BuildServiceGraph(store::Store& store, const store::TimeRange& range) {
  ServiceGraph graph;
  graph.services = store.Services(range);
  std::map<EdgeKey, ServiceGraphEdge> edges;
  const store::Status status = store.ForEachTrace({.range = range}, [&](const model::TraceBatch& trace) {
    AddCalls(trace, range, &edges);
    ++graph.traces;
    return true;
  });
  // The API's instrumentation answers 500 and counts it in hoptrace_query_failed_total.
  if (!status.ok()) throw std::runtime_error("scanning the store: " + status.message());
  for (auto& [key, edge] : edges) {  // the map's order: by parent, then child
    edge.link.parent = key.first;
    edge.link.child = key.second;
    graph.edges.push_back(std::move(edge));
  }
  return graph;
}

std::string ServiceGraphJson(const ServiceGraph& graph) {
  JsonWriter json;
  json.BeginObject().Key("services").BeginArray();
  for (const std::string& service : graph.services) json.String(service);
  json.EndArray().Key("edges").BeginArray();
  for (const ServiceGraphEdge& edge : graph.edges) {
    const store::DependencyLink& link = edge.link;
    json.BeginObject()
        .Member("parent", link.parent)
        .Member("child", link.child)
        .Member("callCount", link.call_count)
        .Member("errorCount", link.error_count)
        .Member("errorRate", link.call_count ? static_cast<double>(link.error_count) / static_cast<double>(link.call_count) : 0.0);
    WriteQuantileMs(json, "p50Ms", edge.latency, 0.50);
    WriteQuantileMs(json, "p99Ms", edge.latency, 0.99);
    json.EndObject();
  }
  json.EndArray().Member("traces", graph.traces).EndObject();
  return json.Take();
}

http::Response ServiceGraphResponse(store::Store& store, const http::Request& request) {
  NativeSearchError error;
  const auto params = http::QueryParams::Parse(request.query, &error.message);
  NativeSearchParams parsed;
  if (params) {
    for (const std::string_view refused : {"q", "limit"}) {
      if (FindParam(params->items(), refused).has_value()) {
        error.message = "parameter '" + std::string(refused) + "' is not supported here: the graph covers every trace of the range";
        return http::Response::Json(400, NativeErrorJson(error));
      }
    }
    if (ParseNativeSearchParams(params->items(), &parsed, &error)) {
      return http::Response::Json(200, ServiceGraphJson(BuildServiceGraph(store, parsed.request.range)));
    }
  }
  return http::Response::Json(400, NativeErrorJson(error));
}

}  // namespace hoptrace::query
