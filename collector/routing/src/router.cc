#include "hoptrace/collector/routing/router.h"

#include <algorithm>
#include <numeric>

#include "hoptrace/collector/routing/request_splitter.h"
#include "node.h"

namespace hoptrace::collector::routing {

using Clock = std::chrono::steady_clock;
using store::Status;

struct RouterMetrics {
  explicit RouterMetrics(metrics::Registry& registry)
      : ring_nodes(registry.GetGauge("hoptrace_router_ring_nodes", "Nodes on the routing ring")),
        membership_changes(registry.GetCounter("hoptrace_router_membership_changes_total",
                                               "Times the ring was rebuilt with other nodes")),
        inflight_bytes(registry.GetGauge("hoptrace_router_inflight_bytes", "Request bytes being routed")),
        refused_over_inflight(registry.GetCounter("hoptrace_router_requests_refused_total",
                                                  "Requests refused (not acknowledged), by reason",
                                                  {{"reason", "inflight_bytes"}})),
        refused_undeliverable(registry.GetCounter("hoptrace_router_requests_refused_total",
                                                  "Requests refused (not acknowledged), by reason",
                                                  {{"reason", "undeliverable"}})),
        refused_overloaded(registry.GetCounter("hoptrace_router_requests_refused_total",
                                               "Requests refused (not acknowledged), by reason",
                                               {{"reason", "node_overloaded"}})),
        refused_invalid(registry.GetCounter("hoptrace_router_requests_refused_total",
                                            "Requests refused (not acknowledged), by reason",
                                            {{"reason", "invalid"}})) {}
  metrics::Gauge& ring_nodes;
  metrics::Counter& membership_changes;
  metrics::Gauge& inflight_bytes;
  metrics::Counter& refused_over_inflight;
  metrics::Counter& refused_undeliverable;
  metrics::Counter& refused_overloaded;
  metrics::Counter& refused_invalid;
};

struct Router::Snapshot {
  HashRing ring;
  std::vector<std::shared_ptr<Node>> nodes;  // in ring.nodes() order
};

namespace {

enum class Outcome { kDelivered, kNodeDown, kNodeOverloaded, kRefused };

Outcome OutcomeOf(const grpc::Status& status) {
  switch (status.error_code()) {
    case grpc::StatusCode::OK:
      return Outcome::kDelivered;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return Outcome::kNodeOverloaded;
    case grpc::StatusCode::INVALID_ARGUMENT:
      return Outcome::kRefused;
    default:
      return Outcome::kNodeDown;  // UNAVAILABLE, DEADLINE_EXCEEDED, refused connections, misconfigured nodes
  }
}

// Scratch buffers of the thread running a delivery: a warm thread routes without allocating per span.
struct Scratch {
  RequestSplitter splitter;
  std::vector<std::uint32_t> pending;  // spans not yet acknowledged
  std::vector<std::uint32_t> next_pending;
  std::vector<char> usable;
  std::vector<int> failures;  // per node, this request
};

}  // namespace

// One request's delivery: rounds of split → send every part at once → collect. Spans of failed parts
// go back to `pending`; a node that failed attempts_per_node times is no longer used for this request
// (and marked unhealthy), so its spans go to their next node on the ring.
class Router::Delivery {
 public:
  Delivery(const Router& router, const Snapshot& snapshot, std::string_view request,
           const otlp::wire::ScannedRequest& scan, bool request_is_exact)
      : router_(router),
        options_(router.options_),
        snapshot_(snapshot),
        request_(request),
        scan_(scan),
        request_is_exact_(request_is_exact),
        deadline_(Clock::now() + options_.delivery_timeout) {}

  Status Run() {
    thread_local Scratch scratch;
    scratch_ = &scratch;
    const std::size_t node_count = snapshot_.nodes.size();
    scratch.failures.assign(node_count, 0);
    scratch.pending.resize(scan_.spans.size());
    std::iota(scratch.pending.begin(), scratch.pending.end(), 0u);
    std::chrono::milliseconds backoff = options_.retry_backoff;
    bool first_round = true;
    while (!scratch.pending.empty()) {
      if (!first_round && retry_wait_) {  // a re-route alone goes out at once
        if (Clock::now() + backoff >= deadline_) return Undeliverable("no node took every span in time");
        std::this_thread::sleep_for(backoff);
        backoff = std::min(backoff * 2, options_.max_retry_backoff);
      }
      if (Clock::now() >= deadline_) return Undeliverable("no node took every span in time");
      if (!Split()) return Undeliverable("no node can take the spans");
      if (Status status = SendRound(first_round); !status.ok()) return status;
      first_round = false;
    }
    return Status::Ok();
  }

