// Store::ForEachTrace: the embedded store's one-pass scan visits exactly the matching traces, each
// once and whole, wherever their spans sit (head, several blocks), and agrees with the default
// implementation (search + lookups).

#include <gtest/gtest.h>

#include <map>

#include "engine/store_fixture.h"

namespace hoptrace::store::testing {
namespace {

// Each visited trace's ID and span count; a trace visited twice fails the test.
std::map<model::TraceId, std::size_t> Scan(Store& store, const TraceScan& scan, bool base_implementation = false) {
  std::map<model::TraceId, std::size_t> visited;
  const TraceVisitor visit = [&](const model::TraceBatch& trace) {
    const model::TraceId id = trace.resource_spans.at(0).scope_spans.at(0).spans.at(0).trace_id;
    EXPECT_TRUE(visited.emplace(id, trace.SpanCount()).second) << "visited twice: " << id.ToHex();
    return true;
  };
  const Status status = base_implementation ? store.Store::ForEachTrace(scan, visit) : store.ForEachTrace(scan, visit);
  EXPECT_TRUE(status.ok()) << status.message();
  return visited;
}

model::Span SpanAt(std::uint64_t trace, std::uint64_t span, std::uint64_t start) {
  model::Span s = RichSpan(trace, span, start);
  s.end_time_unix_nano = start + 1000;
  return s;
}

using TraceScanTest = StoreTest;

TEST_F(TraceScanTest, VisitsEveryMatchingTraceOnceAndWholeWhereverItsSpansAre) {
  Open();
  // Traces 1-50 in one block, 51-100 in a second; trace 7 has late spans in the second block and
  // the head; traces 101-110 only in the head.
  for (std::uint64_t trace = 1; trace <= 50; ++trace) WriteOk(BatchOf("checkout", {SpanAt(trace, 1, kEpoch + trace)}));
  ASSERT_TRUE(store_->CutHead(true).ok());
  for (std::uint64_t trace = 51; trace <= 100; ++trace) WriteOk(BatchOf("checkout", {SpanAt(trace, 1, kEpoch + trace)}));
  WriteOk(BatchOf("fraud", {SpanAt(7, 2, kEpoch + kSecond)}));
  ASSERT_TRUE(store_->CutHead(true).ok());
  WriteOk(BatchOf("db", {SpanAt(7, 3, kEpoch + 2 * kSecond)}));
  for (std::uint64_t trace = 101; trace <= 110; ++trace) WriteOk(BatchOf("payments", {SpanAt(trace, 1, kEpoch + trace)}));
  ASSERT_EQ(store_->stats().blocks, 2u);

  const std::map<model::TraceId, std::size_t> all = Scan(*store_, {});
  ASSERT_EQ(all.size(), 110u);
  EXPECT_EQ(all.at(TraceIdOf(7)), 3u);  // assembled from both blocks and the head
  EXPECT_EQ(all.at(TraceIdOf(60)), 1u);
  EXPECT_EQ(all, Scan(*store_, {}, /*base_implementation=*/true));

  // Matching on a span that sits in another place than the rest of its trace still yields it whole.
  TraceScan fraud{.filter = SpanFilter::Compare({{Intrinsic::kServiceName}, CompareOp::kEq, std::string("fraud")})};
  EXPECT_EQ(Scan(*store_, fraud), (std::map<model::TraceId, std::size_t>{{TraceIdOf(7), 3}}));
  TraceScan payments{.filter = SpanFilter::Compare({{Intrinsic::kServiceName}, CompareOp::kEq, std::string("payments")})};
  EXPECT_EQ(Scan(*store_, payments).size(), 10u);
}

TEST_F(TraceScanTest, TimeRangeBoundsAreInclusiveOnTheMatchingSpansStart) {
  Open();
  for (std::uint64_t trace = 1; trace <= 9; ++trace) WriteOk(BatchOf("svc", {SpanAt(trace, 1, kEpoch + trace * kSecond)}));
  ASSERT_TRUE(store_->CutHead(true).ok());
  WriteOk(BatchOf("svc", {SpanAt(10, 1, kEpoch + 10 * kSecond)}));  // in the head

  const TraceScan three_to_ten{.range = {.start_unix_nano = kEpoch + 3 * kSecond, .end_unix_nano = kEpoch + 10 * kSecond}};
  const std::map<model::TraceId, std::size_t> inside = Scan(*store_, three_to_ten);
  EXPECT_EQ(inside.size(), 8u);
  EXPECT_TRUE(inside.contains(TraceIdOf(3)));
  EXPECT_TRUE(inside.contains(TraceIdOf(10)));
  EXPECT_FALSE(inside.contains(TraceIdOf(2)));

  const TraceScan just_after{.range = {.start_unix_nano = kEpoch + 3 * kSecond + 1, .end_unix_nano = kEpoch + 4 * kSecond - 1}};
  EXPECT_TRUE(Scan(*store_, just_after).empty());
  EXPECT_EQ(Scan(*store_, three_to_ten, true), inside);
}

TEST_F(TraceScanTest, VisitorReturningFalseStopsTheScan) {
  Open();
  for (std::uint64_t trace = 1; trace <= 20; ++trace) WriteOk(BatchOf("svc", {SpanAt(trace, 1, kEpoch + trace)}));
  ASSERT_TRUE(store_->CutHead(true).ok());
  int visits = 0;
  ASSERT_TRUE(store_->ForEachTrace({}, [&](const model::TraceBatch&) { return ++visits < 3; }).ok());
  EXPECT_EQ(visits, 3);
}

}  // namespace
}  // namespace hoptrace::store::testing
