// One suite, every backend: what the embedded store does is what ClickHouse must do. Each test binary
// links one harness (store_harness.h) and runs these tests against it unchanged.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <tuple>

#include "hoptrace/analysis/hotspots.h"
#include "hoptrace/analysis/trace_view.h"
#include "hoptrace/model/trace_tree.h"
#include "hoptrace/query/hotspots_api.h"
#include "store_harness.h"

namespace hoptrace::store::conformance {
namespace {

using model::SpanKind;
using model::StatusCode;

constexpr std::uint64_t kSecond = 1'000'000'000ull;
constexpr std::uint64_t kMinute = 60 * kSecond;

std::uint64_t Now() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

model::TraceId TraceIdOf(std::uint64_t n) { return model::TraceId::FromHighLow(0x1000 + n, n); }
model::SpanId SpanIdOf(std::uint64_t n) { return model::SpanId::FromHighLow(0, 0x100 + n); }

struct SpanSpec {
  std::uint64_t trace = 0;
  std::uint64_t id = 0;
  std::uint64_t parent = 0;  // 0: root
  std::string name;
  SpanKind kind = SpanKind::kServer;
  std::uint64_t start = 0;
  std::uint64_t duration = 0;
  StatusCode status = StatusCode::kUnset;
};

model::Span MakeSpan(const SpanSpec& spec) {
  model::Span span;
  span.trace_id = TraceIdOf(spec.trace);
  span.span_id = SpanIdOf(spec.id);
  if (spec.parent != 0) span.parent_span_id = SpanIdOf(spec.parent);
  span.name = spec.name;
  span.kind = spec.kind;
  span.start_time_unix_nano = spec.start;
  span.end_time_unix_nano = spec.start + spec.duration;
  span.status.code = spec.status;
  return span;
}

// One resource (service `service`, deployment.environment `environment`) holding `spans`.
model::TraceBatch BatchOf(const std::string& service, const std::string& environment, std::vector<model::Span> spans) {
  model::TraceBatch batch;
  model::ResourceSpans& resource = batch.resource_spans.emplace_back();
  model::SetAttribute(resource.resource.attributes, model::kServiceNameKey, std::string_view(service));
  model::SetAttribute(resource.resource.attributes, "deployment.environment", std::string_view(environment));
  model::ScopeSpans& scope = resource.scope_spans.emplace_back();
  scope.scope.name = "conformance";
  scope.scope.version = "1.0";
  scope.spans = std::move(spans);
  return batch;
}

SpanFilterPtr Where(Field field, CompareOp op, Literal value) {
  return SpanFilter::Compare({std::move(field), op, std::move(value)});
}
Field Intrinsic(Intrinsic intrinsic) { return {.intrinsic = intrinsic}; }
Field SpanAttribute(std::string key) { return {.scope = AttributeScope::kSpan, .attribute = std::move(key)}; }
Field ResourceAttribute(std::string key) { return {.scope = AttributeScope::kResource, .attribute = std::move(key)}; }
Field AnyAttribute(std::string key) { return {.scope = AttributeScope::kAny, .attribute = std::move(key)}; }

class StoreConformance : public ::testing::TestWithParam<HarnessFactory> {
 protected:
  void SetUp() override { harness_ = GetParam().make(); }
  Store& store() { return harness_->store(); }

  void Write(const model::TraceBatch& batch) {
    const Status status = store().Write(batch);
    ASSERT_TRUE(status.ok()) << status.message();
  }

