// /api/v2/dependencies: the service graph's counts, error rates and call latencies, computed on the
// real embedded store (temp dir) and served over a real socket.

#include "hoptrace/query/service_graph_api.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#include "hoptrace/http/server.h"
#include "hoptrace/query/http_api.h"
#include "hoptrace/store/embedded_store.h"
#include "test_client.h"
#include "wal/test_util.h"

namespace hoptrace::query {
namespace {

constexpr std::uint64_t kMs = 1'000'000;
constexpr std::uint64_t kBase = 1'700'000'000ull * 1'000'000'000;  // a fixed instant: Unix seconds below

struct CallSpec {
  std::uint64_t trace;
  std::uint64_t orders_ms;  // duration of the orders span frontend calls
  bool orders_error;
};

model::Span Span(std::uint64_t trace, std::uint64_t id, std::uint64_t parent, std::uint64_t start, std::uint64_t ms) {
  model::Span span;
  span.trace_id = model::TraceId::FromHighLow(0, trace);
  span.span_id = model::SpanId::FromHighLow(0, id);
  if (parent) span.parent_span_id = model::SpanId::FromHighLow(0, parent);
  span.name = "op";
  span.start_time_unix_nano = start;
  span.end_time_unix_nano = start + ms * kMs;
  return span;
}

void AddService(model::TraceBatch* batch, std::string service, std::vector<model::Span> spans) {
  model::ResourceSpans& resource_spans = batch->resource_spans.emplace_back();
  resource_spans.resource.attributes.push_back({"service.name", std::move(service)});
  resource_spans.scope_spans.emplace_back().spans = std::move(spans);
}

// Per call: frontend (root) → orders (`orders_ms`, maybe an error) → payments (5 ms); and a lone cron span.
model::TraceBatch Calls(const std::vector<CallSpec>& calls) {
  model::TraceBatch batch;
  for (const CallSpec& call : calls) {
    const std::uint64_t start = kBase + call.trace * 1000 * kMs;
    model::Span orders = Span(call.trace, 2, 1, start + kMs, call.orders_ms);
    if (call.orders_error) orders.status = {model::StatusCode::kError, "boom"};
    AddService(&batch, "frontend", {Span(call.trace, 1, 0, start, call.orders_ms + 2)});
    AddService(&batch, "orders", {orders});
    AddService(&batch, "payments", {Span(call.trace, 3, 2, start + 2 * kMs, 5)});
  }
  AddService(&batch, "cron", {Span(99, 9, 0, kBase, 1)});
  return batch;
}

class ServiceGraphTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const store::Status opened = store::EmbeddedStore::Open(
        {.data_dir = dir_.str(), .fsync = store::FsyncPolicy::kNever, .background = false, .metrics = &registry_,
         .log = [](std::string_view) {}},
        &store_);
    ASSERT_TRUE(opened.ok()) << opened.message();
    ASSERT_TRUE(store_->Write(Calls({{1, 10, false}, {2, 30, true}, {3, 20, false}, {4, 40, false}})).ok());
  }

  const store::ServiceGraphEdge* Edge(const ServiceGraph& graph, std::string_view parent, std::string_view child) {
    for (const store::ServiceGraphEdge& edge : graph.edges) {
      if (edge.link.parent == parent && edge.link.child == child) return &edge;
    }
    return nullptr;
  }

  store::testing::TempDir dir_;
  metrics::Registry registry_;
  std::unique_ptr<store::EmbeddedStore> store_;
};

// Within the sketch's 1 % of `exact` nanoseconds.
void ExpectNear(const std::optional<std::uint64_t>& nanos, std::uint64_t exact) {
  ASSERT_TRUE(nanos.has_value());
  EXPECT_NEAR(static_cast<double>(*nanos), static_cast<double>(exact), model::LatencySketch::kRelativeError * static_cast<double>(exact));
}

TEST_F(ServiceGraphTest, EdgesCarryCountsErrorsAndLatencyPercentiles) {
  const ServiceGraph graph = BuildServiceGraph(*store_, {});
  EXPECT_EQ(graph.services, (std::vector<std::string>{"cron", "frontend", "orders", "payments"}));
  EXPECT_EQ(graph.traces, 5u);
  ASSERT_EQ(graph.edges.size(), 2u);
  const store::ServiceGraphEdge* orders = Edge(graph, "frontend", "orders");
  ASSERT_NE(orders, nullptr);
  EXPECT_EQ(orders->link.call_count, 4u);
  EXPECT_EQ(orders->link.error_count, 1u);
  EXPECT_EQ(orders->latency.count(), 4u);
  ExpectNear(orders->latency.Quantile(0.5), 20 * kMs);  // nearest rank of 10, 20, 30, 40
  EXPECT_EQ(orders->latency.Quantile(0.99), 40 * kMs);  // rank 4 of 4: the largest, kept exactly
  const store::ServiceGraphEdge* payments = Edge(graph, "orders", "payments");
  ASSERT_NE(payments, nullptr);
  EXPECT_EQ(payments->latency.Quantile(0.99), 5 * kMs);
}

