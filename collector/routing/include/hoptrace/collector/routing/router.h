#pragma once
// The trace-ID router (issue #4, "Scale-out"): all spans of a trace must meet in one tail sampler, so
// a router splits each incoming OTLP request by the node that owns each span's trace on a
// consistent-hash ring and forwards every part over OTLP/gRPC (gzip, one channel per node), in wire
// form. Delivery:
// - Route answers Ok only once every node acknowledged its part: an acknowledged span is durable
//   downstream. A failed node (UNAVAILABLE, DEADLINE_EXCEEDED, connection refused, any error but
//   RESOURCE_EXHAUSTED and INVALID_ARGUMENT) is retried with a doubling backoff, then marked
//   unhealthy and its part re-routed to the trace's next node on the ring; new requests skip it
//   while it is unhealthy. A probe thread sends unhealthy nodes an empty Export and lets them rejoin.
// - A node answering RESOURCE_EXHAUSTED is retried but not re-routed (that would split traces under
//   load); still refused at the end, Route answers kResourceExhausted.
// - Nothing deliverable in `delivery_timeout`: kUnavailable (the receivers add a retry hint), never
//   Ok. Parts already acknowledged stay delivered: the sender's retry makes them duplicates, which
//   the sampler and store tolerate (OTLP is at-least-once).
// - Requests whose bytes would take the router past `max_inflight_bytes`: kResourceExhausted.
// Membership (SetNodes) rebuilds the ring and swaps it in atomically; Route reads the current
// snapshot without locking. Metrics: hoptrace_router_* in the registry (see README.md).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "hoptrace/collector/routing/hash_ring.h"
#include "hoptrace/collector/span_sink.h"
#include "hoptrace/metrics/registry.h"
#include "hoptrace/otlp/wire.h"
#include "hoptrace/store/store.h"

namespace hoptrace::collector::routing {

struct RouterOptions {
  std::size_t virtual_nodes = HashRing::kDefaultVirtualNodes;
  // A hung node's attempts (3 × 2 s) and the re-route of its spans fit in the delivery timeout, and
  // that within the OpenTelemetry SDKs' default 10 s export timeout, so the sender hears the answer.
  std::chrono::milliseconds attempt_timeout{2'000};   // one Export call to one node
  std::chrono::milliseconds delivery_timeout{9'000};  // a whole request: retries and re-routes included
  int attempts_per_node = 3;                           // then the node is marked unhealthy
  std::chrono::milliseconds retry_backoff{50};         // before the 2nd attempt; doubles, up to the max
  std::chrono::milliseconds max_retry_backoff{1'000};
  std::chrono::milliseconds probe_interval{1'000};  // how often unhealthy nodes are probed
  std::size_t max_inflight_bytes = 64 << 20;        // request bytes being routed at once
  bool gzip = true;                                 // compress what is sent to the nodes
};

class Node;
struct RouterMetrics;

// A SpanSink: the receivers (OTLP gRPC/HTTP, Zipkin) feed it as they feed a store.
class Router final : public SpanSink {
 public:
  explicit Router(metrics::Registry& registry, RouterOptions options = {});
  ~Router() override;  // stops probing; call only once no Route runs
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Replaces the membership: "host:port" (IPv6 hosts in brackets) of every node. Nodes kept keep
  // their channel and health. Thread-safe; requests in flight finish on the ring they started with.
  void SetNodes(std::vector<std::string> addresses);

  // Forwards the spans of `scan` (a Scan of `request`; views valid during the call). With
  // `request_is_exact` (request holds exactly scan's spans) a request whose spans all go to one node
  // is forwarded as it is. Thread-safe. Codes: see the file comment.
  store::Status Route(std::string_view request, const otlp::wire::ScannedRequest& scan,
                      bool request_is_exact = false);

  store::Status Consume(const OtlpSpans& spans) override {
    return Route(spans.request, spans.scan, spans.request_is_exact);
  }

  std::vector<std::string> nodes() const;  // the current ring's nodes, sorted
  bool IsHealthy(std::string_view node) const;  // false for a node not in the ring

 private:
  struct Snapshot;
  class Delivery;
  std::shared_ptr<const Snapshot> snapshot() const { return snapshot_.load(std::memory_order_acquire); }
  bool Admit(std::size_t bytes);
  void Release(std::size_t bytes);
  void ProbeLoop();
  void ProbeUnhealthyNodes();

  const RouterOptions options_;
  metrics::Registry& registry_;
  std::unique_ptr<RouterMetrics> metrics_;
  std::atomic<std::shared_ptr<const Snapshot>> snapshot_;
  std::atomic<std::size_t> inflight_bytes_{0};

  std::mutex membership_mutex_;  // serializes SetNodes
  std::map<std::string, std::shared_ptr<Node>, std::less<>> nodes_by_address_;

  std::mutex probe_mutex_;
  std::condition_variable probe_wake_;
  bool stopping_ = false;
  std::thread prober_;
};

}  // namespace hoptrace::collector::routing
