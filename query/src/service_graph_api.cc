#include "hoptrace/query/service_graph_api.h"

#include <optional>
#include <utility>

#include "hoptrace/http/url.h"
#include "hoptrace/query/native_api.h"
#include "hoptrace/store/store_error.h"
#include "json_writer.h"

namespace hoptrace::query {
namespace {

using internal::JsonWriter;

constexpr double kNanosPerMs = 1e6;

void WriteQuantileMs(JsonWriter& json, std::string_view key, const model::LatencySketch& latency, double fraction) {
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
  store::ServiceEdges edges;
  const store::Status status = store.ServiceGraphEdges(range, &edges);
  // The API's instrumentation answers 503 (the backend is down) or 500 and counts it in
  // hoptrace_query_failed_total.
  if (!status.ok()) throw store::StoreError(status);
  graph.edges = std::move(edges.edges);
  graph.traces = edges.traces;
  return graph;
}

std::string ServiceGraphJson(const ServiceGraph& graph) {
  JsonWriter json;
  json.BeginObject().Key("services").BeginArray();
  for (const std::string& service : graph.services) json.String(service);
  json.EndArray().Key("edges").BeginArray();
  for (const store::ServiceGraphEdge& edge : graph.edges) {
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