  // Trace 1 (checkout, an hour ago): frontend SERVER span with http.status_code=200, calling
  // backend's failing CLIENT span with db.system, retry=true and ratio=0.5, in prod.
  // Trace 2 (home, later): one fast frontend span with http.status_code=404, in staging.
  void WriteTwoTraces() {
    model::Span checkout = MakeSpan({1, 1, 0, "GET /checkout", SpanKind::kServer, base_, 200'000'000, StatusCode::kOk});
    model::SetAttribute(checkout.attributes, "http.status_code", std::int64_t{200});
    model::Span query = MakeSpan({1, 2, 1, "SELECT", SpanKind::kClient, base_ + 10'000'000, 50'000'000, StatusCode::kError});
    query.status.message = "deadlock";
    model::SetAttribute(query.attributes, "db.system", std::string_view("postgres"));
    model::SetAttribute(query.attributes, "retry", true);
    model::SetAttribute(query.attributes, "ratio", 0.5);
    model::Event event;
    event.time_unix_nano = base_ + 20'000'000;
    event.name = "exception";
    model::SetAttribute(event.attributes, "exception.type", std::string_view("Deadlock"));
    query.events.push_back(event);
    model::Link link;
    link.trace_id = TraceIdOf(2);
    link.span_id = SpanIdOf(3);
    query.links.push_back(link);
    model::Span home = MakeSpan({2, 3, 0, "GET /home", SpanKind::kServer, base_ + kMinute, 10'000'000, StatusCode::kUnset});
    model::SetAttribute(home.attributes, "http.status_code", std::int64_t{404});
    Write(BatchOf("frontend", "prod", {checkout}));
    Write(BatchOf("backend", "prod", {query}));
    Write(BatchOf("frontend", "staging", {home}));
    harness_->Settle();
  }

  // The trace IDs (as their numbers) a search returns, in its order.
  std::vector<std::uint64_t> Found(SpanFilterPtr filter, TimeRange range = {}, std::size_t limit = 20) {
    std::vector<std::uint64_t> found;
    for (const TraceSummary& summary : store().Search({std::move(filter), range, limit})) {
      for (std::uint64_t n = 1; n <= 9; ++n) {
        if (summary.trace_id == TraceIdOf(n)) found.push_back(n);
      }
    }
    return found;
  }

  std::set<std::string> SpanNames(const model::TraceBatch& trace) {
    std::set<std::string> names;
    for (const auto& resource : trace.resource_spans) {
      for (const auto& scope : resource.scope_spans) {
        for (const auto& span : scope.spans) names.insert(span.name);
      }
    }
    return names;
  }

