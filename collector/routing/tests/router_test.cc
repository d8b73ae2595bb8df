#include "hoptrace/collector/routing/router.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "held_port.h"
#include "routing_nodes.h"

namespace hoptrace::collector::routing {
namespace {

using store::Status;
using testing::Requests;
using testing::TestNode;
using testing::WireRequest;
using namespace std::chrono_literals;

// Quick retries, probes and give-ups, so failures play out in well under a second.
RouterOptions FastOptions() {
  RouterOptions options;
  options.attempt_timeout = 2s;
  options.delivery_timeout = 5s;
  options.retry_backoff = 10ms;
  options.max_retry_backoff = 40ms;
  options.probe_interval = 50ms;
  return options;
}

class RouterTest : public ::testing::Test {
 protected:
  void StartNodes(std::size_t count, RouterOptions options = FastOptions()) {
    for (std::size_t i = 0; i < count; ++i) nodes_.push_back(std::make_unique<TestNode>());
    router_ = std::make_unique<Router>(registry_, options);
    std::vector<std::string> addresses;
    for (const auto& node : nodes_) addresses.push_back(node->address());
    router_->SetNodes(addresses);
  }

  // Routes every request; all must be acknowledged.
  void RouteAll(const std::vector<std::unique_ptr<WireRequest>>& requests, bool exact = false) {
    for (const auto& request : requests) {
      const Status status = router_->Route(request->bytes, request->scan, exact);
      ASSERT_TRUE(status.ok()) << status.message();
    }
  }

  std::size_t ArrivedSpanCount() const {
    std::size_t count = 0;
    for (const auto& node : nodes_) count += node->Spans().size();
    return count;
  }

  // Every span of `sent` arrived unchanged at the node `ring` (without the nodes in `down`) gives
  // its trace: so all spans of a trace are on one node.
  void ExpectSpansOnOwners(const store::testing::GeneratedSpans& sent, const HashRing& ring,
                           const std::set<std::string>& down = {}) {
    std::map<std::string, std::map<std::string, model::Span>> arrived;  // node → span id → span
    for (const auto& node : nodes_) arrived[node->address()] = node->Spans();
    for (const auto& generated : sent.spans) {
      const model::Span& span = generated.span;
      const auto owner = ring.OwnerAmong(span.trace_id, [&](std::size_t n) { return !down.contains(ring.nodes()[n]); });
      ASSERT_TRUE(owner.has_value());
      const auto& on_owner = arrived[ring.nodes()[*owner]];
      const auto found = on_owner.find(span.span_id.ToHex());
      ASSERT_NE(found, on_owner.end()) << "span " << span.span_id.ToHex() << " of trace " << span.trace_id.ToHex()
                                       << " is not on its node " << ring.nodes()[*owner];
      EXPECT_EQ(found->second, span);
    }
  }

  // Exactly the spans sent arrived, each trace whole on its node.
  void ExpectEachTraceWholeOnItsOwner(const store::testing::GeneratedSpans& sent, const std::set<std::string>& down = {}) {
    EXPECT_EQ(ArrivedSpanCount(), sent.spans.size());
    ExpectSpansOnOwners(sent, HashRing(router_->nodes()), down);
  }

  std::uint64_t Counter(std::string_view name, const std::string& node) {
    return registry_.GetCounter(name, "", {{"node", node}}).value();
  }