 private:
  Status Undeliverable(std::string_view why) const {
    router_.metrics_->refused_undeliverable.Increment();
    return Status::Error(Status::Code::kUnavailable, "router: " + std::string(why));
  }

  // Healthy nodes not given up on; when every node is unhealthy, those not given up on (the probes
  // may lag behind a recovery).
  bool Split() {
    Scratch& s = *scratch_;
    const std::size_t node_count = snapshot_.nodes.size();
    const auto mark_usable = [&](bool healthy_only) {
      s.usable.assign(node_count, 0);
      for (std::size_t n = 0; n < node_count; ++n) {
        s.usable[n] = s.failures[n] < options_.attempts_per_node && (!healthy_only || snapshot_.nodes[n]->healthy());
      }
    };
    mark_usable(true);
    if (s.splitter.Assign(scan_, s.pending, snapshot_.ring, s.usable)) return true;
    mark_usable(false);
    return s.splitter.Assign(scan_, s.pending, snapshot_.ring, s.usable);
  }

  Status SendRound(bool first_round) {
    Scratch& s = *scratch_;
    const auto& destinations = s.splitter.destinations();
    // The request as received needs no rewrite when it all goes to one node.
    const bool forward_as_is =
        first_round && request_is_exact_ && destinations.size() == 1 && s.pending.size() == scan_.spans.size();
    if (!forward_as_is) s.splitter.Write(scan_);
    ExportCalls calls;
    const Clock::time_point attempt_deadline = std::min(deadline_, Clock::now() + options_.attempt_timeout);
    for (const std::uint32_t node : destinations) {
      calls.Start(*snapshot_.nodes[node], forward_as_is ? request_ : s.splitter.request_of(node), attempt_deadline);
    }
    calls.WaitAll();

    s.next_pending.clear();
    retry_wait_ = false;
    for (std::size_t i = 0; i < destinations.size(); ++i) {
      const std::uint32_t index = destinations[i];
      Node& node = *snapshot_.nodes[index];
      const auto& spans = s.splitter.spans_of(index);
      const grpc::Status& answer = calls.calls()[i].status;
      const Outcome outcome = OutcomeOf(answer);
      if (outcome == Outcome::kDelivered) {
        node.spans_forwarded.Increment(spans.size());
        node.requests_forwarded.Increment();
        continue;
      }
      if (outcome == Outcome::kRefused) {
        router_.metrics_->refused_invalid.Increment();
        return Status::Error(Status::Code::kInvalidArgument,
                             "router: " + node.address() + " refused the spans: " + answer.error_message());
      }
      s.next_pending.insert(s.next_pending.end(), spans.begin(), spans.end());
      if (++s.failures[index] < options_.attempts_per_node) {
        node.retries.Increment();
        retry_wait_ = true;
      } else if (outcome == Outcome::kNodeOverloaded) {
        router_.metrics_->refused_overloaded.Increment();
        return Status::Error(Status::Code::kResourceExhausted, "router: " + node.address() + " is overloaded");
      } else {
        node.MarkUnhealthy();  // its spans go to their next node on the ring in the next round
        node.spans_rerouted.Increment(spans.size());
      }
    }
    s.pending.swap(s.next_pending);
    return Status::Ok();
  }