  std::unique_ptr<StoreHarness> harness_;
  const std::uint64_t base_ = Now() - 3600 * kSecond;
};

TEST_P(StoreConformance, SpansOfOneTraceWrittenMinutesApartComeBackTogether) {
  model::Span root = MakeSpan({7, 1, 0, "root", SpanKind::kServer, base_, 10 * kMinute, StatusCode::kOk});
  Write(BatchOf("frontend", "prod", {root}));
  harness_->Settle();
  model::Span late = MakeSpan({7, 2, 1, "late child", SpanKind::kClient, base_ + 5 * kMinute, kSecond, StatusCode::kUnset});
  const std::string_view tags[] = {"a", "b"};
  model::SetAttribute(late.attributes, "tags", std::span<const std::string_view>(tags));
  Write(BatchOf("backend", "prod", {late}));
  harness_->Settle();

  const std::optional<model::TraceBatch> trace = store().GetTrace(TraceIdOf(7));
  ASSERT_TRUE(trace.has_value());
  EXPECT_EQ(trace->SpanCount(), 2u);
  EXPECT_EQ(SpanNames(*trace), (std::set<std::string>{"root", "late child"}));
  // Lossless: each span, with its resource and scope, is what was written.
  for (const auto& resource : trace->resource_spans) {
    ASSERT_EQ(resource.scope_spans.size(), 1u);
    const model::Span& span = resource.scope_spans[0].spans.at(0);
    EXPECT_EQ(resource.resource, BatchOf(span.name == "root" ? "frontend" : "backend", "prod", {}).resource_spans[0].resource);
    EXPECT_EQ(resource.scope_spans[0].scope.name, "conformance");
    EXPECT_EQ(span, span.name == "root" ? root : late);
  }
  EXPECT_FALSE(store().GetTrace(TraceIdOf(8)).has_value());
}

TEST_P(StoreConformance, EventsLinksAndStatusSurviveTheRoundTrip) {
  WriteTwoTraces();
  const std::optional<model::TraceBatch> trace = store().GetTrace(TraceIdOf(1));
  ASSERT_TRUE(trace.has_value());
  ASSERT_EQ(trace->SpanCount(), 2u);
  for (const auto& resource : trace->resource_spans) {
    for (const model::Span& span : resource.scope_spans.at(0).spans) {
      if (span.name != "SELECT") continue;
      EXPECT_EQ(span.status.message, "deadlock");
      ASSERT_EQ(span.events.size(), 1u);
      EXPECT_EQ(span.events[0].name, "exception");
      ASSERT_EQ(span.links.size(), 1u);
      EXPECT_EQ(span.links[0].trace_id, TraceIdOf(2));
      EXPECT_EQ(span.parent_span_id, SpanIdOf(1));
    }
  }
}

TEST_P(StoreConformance, SearchByEveryFilter) {
  WriteTwoTraces();
  using V = std::vector<std::uint64_t>;
  EXPECT_EQ(Found(SpanFilter::True()), (V{2, 1}));  // most recent first
  EXPECT_EQ(Found(SpanFilter::True(), {}, 1), (V{2}));
  EXPECT_EQ(Found(Where(Intrinsic(Intrinsic::kServiceName), CompareOp::kEq, std::string("backend"))), (V{1}));
  EXPECT_EQ(Found(Where(Intrinsic(Intrinsic::kName), CompareOp::kEq, std::string("GET /home"))), (V{2}));
  EXPECT_EQ(Found(Where(Intrinsic(Intrinsic::kName), CompareOp::kRegex, std::string("^GET"))), (V{2, 1}));
  EXPECT_EQ(Found(Where(Intrinsic(Intrinsic::kName), CompareOp::kNotRegex, std::string("home"))), (V{1}));
  EXPECT_EQ(Found(Where(Intrinsic(Intrinsic::kKind), CompareOp::kEq, SpanKind::kClient)), (V{1}));
  EXPECT_EQ(Found(Where(Intrinsic(Intrinsic::kStatus), CompareOp::kEq, StatusCode::kError)), (V{1}));
  EXPECT_EQ(Found(Where(Intrinsic(Intrinsic::kStatusMessage), CompareOp::kEq, std::string("deadlock"))), (V{1}));
  EXPECT_EQ(Found(Where(Intrinsic(Intrinsic::kDuration), CompareOp::kGt, std::int64_t{100'000'000})), (V{1}));
  EXPECT_EQ(Found(Where(Intrinsic(Intrinsic::kDuration), CompareOp::kLe, 0.02)), V{});
  EXPECT_EQ(Found(Where(SpanAttribute("http.status_code"), CompareOp::kEq, std::int64_t{404})), (V{2}));
  EXPECT_EQ(Found(Where(SpanAttribute("http.status_code"), CompareOp::kGe, 200.0)), (V{2, 1}));
  EXPECT_EQ(Found(Where(SpanAttribute("http.status_code"), CompareOp::kEq, std::string("404"))), V{});
  EXPECT_EQ(Found(Where(SpanAttribute("ratio"), CompareOp::kGt, 0.4)), (V{1}));
  EXPECT_EQ(Found(Where(SpanAttribute("retry"), CompareOp::kEq, true)), (V{1}));
  EXPECT_EQ(Found(Where(SpanAttribute("db.system"), CompareOp::kExists, {})), (V{1}));
  EXPECT_EQ(Found(Where(ResourceAttribute("deployment.environment"), CompareOp::kEq, std::string("staging"))), (V{2}));
  EXPECT_EQ(Found(Where(AnyAttribute("deployment.environment"), CompareOp::kEq, std::string("prod"))), (V{1}));
  EXPECT_EQ(Found(Where(SpanAttribute("deployment.environment"), CompareOp::kEq, std::string("prod"))), V{});
  EXPECT_EQ(Found(SpanFilter::And({Where(Intrinsic(Intrinsic::kServiceName), CompareOp::kEq, std::string("frontend")),
                                   Where(SpanAttribute("http.status_code"), CompareOp::kEq, std::int64_t{200})})),
            (V{1}));
  EXPECT_EQ(Found(SpanFilter::Or({Where(Intrinsic(Intrinsic::kName), CompareOp::kEq, std::string("SELECT")),
                                  Where(Intrinsic(Intrinsic::kName), CompareOp::kEq, std::string("GET /home"))})),
            (V{2, 1}));
  EXPECT_EQ(Found(SpanFilter::True(), {base_ + 30 * kSecond, base_ + 2 * kMinute}), (V{2}));
}

TEST_P(StoreConformance, SummariesCoverTheWholeTraceAndNameTheMatchedSpans) {
  WriteTwoTraces();
  const std::vector<TraceSummary> found =
      store().Search({Where(Intrinsic(Intrinsic::kServiceName), CompareOp::kEq, std::string("backend")), {}, 20});
  ASSERT_EQ(found.size(), 1u);
  const TraceSummary& summary = found[0];
  EXPECT_EQ(summary.root_service, "frontend");
  EXPECT_EQ(summary.root_name, "GET /checkout");
  EXPECT_EQ(summary.start_unix_nano, base_);
  EXPECT_EQ(summary.duration_nanos, 200'000'000u);
  EXPECT_EQ(summary.span_count, 2u);
  EXPECT_EQ(summary.error_count, 1u);
  EXPECT_EQ(summary.services, (std::vector<std::string>{"backend", "frontend"}));
  EXPECT_EQ(summary.matched_spans, (std::vector<model::SpanId>{SpanIdOf(2)}));
}

TEST_P(StoreConformance, ForEachTraceVisitsEveryMatchingTraceWholeOnce) {
  WriteTwoTraces();
  std::map<std::uint64_t, std::size_t> spans_of;
  const Status status = store().ForEachTrace(
      {Where(Intrinsic(Intrinsic::kKind), CompareOp::kEq, SpanKind::kServer), {}}, [&](const model::TraceBatch& trace) {
        for (std::uint64_t n = 1; n <= 2; ++n) {
          const auto& first = trace.resource_spans.at(0).scope_spans.at(0).spans.at(0);
          if (first.trace_id == TraceIdOf(n)) spans_of[n] += trace.SpanCount();
        }
        return true;
      });
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(spans_of, (std::map<std::uint64_t, std::size_t>{{1, 2}, {2, 1}}));
  std::size_t visited = 0;
  EXPECT_TRUE(store().ForEachTrace({SpanFilter::True(), {}}, [&](const model::TraceBatch&) { return ++visited < 1; }).ok());
  EXPECT_EQ(visited, 1u);  // the visitor stops the scan
}

TEST_P(StoreConformance, AResentBatchIsStoredOnce) {
  model::Span span = MakeSpan({5, 1, 0, "retried", SpanKind::kServer, base_, kSecond, StatusCode::kUnset});
  Write(BatchOf("frontend", "prod", {span}));
  harness_->Settle();
  Write(BatchOf("frontend", "prod", {span}));  // the sender did not see the first acknowledgement
  harness_->Settle();
  const std::optional<model::TraceBatch> trace = store().GetTrace(TraceIdOf(5));
  ASSERT_TRUE(trace.has_value());
  EXPECT_EQ(trace->SpanCount(), 1u);
  const std::vector<TraceSummary> found = store().Search({SpanFilter::True(), {}, 20});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].span_count, 1u);
}