  metrics::Registry registry_;
  std::vector<std::unique_ptr<TestNode>> nodes_;
  std::unique_ptr<Router> router_;
};

TEST_F(RouterTest, SplitsRequestsSoEachTraceMeetsOnOneNode) {
  StartNodes(3);
  const auto sent = store::testing::GenerateSpans(3'000);
  RouteAll(Requests(sent, 512));
  ExpectEachTraceWholeOnItsOwner(sent);
  std::uint64_t forwarded = 0;
  for (const auto& node : nodes_) {
    EXPECT_FALSE(node->TraceIds().empty()) << node->address() << " got no trace";
    forwarded += Counter("hoptrace_router_spans_forwarded_total", node->address());
    EXPECT_TRUE(router_->IsHealthy(node->address()));
  }
  EXPECT_EQ(forwarded, sent.spans.size());
  EXPECT_EQ(registry_.GetGauge("hoptrace_router_ring_nodes", "").value(), 3);
}

TEST_F(RouterTest, ARequestForOneNodeIsForwardedAsItCame) {
  StartNodes(2);
  const auto sent = store::testing::GenerateSpans(50);
  const auto one_trace = sent.spans.front().span.trace_id;
  store::testing::GeneratedSpans trace = sent;
  std::erase_if(trace.spans, [&](const auto& span) { return span.span.trace_id != one_trace; });
  RouteAll(Requests(trace, 512), /*exact=*/true);
  ExpectEachTraceWholeOnItsOwner(trace);
}

TEST_F(RouterTest, ADownNodeIsRetriedThenItsTracesGoToTheirNextNodeUntilItRejoins) {
  StartNodes(3);
  TestNode& down = *nodes_[1];
  down.Stop();
  const auto sent = store::testing::GenerateSpans(2'000);
  RouteAll(Requests(sent, 512));
  ExpectEachTraceWholeOnItsOwner(sent, {down.address()});
  EXPECT_FALSE(router_->IsHealthy(down.address()));
  EXPECT_EQ(Counter("hoptrace_router_retries_total", down.address()), FastOptions().attempts_per_node - 1u);
  EXPECT_GT(Counter("hoptrace_router_spans_rerouted_total", down.address()), 0u);
  EXPECT_EQ(Counter("hoptrace_router_spans_forwarded_total", down.address()), 0u);

  // While it is down, new requests skip it without trying it again.
  const auto more = store::testing::GenerateSpans(500, {.seed = testing::DistinctSeed(2)});
  RouteAll(Requests(more, 512));
  EXPECT_EQ(Counter("hoptrace_router_retries_total", down.address()), FastOptions().attempts_per_node - 1u);

  // Back on its port: the probe sees it and its traces come back to it.
  down.Start();
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while (!router_->IsHealthy(down.address()) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_TRUE(router_->IsHealthy(down.address()));
  const auto after = store::testing::GenerateSpans(1'000, {.seed = testing::DistinctSeed(3)});
  const auto before = Counter("hoptrace_router_spans_forwarded_total", down.address());
  RouteAll(Requests(after, 512));
  EXPECT_GT(Counter("hoptrace_router_spans_forwarded_total", down.address()), before);
}

TEST_F(RouterTest, ANodeThatFailsRequestsIsTreatedAsDown) {
  StartNodes(2);
  nodes_[0]->sink().AnswerWith(Status::Error(Status::Code::kUnavailable, "disk full"));
  const auto sent = store::testing::GenerateSpans(1'000);
  RouteAll(Requests(sent, 512));
  // The failing node acknowledged nothing, so everything is on the other one.
  EXPECT_TRUE(nodes_[0]->Spans().empty());
  EXPECT_EQ(nodes_[1]->Spans().size(), sent.spans.size());
  EXPECT_GT(Counter("hoptrace_router_spans_rerouted_total", nodes_[0]->address()), 0u);
  // (The probe's empty Export does not reach the sink, so the node may already be back on the ring:
  // a probe checks that the node answers, and a node that still fails is dropped again.)
}

TEST_F(RouterTest, AllNodesDownIsUnavailableAndNothingIsAcknowledged) {
  RouterOptions options = FastOptions();
  options.delivery_timeout = 1s;
  StartNodes(3, options);
  for (auto& node : nodes_) node->sink().AnswerWith(Status::Error(Status::Code::kUnavailable, "down"));
  nodes_[2]->Stop();
  const auto sent = store::testing::GenerateSpans(600);
  const auto requests = Requests(sent, 512);
  const auto started = std::chrono::steady_clock::now();
  const Status status = router_->Route(requests[0]->bytes, requests[0]->scan);
  EXPECT_EQ(status.code(), Status::Code::kUnavailable) << status.message();
  // Gives up at the delivery timeout; the margin is for a sanitizer build in a loaded ctest -j run.
  EXPECT_LT(std::chrono::steady_clock::now() - started, options.delivery_timeout + 5s);
  for (const auto& node : nodes_) EXPECT_TRUE(node->Spans().empty());
  EXPECT_EQ(registry_.GetCounter("hoptrace_router_requests_refused_total", "", {{"reason", "undeliverable"}}).value(), 1u);
}

TEST_F(RouterTest, NoNodesIsUnavailable) {
  metrics::Registry registry;
  Router router(registry, FastOptions());
  const auto requests = Requests(store::testing::GenerateSpans(10), 512);
  EXPECT_EQ(router.Route(requests[0]->bytes, requests[0]->scan).code(), Status::Code::kUnavailable);
}

TEST_F(RouterTest, AnOverloadedNodeIsRetriedButItsTracesAreNotMoved) {
  StartNodes(1);
  nodes_[0]->sink().AnswerWith(Status::Error(Status::Code::kResourceExhausted, "busy"));
  const auto requests = Requests(store::testing::GenerateSpans(100), 512);
  const Status status = router_->Route(requests[0]->bytes, requests[0]->scan);
  EXPECT_EQ(status.code(), Status::Code::kResourceExhausted) << status.message();
  EXPECT_TRUE(router_->IsHealthy(nodes_[0]->address()));
  EXPECT_EQ(Counter("hoptrace_router_retries_total", nodes_[0]->address()), FastOptions().attempts_per_node - 1u);
}

TEST_F(RouterTest, ANodeRefusingTheSpansIsInvalidArgument) {
  StartNodes(1);
  nodes_[0]->sink().AnswerWith(Status::Error(Status::Code::kInvalidArgument, "no"));
  const auto requests = Requests(store::testing::GenerateSpans(100), 512);
  EXPECT_EQ(router_->Route(requests[0]->bytes, requests[0]->scan).code(), Status::Code::kInvalidArgument);
}

TEST_F(RouterTest, OverItsInFlightBytesTheRouterRefusesWithResourceExhausted) {
  const http::testing::SilentLocalPort silent;  // connections open, no answer ever comes
  RouterOptions options = FastOptions();
  options.max_inflight_bytes = 1;
  options.attempt_timeout = 1s;
  options.delivery_timeout = 1500ms;
  options.attempts_per_node = 1;
  Router router(registry_, options);
  router.SetNodes({silent.address()});
  const auto requests = Requests(store::testing::GenerateSpans(100), 50);
  ASSERT_GE(requests.size(), 2u);
  auto stuck = std::async(std::launch::async, [&] { return router.Route(requests[0]->bytes, requests[0]->scan); });
  auto& inflight = registry_.GetGauge("hoptrace_router_inflight_bytes", "");
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (inflight.value() == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(router.Route(requests[1]->bytes, requests[1]->scan).code(), Status::Code::kResourceExhausted);
  // The silent node never answered: the first request is not acknowledged either.
  EXPECT_EQ(stuck.get().code(), Status::Code::kUnavailable);
  EXPECT_EQ(inflight.value(), 0);
}

TEST_F(RouterTest, ANodeThatHangsIsGivenUpOnAfterItsAttemptsAndItsTracesGoElsewhere) {
  const http::testing::SilentLocalPort silent;  // connections open, no answer ever comes
  RouterOptions options = FastOptions();
  options.attempt_timeout = 200ms;
  options.attempts_per_node = 2;
  StartNodes(1, options);
  router_->SetNodes({nodes_[0]->address(), silent.address()});
  const auto sent = store::testing::GenerateSpans(1'000);
  RouteAll(Requests(sent, 512));
  EXPECT_EQ(nodes_[0]->Spans().size(), sent.spans.size());
  EXPECT_FALSE(router_->IsHealthy(silent.address()));
  EXPECT_GT(Counter("hoptrace_router_spans_rerouted_total", silent.address()), 0u);
}

TEST_F(RouterTest, MembershipChangesMoveOnlyTheTracesOfTheChangedNode) {
  StartNodes(3);
  const auto sent = store::testing::GenerateSpans(1'500);
  const auto requests = Requests(sent, 512);
  RouteAll(requests);
  auto added = std::make_unique<TestNode>();
  std::vector<std::string> addresses = router_->nodes();
  addresses.push_back(added->address());
  router_->SetNodes(addresses);
  nodes_.push_back(std::move(added));
  const auto later = store::testing::GenerateSpans(1'500, {.seed = testing::DistinctSeed(9)});
  RouteAll(Requests(later, 512));
  // The first spans stayed where the 3-node ring put them; the later ones follow the 4-node ring.
  EXPECT_EQ(ArrivedSpanCount(), sent.spans.size() + later.spans.size());
  ExpectSpansOnOwners(sent, HashRing(std::vector<std::string>(addresses.begin(), addresses.end() - 1)));
  ExpectSpansOnOwners(later, HashRing(addresses));
  EXPECT_FALSE(nodes_.back()->Spans().empty());
  EXPECT_EQ(registry_.GetGauge("hoptrace_router_ring_nodes", "").value(), 4);
}

}  // namespace
}  // namespace hoptrace::collector::routing