TEST_F(ServiceGraphTest, EveryTraceOfTheRangeCountsNotARecentSample) {
  // 1,000 more traces (five times the old sample of 200), the slowest ones the oldest: frontend →
  // orders takes 1000 - i ms in trace 100 + i, and every tenth fails.
  std::vector<CallSpec> calls;
  for (std::uint64_t i = 0; i < 1000; ++i) calls.push_back({100 + i, 1000 - i, i % 10 == 0});
  ASSERT_TRUE(store_->Write(Calls(calls)).ok());
  const ServiceGraph graph = BuildServiceGraph(*store_, {});
  EXPECT_EQ(graph.traces, 1005u);
  const store::ServiceGraphEdge* orders = Edge(graph, "frontend", "orders");
  ASSERT_NE(orders, nullptr);
  EXPECT_EQ(orders->link.call_count, 1004u);
  EXPECT_EQ(orders->link.error_count, 101u);
  // 1..1000 ms and the fixture's 10, 20, 30, 40: rank 502 is 498 ms, rank 994 is 990 ms.
  ExpectNear(orders->latency.Quantile(0.5), 498 * kMs);
  ExpectNear(orders->latency.Quantile(0.99), 990 * kMs);
}

TEST_F(ServiceGraphTest, RangeLimitsEdgesAndLatencies) {
  // Only trace 2 (starts at kBase + 2 s) is inside [kBase + 1.5 s, kBase + 2.5 s].
  const ServiceGraph graph =
      BuildServiceGraph(*store_, {.start_unix_nano = kBase + 1500 * kMs, .end_unix_nano = kBase + 2500 * kMs});
  EXPECT_EQ(graph.traces, 1u);
  const store::ServiceGraphEdge* orders = Edge(graph, "frontend", "orders");
  ASSERT_NE(orders, nullptr);
  EXPECT_EQ(orders->link.call_count, 1u);
  EXPECT_EQ(orders->link.error_count, 1u);
  EXPECT_EQ(orders->latency.Quantile(0.99), 30 * kMs);
}

TEST_F(ServiceGraphTest, ServedAsJsonWithNativeErrors) {
  HttpApi api(*store_, registry_);
  http::Router router;
  api.RegisterRoutes(router);
  http::Server server(http::ServerOptions{}, std::move(router));
  std::string error;
  ASSERT_TRUE(server.Start(&error)) << error;
  const std::string seconds = std::to_string(kBase / 1'000'000'000);

  const auto answer = http::testing::Fetch(server.port(), "GET", "/api/v2/dependencies?start=" + seconds + "&end=" +
                                                                     std::to_string(kBase / 1'000'000'000 + 10));
  ASSERT_TRUE(answer.has_value());
  ASSERT_EQ(answer->status, 200u) << answer->body;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(answer->body).get(root), simdjson::SUCCESS);
  simdjson::dom::element first = root["edges"].at(0);
  EXPECT_EQ(std::string_view(first["parent"]), "frontend");
  EXPECT_EQ(std::string_view(first["child"]), "orders");
  EXPECT_EQ(std::uint64_t(first["callCount"]), 4u);
  EXPECT_DOUBLE_EQ(double(first["errorRate"]), 0.25);
  EXPECT_DOUBLE_EQ(double(first["p99Ms"]), 40.0);
  EXPECT_EQ(std::uint64_t(root["traces"]), 5u);

  for (const std::string target : {"/api/v2/dependencies?q=%7B%7D", "/api/v2/dependencies?start=yesterday",
                                   "/api/v2/dependencies?limit=20"}) {
    const auto refused = http::testing::Fetch(server.port(), "GET", target);
    ASSERT_TRUE(refused.has_value());
    EXPECT_EQ(refused->status, 400u) << target;
    EXPECT_NE(refused->body.find("\"error\""), std::string::npos) << refused->body;
  }
  server.Stop();
}

}  // namespace
}  // namespace hoptrace::query