  const Router& router_;
  const RouterOptions& options_;
  const Snapshot& snapshot_;
  const std::string_view request_;
  const otlp::wire::ScannedRequest& scan_;
  const bool request_is_exact_;
  const Clock::time_point deadline_;
  Scratch* scratch_ = nullptr;
  bool retry_wait_ = false;  // the last round failed on a node that gets another attempt
};

Router::Router(metrics::Registry& registry, RouterOptions options)
    : options_(std::move(options)),
      registry_(registry),
      metrics_(std::make_unique<RouterMetrics>(registry)),
      snapshot_(std::make_shared<const Snapshot>()) {
  prober_ = std::thread([this] { ProbeLoop(); });
}

Router::~Router() {
  {
    std::lock_guard lock(probe_mutex_);
    stopping_ = true;
  }
  probe_wake_.notify_all();
  prober_.join();
}

void Router::SetNodes(std::vector<std::string> addresses) {
  std::lock_guard lock(membership_mutex_);
  auto next = std::make_shared<Snapshot>();
  next->ring = HashRing(std::move(addresses), options_.virtual_nodes);
  if (next->ring.nodes() == snapshot()->ring.nodes()) return;
  std::map<std::string, std::shared_ptr<Node>, std::less<>> kept;
  for (const std::string& address : next->ring.nodes()) {
    auto existing = nodes_by_address_.find(address);
    auto node = existing != nodes_by_address_.end() ? existing->second
                                                     : std::make_shared<Node>(address, registry_, options_.gzip);
    next->nodes.push_back(node);
    kept.emplace(address, std::move(node));
  }
  nodes_by_address_ = std::move(kept);
  metrics_->ring_nodes.Set(static_cast<double>(next->nodes.size()));
  metrics_->membership_changes.Increment();
  snapshot_.store(std::move(next), std::memory_order_release);
}

std::vector<std::string> Router::nodes() const { return snapshot()->ring.nodes(); }

bool Router::IsHealthy(std::string_view node) const {
  const auto current = snapshot();
  const auto& names = current->ring.nodes();
  const auto it = std::lower_bound(names.begin(), names.end(), node);
  return it != names.end() && *it == node && current->nodes[static_cast<std::size_t>(it - names.begin())]->healthy();
}

bool Router::Admit(std::size_t bytes) {
  const std::size_t before = inflight_bytes_.fetch_add(bytes, std::memory_order_relaxed);
  // A request larger than the bound alone still passes when nothing else is in flight.
  if (before > 0 && before + bytes > options_.max_inflight_bytes) {
    inflight_bytes_.fetch_sub(bytes, std::memory_order_relaxed);
    return false;
  }
  metrics_->inflight_bytes.Add(static_cast<double>(bytes));
  return true;
}

void Router::Release(std::size_t bytes) {
  inflight_bytes_.fetch_sub(bytes, std::memory_order_relaxed);
  metrics_->inflight_bytes.Add(-static_cast<double>(bytes));
}

Status Router::Route(std::string_view request, const otlp::wire::ScannedRequest& scan, bool request_is_exact) {
  if (scan.spans.empty()) return Status::Ok();
  if (!Admit(request.size())) {
    metrics_->refused_over_inflight.Increment();
    return Status::Error(Status::Code::kResourceExhausted, "router: over its limit of bytes in flight");
  }
  const auto current = snapshot();  // this request's ring, whatever membership does meanwhile
  Status status = current->ring.empty()
                      ? Status::Error(Status::Code::kUnavailable, "router: no destination node")
                      : Delivery(*this, *current, request, scan, request_is_exact).Run();
  Release(request.size());
  return status;
}

void Router::ProbeLoop() {
  std::unique_lock lock(probe_mutex_);
  while (!probe_wake_.wait_for(lock, options_.probe_interval, [this] { return stopping_; })) {
    lock.unlock();
    ProbeUnhealthyNodes();
    lock.lock();
  }
}

constexpr std::string_view kEmptyRequest = "";  // a valid ExportTraceServiceRequest with no spans

// An empty Export is a real round trip through the node's receiver; Ok brings the node back.
void Router::ProbeUnhealthyNodes() {
  const auto current = snapshot();
  ExportCalls probes;
  const auto deadline = Clock::now() + std::min(options_.attempt_timeout, options_.probe_interval);
  for (const auto& node : current->nodes) {
    if (!node->healthy()) probes.Start(*node, kEmptyRequest, deadline);
  }
  probes.WaitAll();
  for (auto& probe : probes.calls()) {
    if (probe.status.ok()) probe.node->MarkHealthy();
  }
}

}  // namespace hoptrace::collector::routing