TEST_P(StoreConformance, ServicesAndOperations) {
  WriteTwoTraces();
  EXPECT_EQ(store().Services(), (std::vector<std::string>{"backend", "frontend"}));
  EXPECT_EQ(store().Operations("frontend"),
            (std::vector<Operation>{{"GET /checkout", SpanKind::kServer}, {"GET /home", SpanKind::kServer}}));
  EXPECT_EQ(store().Operations("backend"), (std::vector<Operation>{{"SELECT", SpanKind::kClient}}));
  EXPECT_TRUE(store().Operations("nobody").empty());
}

TEST_P(StoreConformance, Dependencies) {
  WriteTwoTraces();
  const std::vector<DependencyLink> links = store().Dependencies({base_ - kMinute, base_ + 10 * kMinute});
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(links[0].parent, "frontend");
  EXPECT_EQ(links[0].child, "backend");
  EXPECT_EQ(links[0].call_count, 1u);
  EXPECT_EQ(links[0].error_count, 1u);
}

// What the service graph reads over a range: 1,200 frontend → backend calls (more than a search page
// or a ClickHouse scan page holds), written in two parts so they land in two parts of the backend.
// Dependencies counts every call, and a scan of the range visits every trace once with its call.
TEST_P(StoreConformance, DependenciesAndTheTraceScanCoverEveryTraceOfTheRange) {
  constexpr std::uint64_t kTraces = 1200;
  for (std::uint64_t first : {std::uint64_t{100}, 100 + kTraces / 2}) {
    std::vector<model::Span> frontend;
    std::vector<model::Span> backend;
    for (std::uint64_t n = first; n < first + kTraces / 2; ++n) {
      const std::uint64_t start = base_ + n * kSecond;
      frontend.push_back(MakeSpan({n, 1, 0, "GET /cart", SpanKind::kServer, start, 30'000'000}));
      backend.push_back(MakeSpan({n, 2, 1, "SELECT", SpanKind::kClient, start + 1'000'000, 20'000'000,
                                  n % 3 == 0 ? StatusCode::kError : StatusCode::kOk}));
    }
    Write(BatchOf("frontend", "prod", std::move(frontend)));
    Write(BatchOf("backend", "prod", std::move(backend)));
    harness_->Settle();
  }
  const TimeRange range{base_, base_ + (100 + kTraces) * kSecond};
  EXPECT_EQ(store().Dependencies(range), (std::vector<DependencyLink>{{"frontend", "backend", kTraces, kTraces / 3}}));

  std::set<model::TraceId> visited;
  std::size_t calls = 0;
  const Status status = store().ForEachTrace({SpanFilter::True(), range}, [&](const model::TraceBatch& trace) {
    visited.insert(trace.resource_spans.at(0).scope_spans.at(0).spans.at(0).trace_id);
    for (const auto& resource : trace.resource_spans) {
      if (model::ServiceName(resource.resource) == "backend") calls += resource.scope_spans.at(0).spans.size();
    }
    return true;
  });
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(visited.size(), kTraces);
  EXPECT_EQ(calls, kTraces);
}

