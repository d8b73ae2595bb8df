// Store::ForEachTrace: the embedded store's one-pass scan visits exactly the matching traces, each
// once and whole, wherever their spans sit (head, several blocks), and agrees with the default
// implementation (search + lookups); decoding on a second thread changes neither the traces nor
// their order.

#include <gtest/gtest.h>

#include <map>
#include <stdexcept>

#include "engine/store_fixture.h"
#include "span_generator.h"

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

// Every visited trace, in visit order.
std::vector<model::TraceBatch> ScanInOrder(Store& store) {
  std::vector<model::TraceBatch> visited;
  const Status status = store.ForEachTrace({}, [&](const model::TraceBatch& trace) {
    visited.push_back(trace);
    return true;
  });
  EXPECT_TRUE(status.ok()) << status.message();
  return visited;
}

class MultiBlockScanTest : public StoreTest {
 protected:
  // Three blocks of three row groups each (generated traces, ~4,096 spans a group), a trace in two
  // blocks and one with a late span in the head: both scan paths, decoded and assembled.
  void SetUp() override {
    Open();
    for (std::uint64_t chunk = 1; chunk <= kBlocks; ++chunk) {
      const GeneratedSpans spans = GenerateSpans(kSpansPerBlock, {.seed = chunk * 100'000'000});
      traces_ += spans.TraceIds().size();
      WriteOk(spans.ToBatch());
      if (chunk >= 2) WriteOk(BatchOf("late", {RichSpan(0, chunk, kEpoch)}));  // trace 0 in blocks 2 and 3
      if (chunk == 1) first_block_trace_ = spans.spans.front().span.trace_id;
      ASSERT_TRUE(store_->CutHead(true).ok());
    }
    model::Span late = RichSpan(0, 2, kEpoch);
    late.trace_id = first_block_trace_;
    WriteOk(BatchOf("late", {late}));
    ++traces_;  // trace 0
    ASSERT_EQ(store_->stats().blocks, kBlocks);
  }

  static constexpr std::size_t kBlocks = 3;
  static constexpr std::size_t kSpansPerBlock = 9'000;
  std::size_t traces_ = 0;
  model::TraceId first_block_trace_;
};

TEST_F(MultiBlockScanTest, DecodingOnASecondThreadVisitsTheSameTracesInTheSameOrder) {
  const std::vector<model::TraceBatch> two_threads = ScanInOrder(*store_);
  EmbeddedStoreOptions one_thread = Options();
  one_thread.scan_decode_thread = false;
  Open(one_thread);
  ASSERT_EQ(two_threads.size(), traces_);

  std::size_t visited = 0, different = 0;
  const Status status = store_->ForEachTrace({}, [&](const model::TraceBatch& trace) {
    different += visited >= two_threads.size() || trace != two_threads[visited];
    ++visited;
    return true;
  });
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(visited, traces_);
  EXPECT_EQ(different, 0u);
}

TEST_F(MultiBlockScanTest, AStoppingOrThrowingVisitorEndsTheDecodingThread) {
  std::size_t visits = 0;
  ASSERT_TRUE(store_->ForEachTrace({}, [&](const model::TraceBatch&) { return ++visits < 5; }).ok());
  EXPECT_EQ(visits, 5u);
  visits = 0;
  const auto throw_at_five = [&](const model::TraceBatch&) {
    if (++visits == 5) throw std::runtime_error("visitor failed");
    return true;
  };
  EXPECT_THROW(static_cast<void>(store_->ForEachTrace({}, throw_at_five)), std::runtime_error);
  EXPECT_EQ(visits, 5u);
  visits = 0;
  ASSERT_TRUE(store_->ForEachTrace({}, [&](const model::TraceBatch&) { return ++visits > 0; }).ok());
  EXPECT_EQ(visits, traces_);  // the store scans again, whole
}

}  // namespace
}  // namespace hoptrace::store::testing
