#include "engine/head.h"

#include <gtest/gtest.h>

#include "wal/test_util.h"

namespace hoptrace::store::engine {
namespace {

using testing::BatchOf;
using testing::RichSpan;
using testing::TraceIdOf;

constexpr std::uint64_t kSecond = 1'000'000'000;

TEST(HeadTest, FreezesIdleAndOldTracesOnly) {
  Head head;
  head.Add(BatchOf("a", {RichSpan(1, 1, 100)}), /*segment=*/3, /*now=*/0);           // idle by 20 s
  head.Add(BatchOf("a", {RichSpan(2, 1, 100)}), 4, 0);                                // old by 20 s ...
  head.Add(BatchOf("a", {RichSpan(2, 2, 100)}), 4, 18 * kSecond);                     // ... though busy
  head.Add(BatchOf("a", {RichSpan(3, 1, 100)}), 5, 15 * kSecond);                     // neither
  EXPECT_EQ(head.OldestSegment(99), 3u);

  auto frozen = head.Freeze({.now_nanos = 20 * kSecond, .idle_nanos = 10 * kSecond, .max_age_nanos = 20 * kSecond});
  ASSERT_NE(frozen, nullptr);
  EXPECT_EQ(frozen->traces.size(), 2u);
  EXPECT_TRUE(frozen->traces.contains(TraceIdOf(1)));
  EXPECT_TRUE(frozen->traces.contains(TraceIdOf(2)));
  EXPECT_EQ(head.stats().live_spans, 1u);
  EXPECT_EQ(head.stats().frozen_spans, 3u);
  EXPECT_EQ(head.OldestSegment(99), 3u);  // frozen spans still need their WAL segments

  TraceAssembler assembler;  // queries still see frozen traces
  head.CollectTrace(TraceIdOf(2), &assembler);
  EXPECT_EQ(assembler.span_count(), 2u);

  head.DropFrozen(frozen.get());
  EXPECT_EQ(head.OldestSegment(99), 5u);
  EXPECT_EQ(head.stats().frozen_spans, 0u);
}

TEST(HeadTest, ThawMergesWithSpansThatArrivedDuringTheCut) {
  Head head;
  head.Add(BatchOf("a", {RichSpan(1, 1, 100), RichSpan(1, 2, 200)}), 1, 0);
  auto frozen = head.Freeze({.everything = true});
  ASSERT_NE(frozen, nullptr);
  head.Add(BatchOf("a", {RichSpan(1, 2, 200), RichSpan(1, 3, 300)}), 2, 5);  // one retried, one new
  head.Thaw(frozen.get());
  EXPECT_EQ(head.stats().live_spans, 3u);
  EXPECT_EQ(head.stats().frozen_spans, 0u);
  EXPECT_EQ(head.OldestSegment(99), 1u);
}

TEST(HeadTest, DuplicateSpansAreKeptOnce) {
  Head head;
  const auto batch = BatchOf("a", {RichSpan(1, 1, 100)});
  head.Add(batch, 1, 0);
  head.Add(batch, 1, 0);
  EXPECT_EQ(head.stats().live_spans, 1u);
}

TEST(HeadTest, SearchSummarizesTheWholeTraceAndListsMatches) {
  Head head;
  model::Span root = RichSpan(1, 1, 1000);  // span 1: root, SERVER
  model::Span child = RichSpan(1, 2, 1100);  // span 2: CLIENT, parent 1
  child.end_time_unix_nano = 5000;
  head.Add(BatchOf("frontend", {root}), 1, 0);
  head.Add(BatchOf("backend", {child}), 1, 0);
  head.Add(BatchOf("other", {RichSpan(2, 1, 9000)}), 1, 0);

  SearchRequest request;
  request.filter = SpanFilter::Compare({{Intrinsic::kServiceName}, CompareOp::kEq, std::string("backend")});
  const std::vector<block::TraceHit> hits = head.Search(request);
  ASSERT_EQ(hits.size(), 1u);
  const TraceSummary& summary = hits[0].summary;
  EXPECT_EQ(summary.trace_id, TraceIdOf(1));
  EXPECT_TRUE(hits[0].root_found);
  EXPECT_EQ(summary.root_service, "frontend");
  EXPECT_EQ(summary.root_name, root.name);
  EXPECT_EQ(summary.start_unix_nano, 1000u);
  EXPECT_EQ(summary.duration_nanos, 4000u);
  EXPECT_EQ(summary.span_count, 2u);
  EXPECT_EQ(summary.services, (std::vector<std::string>{"backend", "frontend"}));
  EXPECT_EQ(summary.matched_spans, (std::vector<model::SpanId>{child.span_id}));

  request.range = {.start_unix_nano = 2000, .end_unix_nano = 3000};  // the match starts before 2000
  EXPECT_TRUE(head.Search(request).empty());
}

TEST(HeadTest, DependenciesCountCrossServiceCallsAndErrors) {
  Head head;
  model::Span call = RichSpan(1, 2, 200);
  call.status.code = model::StatusCode::kError;
  head.Add(BatchOf("frontend", {RichSpan(1, 1, 100)}), 1, 0);
  head.Add(BatchOf("backend", {call, RichSpan(1, 3, 300)}), 1, 0);  // 3's parent 2 is also backend
  std::map<std::pair<std::string, std::string>, DependencyLink> edges;
  head.CollectDependencies({}, &edges);
  ASSERT_EQ(edges.size(), 1u);
  const DependencyLink& link = edges.begin()->second;
  EXPECT_EQ(link.parent, "frontend");
  EXPECT_EQ(link.child, "backend");
  EXPECT_EQ(link.call_count, 1u);
  EXPECT_EQ(link.error_count, 1u);
}

}  // namespace
}  // namespace hoptrace::store::engine
