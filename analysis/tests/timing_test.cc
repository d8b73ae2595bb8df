// Critical path, self time, gaps and clock-skew adjustment on small traces with known answers.

#include <gtest/gtest.h>

#include "hoptrace/analysis/diagnosis.h"
#include "hoptrace/analysis/timing.h"
#include "trace_builder.h"

namespace hoptrace::analysis {
namespace {

using model::SpanKind;
using testing::kMs;
using testing::TraceBuilder;

struct Expected {
  std::uint64_t span_id;
  double start_ms;
  double end_ms;
};

// The path as (span ID, start ms, end ms) relative to the trace start.
std::vector<Expected> PathOf(const TraceView& view, const CriticalPath& path) {
  std::vector<Expected> out;
  for (const PathSegment& segment : path.segments) {
    out.push_back({model::ReadBigEndian(view.node(segment.node).span->span_id.data(), 8),
                   static_cast<double>(segment.start - testing::kTraceStart) / 1e6,
                   static_cast<double>(segment.end - testing::kTraceStart) / 1e6});
  }
  return out;
}

void ExpectPath(const TraceView& view, const CriticalPath& path, const std::vector<Expected>& expected) {
  const auto actual = PathOf(view, path);
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(actual[i].span_id, expected[i].span_id) << "segment " << i;
    EXPECT_DOUBLE_EQ(actual[i].start_ms, expected[i].start_ms) << "segment " << i;
    EXPECT_DOUBLE_EQ(actual[i].end_ms, expected[i].end_ms) << "segment " << i;
  }
}

std::size_t NodeOf(const TraceView& view, std::uint64_t id) {
  for (std::size_t i = 0; i < view.size(); ++i) {
    if (view.node(i).span->span_id == TraceBuilder::SpanIdOf(id)) return i;
  }
  return kNone;
}

// A fixture trace with its view and critical path; the view borrows the batch, so it stays put.
struct Walked {
  explicit Walked(const TraceBuilder& trace)
      : batch(trace.Build()), view(TraceView::Build(batch)), path(ComputeCriticalPath(view)) {}
  Walked(const Walked&) = delete;
  Walked& operator=(const Walked&) = delete;
  model::TraceBatch batch;
  TraceView view;
  CriticalPath path;
};

TEST(CriticalPathTest, SequentialChildrenAndTheParentsOwnTime) {
  TraceBuilder trace;
  const auto root = trace.Add("shop", "GET /cart", 0, 0, 100, SpanKind::kServer);
  const auto a = trace.Add("shop", "load", root, 10, 40);
  const auto b = trace.Add("shop", "render", root, 50, 90);
  const Walked walked(trace);
  const TraceView& view = walked.view;
  const CriticalPath& path = walked.path;
  ExpectPath(view, path, {{root, 0, 10}, {a, 10, 40}, {root, 40, 50}, {b, 50, 90}, {root, 90, 100}});
  EXPECT_EQ(path.total, 100 * kMs);
  EXPECT_EQ(path.contribution[NodeOf(view, root)], 30 * kMs);
}

TEST(CriticalPathTest, OverlappingChildrenOnlyTheLastFinishingCounts) {
  TraceBuilder trace;
  const auto root = trace.Add("shop", "GET /cart", 0, 0, 100, SpanKind::kServer);
  const auto a = trace.Add("shop", "prices", root, 0, 80);
  const auto b = trace.Add("shop", "stock", root, 10, 95);
  const Walked walked(trace);
  const TraceView& view = walked.view;
  const CriticalPath& path = walked.path;
  ExpectPath(view, path, {{root, 0, 10}, {b, 10, 95}, {root, 95, 100}});
  EXPECT_EQ(path.contribution[NodeOf(view, a)], 0u);
}

TEST(CriticalPathTest, BackToBackSiblingsAreBothOnThePath) {
  TraceBuilder trace;
  const auto root = trace.Add("shop", "GET /cart", 0, 0, 100, SpanKind::kServer);
  const auto a = trace.Add("shop", "first", root, 0, 50);
  const auto b = trace.Add("shop", "second", root, 50, 100);
  const Walked walked(trace);
  ExpectPath(walked.view, walked.path, {{a, 0, 50}, {b, 50, 100}});
}

TEST(CriticalPathTest, AsyncChildrenThatOutliveTheParentAreNotOnIt) {
  TraceBuilder trace;
  const auto root = trace.Add("shop", "POST /order", 0, 0, 100, SpanKind::kServer);
  const auto produce = trace.Add("shop", "publish orders", root, 10, 20, SpanKind::kProducer);
  const auto consume = trace.Add("mailer", "process orders", produce, 30, 400, SpanKind::kConsumer);
  const auto followed = trace.Add("shop", "audit", root, 60, 300);
  trace.span(followed).links.push_back({.trace_id = trace.trace_id(), .span_id = TraceBuilder::SpanIdOf(root)});
  const Walked walked(trace);
  const TraceView& view = walked.view;
  EXPECT_TRUE(view.node(NodeOf(view, consume)).async);
  EXPECT_TRUE(view.node(NodeOf(view, followed)).async) << "a link to the parent is FOLLOWS_FROM";
  EXPECT_TRUE(view.skew_adjustments().empty()) << "a consumer may start after its producer ended";
  ExpectPath(view, walked.path, {{root, 0, 10}, {produce, 10, 20}, {root, 20, 100}});
}

TEST(CriticalPathTest, ChildOverflowingItsParentIsClipped) {
  TraceBuilder trace;
  const auto root = trace.Add("shop", "GET /cart", 0, 0, 100, SpanKind::kServer);
  const auto a = trace.Add("shop", "slow", root, 20, 150);  // same service: no skew adjustment
  const Walked walked(trace);
  const TraceView& view = walked.view;
  const CriticalPath& path = walked.path;
  ExpectPath(view, path, {{root, 0, 20}, {a, 20, 100}});
  EXPECT_LE(path.total, view.node(view.top()).Duration());
}

TEST(SelfTimeTest, SelfTimesGapsAndServices) {
  TraceBuilder trace;
  const auto root = trace.Add("shop", "GET /cart", 0, 0, 100, SpanKind::kServer);
  trace.Add("stock", "load", root, 10, 40, SpanKind::kServer);
  trace.Add("stock", "load again", root, 30, 45, SpanKind::kServer);
  trace.Add("shop", "render", root, 50, 90);
  const Walked walked(trace);
  const TraceView& view = walked.view;
  const SelfTimes times = ComputeSelfTimes(view, walked.path, 1);
  EXPECT_EQ(times.per_span[NodeOf(view, root)], 25 * kMs);  // 0-10, 45-50, 90-100
  ASSERT_EQ(times.gaps.size(), 3u);
  EXPECT_EQ(times.gaps[0].Duration(), 10 * kMs);
  EXPECT_EQ(times.gaps.back().Duration(), 5 * kMs);
  EXPECT_EQ(times.gaps.back().start, testing::kTraceStart + 45 * kMs);
  ASSERT_EQ(times.per_service.size(), 2u);
  EXPECT_EQ(times.per_service[0].service, "shop");
  EXPECT_EQ(times.per_service[0].self_nanos, 65 * kMs);
  EXPECT_EQ(times.per_service[1].self_nanos, 45 * kMs);
}

TEST(ClockSkewTest, ChildOnAnotherHostIsCentredInItsParentAndReported) {
  TraceBuilder trace;
  trace.Host("frontend", "host-a").Host("backend", "host-b");
  const auto root = trace.Add("frontend", "GET /home", 0, 0, 100, SpanKind::kServer);
  const auto call = trace.Add("frontend", "GET /data", root, 10, 90, SpanKind::kClient);
  const auto server = trace.Add("backend", "GET /data", call, 520, 590, SpanKind::kServer);  // clock 505 ms ahead
  const auto inner = trace.Add("backend", "query", server, 530, 580);
  const Walked walked(trace);
  const TraceView& view = walked.view;
  ASSERT_EQ(view.skew_adjustments().size(), 1u);
  const SkewAdjustment& adjustment = view.skew_adjustments()[0];
  EXPECT_EQ(adjustment.node, NodeOf(view, server));
  EXPECT_EQ(adjustment.shift_nanos, -505 * static_cast<std::int64_t>(kMs));
  EXPECT_EQ(view.node(NodeOf(view, server)).start, testing::kTraceStart + 15 * kMs);
  EXPECT_EQ(view.node(NodeOf(view, inner)).start, testing::kTraceStart + 25 * kMs) << "the subtree moves along";
  EXPECT_EQ(walked.path.contribution[NodeOf(view, inner)], 50 * kMs);
}

TEST(ClockSkewTest, SameHostOrChildLongerThanParentIsNotShifted) {
  TraceBuilder trace;
  trace.Host("frontend", "host-a").Host("worker", "host-a").Host("backend", "host-b");
  const auto root = trace.Add("frontend", "GET /home", 0, 0, 100, SpanKind::kServer);
  trace.Add("worker", "render", root, 50, 120);  // same host: one clock, the overflow is real
  const auto call = trace.Add("frontend", "GET /data", root, 10, 20, SpanKind::kClient);
  trace.Add("backend", "GET /data", call, 500, 600, SpanKind::kServer);  // longer than its parent
  const Walked walked(trace);
  const TraceView& view = walked.view;
  ASSERT_EQ(view.skew_adjustments().size(), 1u);
  EXPECT_FALSE(view.skew_adjustments()[0].adjusted);
  EXPECT_EQ(view.skew_adjustments()[0].shift_nanos, 0);
}

}  // namespace
}  // namespace hoptrace::analysis
