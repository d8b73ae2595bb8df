// The aggregate view over fixture sets with known answers: the critical path of the slowest 1 %
// names the operation that only they spend time in; the attribute comparison names the value the
// slow (or failed) traces share.

#include <gtest/gtest.h>

#include "hoptrace/analysis/hotspots.h"
#include "trace_builder.h"

namespace hoptrace::analysis {
namespace {

using model::SpanKind;
using testing::kMs;
using testing::CheckoutTrace;
using testing::TraceBuilder;

HotspotReport Aggregate(HotspotOptions options, const std::vector<model::TraceBatch>& traces) {
  HotspotAggregator aggregator(std::move(options));
  for (const model::TraceBatch& trace : traces) aggregator.Add(trace);
  return std::move(aggregator).Finish();
}

const OperationHotspot* Find(const HotspotReport& report, std::string_view service) {
  for (const OperationHotspot& hotspot : report.operations) {
    if (hotspot.service == service) return &hotspot;
  }
  return nullptr;
}

// 200 traces, every 50th slow (2 %).
std::vector<model::TraceBatch> CheckoutTraces() {
  std::vector<model::TraceBatch> traces;
  for (std::uint64_t i = 1; i <= 200; ++i) traces.push_back(CheckoutTrace(i, i % 50 == 0));
  return traces;
}

TEST(HotspotsTest, P99CriticalPathNamesTheCallOnlySlowTracesWaitForAndP50NamesTheUsualOne) {
  const HotspotReport report = Aggregate({.service = "checkout", .operation = "POST /checkout"}, CheckoutTraces());
  EXPECT_EQ(report.traces, 200u);
  EXPECT_EQ(report.p99_band.traces, 2u);  // the slowest 1 %
  ASSERT_FALSE(report.operations.empty());
  EXPECT_EQ(report.operations[0].service, "fraud-api");  // ranked by the p99 share
  EXPECT_EQ(report.operations[0].operation, "POST /score");
  EXPECT_GT(report.operations[0].p99.share, 0.9);
  EXPECT_EQ(report.operations[0].traces, 200u);
  EXPECT_EQ(report.operations[0].p99.mean_nanos, 2000 * kMs);
  EXPECT_EQ(report.operations[0].example_traces.size(), 3u);

  const auto by_p50 = std::max_element(report.operations.begin(), report.operations.end(),
                                       [](const auto& a, const auto& b) { return a.p50.share < b.p50.share; });
  EXPECT_EQ(by_p50->service, "inventory");
  EXPECT_GT(by_p50->p50.share, 0.6);
  const OperationHotspot* fraud = Find(report, "fraud-api");
  EXPECT_LT(fraud->p50.share, 0.2);
  EXPECT_EQ(fraud->p99_nanos, 2000 * kMs);  // its own distribution: the slow traces are its top 2 %
  EXPECT_LT(fraud->p50_nanos, 20 * kMs);
  EXPECT_GE(report.latency_p99_nanos, 2000 * kMs);
  EXPECT_LT(report.latency_p50_nanos, 100 * kMs);
}

TEST(HotspotsTest, AnEntryBelowTheRootIsMeasuredOverItsOwnSubtree) {
  const HotspotReport report = Aggregate({.service = "payments"}, CheckoutTraces());
  EXPECT_EQ(report.traces, 200u);
  EXPECT_EQ(Find(report, "inventory"), nullptr);  // the caller's other work is not payments' latency
  EXPECT_EQ(report.operations[0].service, "fraud-api");
  EXPECT_LT(report.latency_p50_nanos, 30 * kMs);

  const HotspotReport none = Aggregate({.service = "payments", .operation = "GET /nothing"}, CheckoutTraces());
  EXPECT_EQ(none.traces, 0u);
  EXPECT_EQ(none.traces_without_entry, 200u);
}

// 200 traces: 20 slow ones, all from eu-west; eu-west is 40 of the 180 fast ones.
std::vector<model::TraceBatch> RegionTraces() {
  std::vector<model::TraceBatch> traces;
  for (std::uint64_t i = 1; i <= 200; ++i) {
    const bool slow = i % 10 == 0;
    const bool eu = slow || i % 5 == 1;
    traces.push_back(CheckoutTrace(i, slow, eu ? "eu-west" : "us-east"));
  }
  return traces;
}

TEST(HotspotsTest, ComparisonNamesTheValueOverRepresentedAmongSlowTraces) {
  for (const HotspotOptions& options :
       {HotspotOptions{.service = "checkout", .slow_threshold_nanos = 500 * kMs},
        HotspotOptions{.service = "checkout", .slow_percentile = 90}}) {
    const HotspotReport report = Aggregate(options, RegionTraces());
    EXPECT_EQ(report.selection_traces, 20u);
    EXPECT_EQ(report.baseline_traces, 180u);
    ASSERT_FALSE(report.attributes.empty());
    const AttributeDifference& first = report.attributes[0];
    EXPECT_EQ(first.key, "span.region");
    EXPECT_EQ(first.value, "eu-west");
    EXPECT_EQ(first.selection_traces, 20u);
    EXPECT_EQ(first.baseline_traces, 40u);
    EXPECT_DOUBLE_EQ(first.selection_share, 1.0);
    EXPECT_DOUBLE_EQ(first.baseline_share, 40.0 / 180);
    for (const AttributeDifference& other : report.attributes) EXPECT_NE(other.value, "us-east");
  }
}

TEST(HotspotsTest, FailedSelectionComparesTracesWithAnErrorSpan) {
  std::vector<model::TraceBatch> traces;
  for (std::uint64_t i = 1; i <= 40; ++i) {
    TraceBuilder trace(i);
    const auto root = trace.Add("api", "GET /x", 0, 0, 10);
    const auto call = trace.Add("db", "SELECT", root, 1, 9);
    trace.Attr(call, "db.instance", std::string(i % 4 == 0 ? "replica-2" : "replica-1"));
    if (i % 4 == 0) trace.Fail(call, "timeout");
    traces.push_back(trace.Build());
  }
  const HotspotReport report = Aggregate({.service = "api", .selection = Selection::kFailed}, traces);
  EXPECT_EQ(report.selection_traces, 10u);
  ASSERT_FALSE(report.attributes.empty());
  EXPECT_EQ(report.attributes[0].key, "span.db.instance");
  EXPECT_EQ(report.attributes[0].value, "replica-2");
  EXPECT_EQ(report.attributes[0].baseline_traces, 0u);
}

TEST(HotspotsTest, AValueCountsOncePerTraceAndResourceAndSpanKeysStayApart) {
  std::vector<model::TraceBatch> traces;
  for (std::uint64_t i = 1; i <= 40; ++i) {
    const bool failed = i % 4 == 0;
    const std::string host = failed ? "db-2" : "db-1";
    TraceBuilder trace(i);
    const auto root = trace.Add("api", "GET /x", 0, 0, 10);
    trace.Host("db", host);
    for (int call = 0; call < 3; ++call) {
      const auto query = trace.Add("db", "SELECT", root, 1 + call * 3, 3 + call * 3);
      trace.Attr(query, "host.name", host);  // the same key and value as the resource's
      if (failed) trace.Fail(query, "timeout");
    }
    traces.push_back(trace.Build());
  }
  const HotspotReport report = Aggregate({.service = "api", .selection = Selection::kFailed}, traces);
  ASSERT_EQ(report.selection_traces, 10u);
  std::vector<std::string> keys;
  for (const AttributeDifference& difference : report.attributes) {
    if (difference.value != "db-2") continue;
    keys.push_back(difference.key);
    EXPECT_EQ(difference.selection_traces, 10u);  // three spans and a resource per trace, counted once
    EXPECT_EQ(difference.baseline_traces, 0u);
  }
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys, (std::vector<std::string>{"resource.host.name", "span.host.name"}));
}

TEST(HotspotsTest, MemoryCapsCountWhatTheyLeaveOut) {
  std::vector<model::TraceBatch> traces;
  for (std::uint64_t i = 1; i <= 50; ++i) {
    TraceBuilder trace(i);
    const auto root = trace.Add("api", "GET /user/" + std::to_string(i), 0, 0, 10);  // one operation per trace
    trace.Attr(root, "user.id", static_cast<std::int64_t>(i));
    trace.Attr(root, "key" + std::to_string(i), true);
    trace.Attr(root, "authorization", std::string("Bearer abcdefghijklmnop"));
    traces.push_back(trace.Build());
  }
  HotspotAggregator aggregator({.service = "api", .max_traces = 40, .max_operations = 5, .max_keys = 10,
                                .max_values_per_key = 8, .min_difference = -1});
  std::size_t accepted = 0;
  for (const model::TraceBatch& trace : traces) {
    if (!aggregator.Add(trace)) break;
    ++accepted;
  }
  const HotspotReport report = std::move(aggregator).Finish();
  EXPECT_EQ(accepted, 40u);  // the 41st is refused: the caller stops there
  EXPECT_EQ(report.traces, 40u);
  EXPECT_TRUE(report.truncated);
  EXPECT_EQ(report.operations_overflow_traces, 35u);
  const auto overflow = std::find_if(report.key_overflows.begin(), report.key_overflows.end(),
                                     [](const KeyOverflow& o) { return o.key == "span.user.id"; });
  ASSERT_NE(overflow, report.key_overflows.end());
  EXPECT_EQ(overflow->traces, 32u);
  EXPECT_GT(report.uncompared_values, 0u);
  for (const AttributeDifference& difference : report.attributes) {
    EXPECT_EQ(difference.value.find("abcdefgh"), std::string::npos) << difference.key;  // credentials redacted
  }
  HotspotAggregator one({.service = "api", .max_traces = 1});
  EXPECT_TRUE(one.Add(traces[0]));
  EXPECT_FALSE(std::move(one).Finish().truncated);  // exactly the cap: nothing left out
}

TEST(HotspotsTest, JsonCarriesTheNumbers) {
  const std::string json = HotspotReportToJson(Aggregate({.service = "checkout"}, RegionTraces()));
  EXPECT_NE(json.find(R"("service":"checkout")"), std::string::npos);
  EXPECT_NE(json.find(R"("operations":[{"service":"fraud-api","operation":"POST /score")"), std::string::npos);
  EXPECT_NE(json.find(R"({"key":"span.region","value":"eu-west","selectionTraces":)"), std::string::npos);
  EXPECT_NE(json.find(R"("bands":[{"name":"p50")"), std::string::npos);
}

}  // namespace
}  // namespace hoptrace::analysis
