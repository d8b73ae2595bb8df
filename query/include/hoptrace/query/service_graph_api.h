#pragma once
// /api/v2/dependencies?start=&end=&limit= : the service graph for the UI — per parent → child service
// edge the calls and errors (exact, from Store::Dependencies) and the latency of the calls (p50, p99),
// which the Store interface does not keep, so it is measured on a sample: the `limit` most recent
// traces of the range (default 200, at most 10000), loaded one at a time. start/end are Unix seconds
// as in /api/search; an absent bound is open.
//
// A call is what Store::Dependencies counts: a span whose parent span belongs to another service; its
// latency is that span's duration (the callee's view).
//
// {"services":[...],"edges":[{"parent","child","callCount","errorCount","errorRate",
//   "latencySamples","p50Ms","p99Ms"}],"sampledTraces":N,"sampleLimit":M}
// p50Ms/p99Ms are null for an edge none of the sampled traces holds.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hoptrace/http/message.h"
#include "hoptrace/store/store.h"

namespace hoptrace::query {

struct ServiceGraphEdge {
  store::DependencyLink link;
  std::uint64_t latency_samples = 0;
  std::optional<std::uint64_t> p50_nanos;
  std::optional<std::uint64_t> p99_nanos;
};

struct ServiceGraph {
  std::vector<std::string> services;  // sorted; services without calls too
  std::vector<ServiceGraphEdge> edges;  // sorted by parent, then child
  std::size_t sampled_traces = 0;
  std::size_t sample_limit = 0;
};

inline constexpr std::size_t kDefaultServiceGraphSample = 200;
// Each edge keeps at most this many durations, so a sample of huge traces stays bounded in memory.
inline constexpr std::size_t kMaxLatencySamplesPerEdge = 100'000;

ServiceGraph BuildServiceGraph(store::Store& store, const store::TimeRange& range, std::size_t sample_limit);

std::string ServiceGraphJson(const ServiceGraph& graph);

// The endpoint: parameters parsed as /api/search's (start, end, limit; `q` is refused), 400 in the
// native error shape on a malformed one.
http::Response ServiceGraphResponse(store::Store& store, const http::Request& request);

}  // namespace hoptrace::query
