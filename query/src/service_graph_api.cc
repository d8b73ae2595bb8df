#include "hoptrace/query/service_graph_api.h"

#include <algorithm>
#include <cmath>
#include <map>
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

// Appends the duration of every call (a span whose parent is in another service) of `trace` that
// starts inside `range` to its edge's samples: the same spans Store::Dependencies counts.
void CollectCallDurations(const model::TraceBatch& trace, const store::TimeRange& range,
                          std::map<EdgeKey, std::vector<std::uint64_t>>* durations) {
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
        std::vector<std::uint64_t>& samples = (*durations)[{std::string(parent->second), std::string(service)}];
        if (samples.size() < kMaxLatencySamplesPerEdge) {
          samples.push_back(span.end_time_unix_nano - std::min(span.start_time_unix_nano, span.end_time_unix_nano));
        }
      }
    }
  }
}

// Nearest-rank percentile of sorted, non-empty `values`.
std::uint64_t Percentile(const std::vector<std::uint64_t>& sorted, double fraction) {
  const auto rank = static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

void WriteOptionalMs(JsonWriter& json, std::string_view key, const std::optional<std::uint64_t>& nanos) {
  json.Key(key);
  if (nanos) {
    json.Double(static_cast<double>(*nanos) / kNanosPerMs);
  } else {
    json.Null();
  }
}

}  // namespace

ServiceGraph BuildServiceGraph(store::Store& store, const store::TimeRange& range, std::size_t sample_limit) {
  ServiceGraph graph;
  graph.services = store.Services(range);
  graph.sample_limit = sample_limit;

  std::map<EdgeKey, std::vector<std::uint64_t>> durations;
  for (const store::TraceSummary& summary : store.Search({.range = range, .limit = sample_limit})) {
    if (auto trace = store.GetTrace(summary.trace_id, range)) {
      CollectCallDurations(*trace, range, &durations);
      ++graph.sampled_traces;
    }
  }

  for (store::DependencyLink& link : store.Dependencies(range)) {
    ServiceGraphEdge edge{.link = std::move(link)};
    if (auto found = durations.find({edge.link.parent, edge.link.child}); found != durations.end()) {
      std::vector<std::uint64_t>& samples = found->second;
      std::sort(samples.begin(), samples.end());
      edge.latency_samples = samples.size();
      edge.p50_nanos = Percentile(samples, 0.50);
      edge.p99_nanos = Percentile(samples, 0.99);
    }
    graph.edges.push_back(std::move(edge));
  }
  std::sort(graph.edges.begin(), graph.edges.end(), [](const ServiceGraphEdge& a, const ServiceGraphEdge& b) {
    return std::tie(a.link.parent, a.link.child) < std::tie(b.link.parent, b.link.child);
  });
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
        .Member("errorRate", link.call_count ? static_cast<double>(link.error_count) / static_cast<double>(link.call_count) : 0.0)
        .Member("latencySamples", edge.latency_samples);
    WriteOptionalMs(json, "p50Ms", edge.p50_nanos);
    WriteOptionalMs(json, "p99Ms", edge.p99_nanos);
    json.EndObject();
  }
  json.EndArray()
      .Member("sampledTraces", graph.sampled_traces)
      .Member("sampleLimit", graph.sample_limit)
      .EndObject();
  return json.Take();
}

http::Response ServiceGraphResponse(store::Store& store, const http::Request& request) {
  NativeSearchError error;
  const auto params = http::QueryParams::Parse(request.query, &error.message);
  NativeSearchParams parsed;
  if (params && FindParam(params->items(), "q").has_value()) {
    error.message = "parameter 'q' is not supported here: the graph covers every trace of the range";
  } else if (params && ParseNativeSearchParams(params->items(), &parsed, &error)) {
    const bool limit_given = FindParam(params->items(), "limit").value_or("") != "";
    const std::size_t sample_limit = limit_given ? parsed.request.limit : kDefaultServiceGraphSample;
    return http::Response::Json(200, ServiceGraphJson(BuildServiceGraph(store, parsed.request.range, sample_limit)));
  }
  return http::Response::Json(400, NativeErrorJson(error));
}

}  // namespace hoptrace::query
