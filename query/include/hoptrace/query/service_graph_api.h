#pragma once
// /api/v2/dependencies?start=&end= : the service graph for the UI — per parent → child service edge
// the calls, errors and call latency (p50, p99) over every trace of the range, aggregated by the store
// (Store::ServiceGraphEdges, in SQL on ClickHouse) with the latencies in a bounded sketch
// (model::LatencySketch, within 1 %), so memory depends on the number of edges, not of traces.
// start/end are Unix seconds as in /api/search; an absent bound is open.
//
// A call is what Store::Dependencies counts: a span whose parent span belongs to another service,
// counted when it starts inside the range; its outcome is its status and its latency its duration
// (the callee's view).
//
// {"services":[...],"edges":[{"parent","child","callCount","errorCount","errorRate","p50Ms","p99Ms"}],
//  "traces":N}   with N the traces of the range that were read.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "hoptrace/http/message.h"
#include "hoptrace/store/store.h"

namespace hoptrace::query {

struct ServiceGraph {
  std::vector<std::string> services;  // sorted; services without calls too
  std::vector<store::ServiceGraphEdge> edges;  // sorted by parent, then child
  std::size_t traces = 0;
};

// Throws store::StoreError when the store cannot be read (the API answers 503 or 500).
ServiceGraph BuildServiceGraph(store::Store& store, const store::TimeRange& range);

std::string ServiceGraphJson(const ServiceGraph& graph);

// The endpoint: start and end parsed as /api/search's; `q` and `limit` are refused (the graph covers
// every trace of the range), 400 in the native error shape, as is a malformed parameter.
http::Response ServiceGraphResponse(store::Store& store, const http::Request& request);

}  // namespace hoptrace::query