// The service graph over a range that cuts both parts written (two blocks of the embedded store):
// frontend → backend → db calls with latencies from 0 ns to ~90 ms, frontend's own child spans (no
// call), and calls outside the range. Dependencies and ServiceGraphEdges count the calls inside the
// range only, and both backends sort the latencies into LatencySketch's buckets alike, so the
// quantiles are those of a sketch fed the durations here.
TEST_P(StoreConformance, ServiceGraphEdgesCountCallsAndLatenciesInsideTheRange) {
  constexpr std::uint64_t kTraces = 300;
  const TimeRange range{base_ + 50 * kSecond, base_ + 250 * kSecond};
  std::map<std::pair<std::string, std::string>, ServiceGraphEdge> expected;
  const auto expect_call = [&](const std::string& parent, const std::string& child, const model::Span& call) {
    if (!range.Contains(call.start_time_unix_nano)) return;
    ServiceGraphEdge& edge = expected[{parent, child}];
    edge.link = {parent, child, edge.link.call_count + 1,
                 edge.link.error_count + (call.status.code == StatusCode::kError ? 1 : 0)};
    edge.latency.Add(call.end_time_unix_nano - call.start_time_unix_nano);
  };
  for (std::uint64_t first : {std::uint64_t{0}, kTraces / 2}) {
    std::vector<model::Span> frontend;
    std::vector<model::Span> backend;
    std::vector<model::Span> db;
    for (std::uint64_t n = first; n < first + kTraces / 2; ++n) {
      const std::uint64_t start = base_ + n * kSecond;
      const std::uint64_t latency = n == 60 ? 0 : n * n * 1'013 + 500;
      frontend.push_back(MakeSpan({n, 1, 0, "GET /cart", SpanKind::kServer, start, latency + 2'000'000}));
      frontend.push_back(MakeSpan({n, 2, 1, "render", SpanKind::kInternal, start + 500, 1'000}));
      backend.push_back(MakeSpan({n, 3, 1, "GET /item", SpanKind::kServer, start + 1'000, latency,
                                  n % 5 == 0 ? StatusCode::kError : StatusCode::kOk}));
      db.push_back(MakeSpan({n, 4, 3, "SELECT", SpanKind::kClient, start + 2'000, latency / 2}));
      expect_call("frontend", "backend", backend.back());
      expect_call("backend", "db", db.back());
    }
    Write(BatchOf("frontend", "prod", std::move(frontend)));
    Write(BatchOf("backend", "prod", std::move(backend)));
    Write(BatchOf("db", "prod", std::move(db)));
    harness_->Settle();
  }
  std::vector<DependencyLink> expected_links;
  for (const auto& [key, edge] : expected) expected_links.push_back(edge.link);
  EXPECT_EQ(store().Dependencies(range), expected_links);

  ServiceEdges edges;
  const Status status = store().ServiceGraphEdges(range, &edges);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(edges.traces, 201u);  // traces 50 to 250 have a span inside the range
  ASSERT_EQ(edges.edges.size(), expected.size());
  for (const ServiceGraphEdge& edge : edges.edges) {
    const ServiceGraphEdge& want = expected.at({edge.link.parent, edge.link.child});
    EXPECT_EQ(edge.link, want.link);
    EXPECT_EQ(edge.latency.count(), want.latency.count());
    for (const double fraction : {0.0, 0.01, 0.5, 0.9, 0.99, 1.0}) {
      EXPECT_EQ(edge.latency.Quantile(fraction), want.latency.Quantile(fraction))
          << edge.link.parent << " → " << edge.link.child << " at " << fraction;
    }
  }
}

TEST_P(StoreConformance, RetentionDropsOldDataOnly) {
  const std::uint64_t now = Now();
  Write(BatchOf("old", "prod", {MakeSpan({3, 1, 0, "old", SpanKind::kServer, now - 10 * 24 * 3600 * kSecond, kSecond})}));
  harness_->Settle();
  Write(BatchOf("new", "prod", {MakeSpan({4, 1, 0, "new", SpanKind::kServer, now - 3600 * kSecond, kSecond})}));
  harness_->Settle();
  harness_->ApplyRetention(now, std::chrono::hours(24 * 7));
  EXPECT_FALSE(store().GetTrace(TraceIdOf(3)).has_value());
  EXPECT_TRUE(store().GetTrace(TraceIdOf(4)).has_value());
  EXPECT_EQ(store().Services(), (std::vector<std::string>{"new"}));
}

// The attribute comparison's counts (Store::CountAttributeValues): each scalar value once per trace
// per group, over the counted spans and their resources only; array values are not counted.
// Trace 11 counts whole in the selection, trace 12 whole in the baseline, trace 13 only its backend
// span in the baseline (its frontend root, with http.route=/a, is left out).
TEST_P(StoreConformance, CountAttributeValuesCountsEachValueOncePerTraceOverTheCountedSpans) {
  for (std::uint64_t trace : {11u, 12u, 13u}) {
    model::Span root = MakeSpan({trace, 1, 0, "GET", SpanKind::kServer, base_ + trace * kSecond, 100'000'000});
    model::SetAttribute(root.attributes, "http.route", std::string_view(trace == 12 ? "/b" : "/a"));
    model::Span query = MakeSpan({trace, 2, 1, "SELECT", SpanKind::kClient, base_ + trace * kSecond + 1000, 50'000'000});
    model::SetAttribute(query.attributes, "db", std::string_view(trace == 13 ? "mysql" : "pg"));
    if (trace == 11) {
      model::SetAttribute(root.attributes, "retries", std::int64_t{3});
      model::SetAttribute(root.attributes, "ratio", 0.5);
      model::SetAttribute(query.attributes, "cached", true);
      query.attributes.push_back({"tags", std::vector<std::string>{"x"}});
      model::SetAttribute(query.attributes, "db", std::string_view("pg"));  // the same value twice in a trace
    }
    Write(BatchOf("frontend", "prod", {root}));
    Write(BatchOf("backend", "prod", {query}));
  }
  harness_->Settle();
  std::vector<AttributeValueCount> counts;
  const Status status = store().CountAttributeValues(
      {{.trace_id = TraceIdOf(11), .selected = true, .whole_trace = true},
       {.trace_id = TraceIdOf(12), .selected = false, .whole_trace = true},
       {.trace_id = TraceIdOf(13), .selected = false, .spans = {SpanIdOf(2)}}},
      &counts);
  ASSERT_TRUE(status.ok()) << status.message();
  using Counted = std::tuple<bool, std::string, model::AttributeValue>;
  std::map<Counted, std::pair<std::uint64_t, std::uint64_t>> found;
  for (const AttributeValueCount& count : counts) {
    const auto [_, added] = found.emplace(Counted{count.resource, count.attribute.key, count.attribute.value},
                                          std::pair{count.selection_traces, count.baseline_traces});
    EXPECT_TRUE(added) << count.attribute.key << " reported twice";
  }
  const std::map<Counted, std::pair<std::uint64_t, std::uint64_t>> expected{
      {{false, "http.route", std::string("/a")}, {1, 0}},
      {{false, "http.route", std::string("/b")}, {0, 1}},
      {{false, "retries", std::int64_t{3}}, {1, 0}},
      {{false, "ratio", 0.5}, {1, 0}},
      {{false, "cached", true}, {1, 0}},
      {{false, "db", std::string("pg")}, {1, 1}},
      {{false, "db", std::string("mysql")}, {0, 1}},
      {{true, "service.name", std::string("frontend")}, {1, 1}},
      {{true, "service.name", std::string("backend")}, {1, 2}},
      {{true, "deployment.environment", std::string("prod")}, {1, 2}},
  };
  EXPECT_EQ(found, expected);
}

// A timing-only scan may leave attributes out, but keeps what the critical path reads.
TEST_P(StoreConformance, ATimingOnlyScanKeepsTheTimingFields) {
  model::Span producer = MakeSpan({21, 1, 0, "publish", SpanKind::kProducer, base_, 5'000'000, StatusCode::kOk});
  model::Span consumer = MakeSpan({21, 2, 1, "process", SpanKind::kConsumer, base_ + 9'000'000, 7'000'000, StatusCode::kError});
  consumer.links.push_back({.trace_id = TraceIdOf(21), .span_id = SpanIdOf(1)});
  model::TraceBatch worker = BatchOf("worker", "prod", {consumer});
  model::SetAttribute(worker.resource_spans[0].resource.attributes, "host.id", std::string_view("node-7"));
  Write(BatchOf("queue", "prod", {producer}));
  Write(worker);
  harness_->Settle();
  std::map<std::string, std::string> seen;  // span name -> its timing fields as text
  const Status status = store().ForEachTrace({.timing_only = true}, [&](const model::TraceBatch& trace) {
    for (const auto& resource : trace.resource_spans) {
      const std::string_view host = analysis::HostOf(resource.resource);  // what the clock-skew adjustment reads
      for (const auto& scope : resource.scope_spans) {
        for (const auto& span : scope.spans) {
          const bool links_parent = std::any_of(span.links.begin(), span.links.end(),
                                                [&](const model::Link& link) { return link.span_id == span.parent_span_id; });
          seen[span.name] = span.span_id.ToHex() + " " + span.parent_span_id.ToHex() + " " +
                            std::to_string(static_cast<int>(span.kind)) + " " + std::to_string(span.start_time_unix_nano - base_) +
                            " " + std::to_string(span.end_time_unix_nano - base_) + " " +
                            std::to_string(static_cast<int>(span.status.code)) + " " +
                            std::string(model::ServiceName(resource.resource)) + " " +
                            (host.empty() ? "-" : std::string(host)) + (links_parent ? " async" : "");
        }
      }
    }
    return true;
  });
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(seen, (std::map<std::string, std::string>{
                      {"publish", SpanIdOf(1).ToHex() + " 0000000000000000 4 0 5000000 1 queue -"},
                      {"process", SpanIdOf(2).ToHex() + " " + SpanIdOf(1).ToHex() + " 5 9000000 16000000 2 worker node-7 async"},
                  }));
}

// The diagnosis across traces (/api/v2/hotspots) on this backend: when the store counts where the
// spans are, query::ComputeHotspots takes the timing-only scan and CountAttributeValues; its report
// must be the one-pass aggregate's over whole traces, to the last field. 60 traces of checkout:
// 30 whole (checkout is the root) and 30 called by a gateway (the entry's subtree only counts, so
// the gateway's gw.only attribute never shows); the six slowest wait on payments in eu-west.
TEST_P(StoreConformance, HotspotsCountedInTheStoreEqualTheOnePassAggregate) {
  for (std::uint64_t n = 1; n <= 60; ++n) {
    const std::uint64_t start = base_ + n * kSecond;
    const bool slow = n % 10 == 0;
    const bool called = n % 2 == 0;
    std::vector<model::Span> checkout{
        MakeSpan({100 + n, 2, called ? 1u : 0u, "POST /checkout", SpanKind::kServer, start + 1000, 40'000'000 + n * 1000})};
    model::SetAttribute(checkout[0].attributes, "region", std::string_view(slow ? "eu-west" : n % 3 ? "us-east" : "us-west"));
    model::Span pay = MakeSpan({100 + n, 3, 2, "charge", SpanKind::kClient, start + 2000,
                                (slow ? 30'000'000 : 10'000'000) + n, n == 7 ? StatusCode::kError : StatusCode::kOk});
    model::SetAttribute(pay.attributes, "attempt", std::int64_t(slow ? 2 : 1));
    model::SetAttribute(pay.attributes, "fraction", slow ? 0.25 : 1.0);
    checkout[0].end_time_unix_nano += slow ? 25'000'000 : 0;
    Write(BatchOf("checkout", "prod", std::move(checkout)));
    Write(BatchOf("payments", n % 4 ? "prod" : "canary", {pay}));
    if (called) {
      model::Span gateway = MakeSpan({100 + n, 1, 0, "POST", SpanKind::kServer, start, 90'000'000});
      model::SetAttribute(gateway.attributes, "gw.only", true);
      Write(BatchOf("gateway", "prod", {gateway}));
    }
  }
  harness_->Settle();
  const query::HotspotParams params{.options = {.service = "checkout", .slow_percentile = 90},
                                    .range = {base_, base_ + 100 * kSecond}};
  const analysis::HotspotReport expected = query::AggregateWholeTraces(store(), params);
  const analysis::HotspotReport report = query::ComputeHotspots(store(), params);
  EXPECT_EQ(analysis::HotspotReportToJson(report), analysis::HotspotReportToJson(expected));
  EXPECT_EQ(report.traces, 60u);
  EXPECT_EQ(report.selection_traces, 6u);
  ASSERT_FALSE(report.attributes.empty());
  EXPECT_EQ(report.attributes[0].selection_traces, 6u);
  EXPECT_EQ(report.attributes[0].baseline_traces, 0u);
  std::set<std::string> keys;
  for (const analysis::AttributeDifference& difference : report.attributes) keys.insert(difference.key);
  EXPECT_TRUE(keys.contains("span.region") && keys.contains("span.attempt") && keys.contains("span.fraction"));
  EXPECT_FALSE(keys.contains("span.gw.only"));
}

// A scan whose page of traces is larger than an HTTP client's default response limit (Beast: 8 MiB):
// 1,000 traces with a 12 KiB attribute each. Every trace arrives, its attribute whole.
TEST_P(StoreConformance, ForEachTraceReadsPagesOfMoreThanEightMiB) {
  constexpr std::uint64_t kTraces = 1000;
  const std::string payload(12 * 1024, 'x');
  std::vector<model::Span> spans;
  for (std::uint64_t n = 1; n <= kTraces; ++n) {
    spans.push_back(MakeSpan({1000 + n, 1, 0, "upload", SpanKind::kServer, base_ + n * kSecond, kSecond}));
    model::SetAttribute(spans.back().attributes, "body", std::string_view(payload));
  }
  Write(BatchOf("uploads", "prod", std::move(spans)));
  harness_->Settle();
  std::size_t whole = 0;
  const Status status = store().ForEachTrace({}, [&](const model::TraceBatch& trace) {
    const model::AttributeValue* body =
        model::FindAttribute(trace.resource_spans.at(0).scope_spans.at(0).spans.at(0).attributes, "body");
    whole += body != nullptr && std::get<std::string>(*body) == payload;
    return true;
  });
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(whole, kTraces);
}

INSTANTIATE_TEST_SUITE_P(Backend, StoreConformance, ::testing::Values(ConformanceFactory()),
                         [](const ::testing::TestParamInfo<HarnessFactory>& param) { return param.param.name; });

}  // namespace
}  // namespace hoptrace::store::conformance
