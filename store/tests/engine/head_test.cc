#include "engine/head.h"

#include <gtest/gtest.h>
#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "hoptrace/otlp/proto_convert.h"
#include "hoptrace/store/service_calls.h"
#include "hoptrace/otlp/wire.h"
#include "wal/test_util.h"

namespace hoptrace::store::engine {
namespace {

using testing::BatchOf;
using testing::RichSpan;
using testing::SpanIdOf;
using testing::TraceIdOf;

constexpr std::uint64_t kSecond = 1'000'000'000;

// The head takes spans in wire form, as the store's write path hands them on.
class WireHead : public Head {
 public:
  using Head::Head;

  void Add(const model::TraceBatch& batch, std::uint64_t segment, std::uint64_t now_nanos) {
    const std::string request = otlp::SerializeExportRequest(batch);
    otlp::wire::ScannedRequest scan;
    otlp::DecodeReport report;
    std::string error;
    ASSERT_TRUE(otlp::wire::Scan(request, {}, &scan, &report, &error)) << error;
    Head::Add(scan, segment, now_nanos);
  }
};

// Trace IDs whose hash has no low bits set (`wrap` false: they all start probing at the first slot)
// or all of the low 16 set (`wrap` true: they start at the last slot, so their run wraps around).
model::TraceId CollidingTraceId(std::uint64_t n, bool wrap) {
  return model::TraceId::FromHighLow((n << 32) | (wrap ? 0xffff : 0), 0);
}

TEST(TracePositionsTest, CollidingIdsStayFoundThroughInsertsAndErases) {
  TracePositions positions;
  std::map<model::TraceId, std::uint32_t> expected;
  std::vector<model::TraceId> ids;
  for (std::uint64_t n = 1; n <= 150; ++n) {
    ids.push_back(CollidingTraceId(n, false));
    ids.push_back(CollidingTraceId(n, true));
    ids.push_back(TraceIdOf(n));
  }
  const auto expect_all = [&] {
    ASSERT_EQ(positions.size(), expected.size());
    for (const model::TraceId& id : ids) {
      const auto it = expected.find(id);
      ASSERT_EQ(positions.Find(id), it == expected.end() ? TracePositions::kAbsent : it->second) << id.ToHex();
    }
  };
  std::mt19937 random(7);
  for (int round = 0; round < 4; ++round) {
    std::shuffle(ids.begin(), ids.end(), random);
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (expected.contains(ids[i])) continue;
      positions.Insert(ids[i], static_cast<std::uint32_t>(round * 1000 + i));
      expected[ids[i]] = static_cast<std::uint32_t>(round * 1000 + i);
    }
    expect_all();
    std::shuffle(ids.begin(), ids.end(), random);
    for (std::size_t i = 0; i < ids.size() / 2 + 40 * round; ++i) {  // some erased twice
      positions.Erase(ids[i % ids.size()]);
      expected.erase(ids[i % ids.size()]);
    }
    expect_all();
  }
}

// The head against a model of what it must hold, through adds, freezes (oldest first, up to a slice
// size), thaws and drops in random order, on trace IDs that share probe runs in the head's index.
// Spans of frozen traces keep arriving; some are retries of spans held already.
class HeadModel {
 public:
  struct Part {
    std::set<std::uint64_t> spans;
    std::uint64_t oldest_segment = UINT64_MAX;
    std::uint64_t first_arrival = UINT64_MAX;

    void Merge(const Part& other) {
      spans.insert(other.spans.begin(), other.spans.end());
      oldest_segment = std::min(oldest_segment, other.oldest_segment);
      first_arrival = std::min(first_arrival, other.first_arrival);
    }
  };

  void Add(const model::TraceId& trace, const std::vector<std::uint64_t>& spans, std::uint64_t segment, std::uint64_t now) {
    live_[trace].Merge({.spans = {spans.begin(), spans.end()}, .oldest_segment = segment, .first_arrival = now});
  }

  // The live traces a freeze of at most `max_spans` takes: the oldest, whole.
  std::set<model::TraceId> OldestUpTo(std::size_t max_spans) const {
    std::vector<std::pair<std::uint64_t, model::TraceId>> by_arrival;
    for (const auto& [trace, part] : live_) by_arrival.emplace_back(part.first_arrival, trace);
    std::sort(by_arrival.begin(), by_arrival.end());
    std::set<model::TraceId> taken;
    std::size_t spans = 0;
    for (const auto& [arrival, trace] : by_arrival) {
      if (spans >= max_spans) break;
      spans += live_.at(trace).spans.size();
      taken.insert(trace);
    }
    return taken;
  }

  void Freeze(const std::shared_ptr<const FrozenTraces>& frozen) {
    std::map<model::TraceId, Part>& parts = frozen_[frozen.get()];
    for (const auto& [trace, ignored] : frozen->traces) parts[trace] = live_.extract(trace).mapped();
  }

  void Thaw(const FrozenTraces* frozen) {
    const auto thawed = frozen_.extract(frozen);
    for (const auto& [trace, part] : thawed.mapped()) live_[trace].Merge(part);
  }

  void Drop(const FrozenTraces* frozen) { frozen_.erase(frozen); }

  void ExpectHeld(const Head& head, const std::vector<model::TraceId>& traces) const {
    std::size_t live_spans = 0;
    std::size_t frozen_spans = 0;
    std::uint64_t oldest = UINT64_MAX;
    for (const auto& [trace, part] : live_) {
      live_spans += part.spans.size();
      oldest = std::min(oldest, part.oldest_segment);
    }
    for (const auto& [set, parts] : frozen_) {
      for (const auto& [trace, part] : parts) {
        frozen_spans += part.spans.size();
        oldest = std::min(oldest, part.oldest_segment);
      }
    }
    const HeadStats stats = head.stats();
    EXPECT_EQ(stats.live_spans, live_spans);
    EXPECT_EQ(stats.frozen_spans, frozen_spans);
    EXPECT_EQ(stats.live_traces, live_.size());
    EXPECT_EQ(head.OldestSegment(UINT64_MAX), oldest);
    for (const model::TraceId& trace : traces) {
      TraceAssembler assembler;
      head.CollectTrace(trace, &assembler);
      EXPECT_EQ(assembler.span_count(), DistinctSpans(trace)) << trace.ToHex();
      EXPECT_EQ(head.Contains(trace), DistinctSpans(trace) > 0) << trace.ToHex();
    }
  }

 private:
  std::size_t DistinctSpans(const model::TraceId& trace) const {
    std::set<std::uint64_t> spans;
    if (const auto it = live_.find(trace); it != live_.end()) spans = it->second.spans;
    for (const auto& [set, parts] : frozen_) {
      if (const auto it = parts.find(trace); it != parts.end()) spans.insert(it->second.spans.begin(), it->second.spans.end());
    }
    return spans.size();
  }

  std::map<model::TraceId, Part> live_;
  std::map<const FrozenTraces*, std::map<model::TraceId, Part>> frozen_;
};

model::Span SpanOf(const model::TraceId& trace, std::uint64_t span) {
  model::Span out = RichSpan(1, span, 100 * span);
  out.trace_id = trace;
  return out;
}

TEST(HeadTest, FreezeThawAndDropInterleavedWithAddsKeepEverySpanOnce) {
  WireHead head;
  HeadModel model;
  std::vector<model::TraceId> traces;
  for (std::uint64_t n = 1; n <= 40; ++n) traces.push_back(CollidingTraceId(n, n % 2 == 0));
  std::vector<std::shared_ptr<const FrozenTraces>> frozen;
  std::mt19937 random(11);
  std::uint64_t now = 0;
  std::uint64_t segment = 1;
  for (int step = 0; step < 300; ++step) {
    const unsigned action = random() % 8;
    if (action < 5) {  // a request with one trace's spans, some maybe held already
      const model::TraceId& trace = traces[random() % traces.size()];
      std::vector<std::uint64_t> spans;
      std::vector<model::Span> batch;
      for (unsigned count = 1 + random() % 4; count > 0; --count) {
        spans.push_back(1 + random() % 50);
        batch.push_back(SpanOf(trace, spans.back()));
      }
      segment += random() % 2;
      head.Add(BatchOf("a", batch), segment, ++now);
      model.Add(trace, spans, segment, now);
    } else if (action < 7) {
      const std::size_t max_spans = 1 + random() % 40;
      const std::set<model::TraceId> expected = model.OldestUpTo(max_spans);
      auto set = head.Freeze({.everything = true, .max_spans = max_spans});
      ASSERT_EQ(set == nullptr, expected.empty());
      if (!set) continue;
      std::set<model::TraceId> taken;
      for (const auto& [trace, ignored] : set->traces) taken.insert(trace);
      ASSERT_EQ(taken, expected) << "step " << step;
      model.Freeze(set);
      frozen.push_back(std::move(set));
    } else if (!frozen.empty()) {
      const std::size_t pick = random() % frozen.size();
      if (random() % 2) {
        head.Thaw(frozen[pick].get());
        model.Thaw(frozen[pick].get());
      } else {
        head.DropFrozen(frozen[pick].get());
        model.Drop(frozen[pick].get());
      }
      frozen.erase(frozen.begin() + static_cast<std::ptrdiff_t>(pick));
    }
    ASSERT_NO_FATAL_FAILURE(model.ExpectHeld(head, traces)) << "step " << step;
  }
}

// Queries see a trace whole while other traces are added, frozen, thawed and dropped around it, and
// while it is frozen itself.
TEST(HeadTest, QueriesDuringFreezesSeeLiveAndFrozenSpans) {
  WireHead head;
  const model::TraceId watched = CollidingTraceId(1, false);
  std::vector<model::Span> watched_spans;
  for (std::uint64_t span = 1; span <= 5; ++span) watched_spans.push_back(SpanOf(watched, span));
  head.Add(BatchOf("a", watched_spans), 1, 0);

  std::atomic<bool> done = false;
  std::atomic<int> wrong = 0;
  std::thread reader([&] {
    while (!done.load()) {
      TraceAssembler assembler;
      head.CollectTrace(watched, &assembler);
      if (assembler.span_count() != watched_spans.size()) ++wrong;
      std::this_thread::yield();
    }
  });
  std::size_t others_live = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (std::uint64_t round = 1; round <= 200 && std::chrono::steady_clock::now() < deadline; ++round) {
    head.Add(BatchOf("a", {SpanOf(CollidingTraceId(round + 1, round % 2 == 0), 1)}), 1 + round, round);
    ++others_live;
    auto all = head.Freeze({.everything = true});  // the watched trace too
    if (!all) break;
    head.Add(BatchOf("a", {watched_spans[round % watched_spans.size()]}), 1 + round, round);  // arrives while frozen
    if (round % 3 == 0) {
      head.Add(BatchOf("a", watched_spans), 1 + round, round);  // retried whole, so the drop leaves it whole
      head.DropFrozen(all.get());
      others_live = 0;
    } else {
      head.Thaw(all.get());
    }
  }
  done = true;
  reader.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(head.stats().live_spans, watched_spans.size() + others_live);
  EXPECT_EQ(head.stats().frozen_spans, 0u);
}

TEST(HeadTest, FreezesIdleAndOldTracesOnly) {
  WireHead head;
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
  WireHead head;
  head.Add(BatchOf("a", {RichSpan(1, 1, 100), RichSpan(1, 2, 200)}), 1, 0);
  auto frozen = head.Freeze({.everything = true});
  ASSERT_NE(frozen, nullptr);
  head.Add(BatchOf("a", {RichSpan(1, 2, 200), RichSpan(1, 3, 300)}), 2, 5);  // one retried, one new
  head.Thaw(frozen.get());
  EXPECT_EQ(head.stats().live_spans, 3u);
  EXPECT_EQ(head.stats().frozen_spans, 0u);
  EXPECT_EQ(head.OldestSegment(99), 1u);

  // The merged trace counts once: when it is cut, no segment is held any more.
  auto again = head.Freeze({.everything = true});
  ASSERT_NE(again, nullptr);
  head.DropFrozen(again.get());
  EXPECT_EQ(head.OldestSegment(99), 99u);
}

TEST(HeadTest, DuplicateSpansAreKeptOnce) {
  WireHead head;
  const auto batch = BatchOf("a", {RichSpan(1, 1, 100)});
  head.Add(batch, 1, 0);
  head.Add(batch, 1, 0);
  EXPECT_EQ(head.stats().live_spans, 1u);
}

// Past 32 spans a trace checks duplicates in its span-ID set: a retried request, and one that repeats
// some spans among new ones, add each span once, also spans of another trace in between.
TEST(HeadTest, DuplicateSpansOfABigTraceAreKeptOnce) {
  WireHead head;
  std::vector<model::Span> first, retried;
  for (std::uint64_t span = 1; span <= 100; ++span) first.push_back(RichSpan(1, span, 100 * span));
  for (std::uint64_t span = 51; span <= 150; ++span) retried.push_back(RichSpan(1, span, 100 * span));
  retried.insert(retried.begin() + 20, RichSpan(2, 1, 100));
  head.Add(BatchOf("a", first), 1, 0);
  head.Add(BatchOf("a", first), 1, 0);
  head.Add(BatchOf("a", retried), 2, 0);
  EXPECT_EQ(head.stats().live_spans, 151u);
  EXPECT_EQ(head.stats().live_traces, 2u);
  TraceAssembler assembler;
  head.CollectTrace(TraceIdOf(1), &assembler);
  EXPECT_EQ(assembler.span_count(), 150u);
}

// A request interleaves its traces' spans (an SDK groups them by resource and scope): each trace
// takes them in request order, with room made once for all of them, as if they had come in a run.
TEST(HeadTest, ATraceInterleavedInARequestIsIndexedAsOneRun) {
  std::vector<model::Span> interleaved, in_runs;
  for (std::uint64_t span = 1; span <= 20; ++span) {
    interleaved.push_back(RichSpan(1, span, 100 * span));
    interleaved.push_back(RichSpan(2, span, 100 * span));
  }
  for (std::uint64_t trace : {1, 2}) {
    for (std::uint64_t span = 1; span <= 20; ++span) in_runs.push_back(RichSpan(trace, span, 100 * span));
  }
  WireHead head, runs_head;
  head.Add(BatchOf("a", interleaved), 1, 0);
  runs_head.Add(BatchOf("a", in_runs), 1, 0);
  EXPECT_EQ(head.stats().live_spans, 40u);
  EXPECT_EQ(head.stats().live_traces, 2u);
  EXPECT_EQ(head.stats().live_bytes, runs_head.stats().live_bytes);  // each span vector sized once, for 20
  for (std::uint64_t trace : {1, 2}) {
    TraceAssembler assembler;
    head.CollectTrace(TraceIdOf(trace), &assembler);
    EXPECT_EQ(assembler.span_count(), 20u);
  }
}

TEST(HeadTest, SearchSummarizesTheWholeTraceAndListsMatches) {
  WireHead head;
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
  WireHead head;
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

// The head reads calls from its index, ForEachCall from decoded spans: both must count the same ones.
TEST(HeadTest, DependenciesCountTheCallsForEachCallFindsInTheDecodedTrace) {
  WireHead head;
  auto span = [](std::uint64_t id, std::uint64_t parent, std::uint64_t start) {
    model::Span made = RichSpan(1, id, start);
    made.parent_span_id = parent == 0 ? model::SpanId() : testing::SpanIdOf(parent);
    return made;
  };
  head.Add(BatchOf("frontend", {span(1, 0, 100)}), 1, 0);
  head.Add(BatchOf("backend", {span(2, 1, 200), span(3, 2, 300)}), 1, 0);  // 3 calls inside backend
  head.Add(BatchOf("db", {span(4, 3, 5000)}), 1, 0);                       // starts after the range
  head.Add(BatchOf("cache", {span(5, 99, 400), span(6, 2, 500)}), 1, 0);   // 5's parent never arrived
  const TimeRange range{.start_unix_nano = 0, .end_unix_nano = 1000};

  std::map<std::pair<std::string, std::string>, DependencyLink> from_head;
  head.CollectDependencies(range, &from_head);
  TraceAssembler assembler;
  head.CollectTrace(TraceIdOf(1), &assembler);
  const std::optional<model::TraceBatch> trace = std::move(assembler).Finish();
  ASSERT_TRUE(trace.has_value());
  std::map<std::pair<std::string, std::string>, std::uint64_t> from_decoded;
  ForEachCall(*trace, range, [&](std::string_view parent, std::string_view child, const model::Span&) {
    ++from_decoded[{std::string(parent), std::string(child)}];
  });

  const std::map<std::pair<std::string, std::string>, std::uint64_t> expected{{{"frontend", "backend"}, 1},
                                                                                {{"backend", "cache"}, 1}};
  EXPECT_EQ(from_decoded, expected);
  std::map<std::pair<std::string, std::string>, std::uint64_t> head_calls;
  for (const auto& [edge, link] : from_head) head_calls[edge] = link.call_count;
  EXPECT_EQ(head_calls, expected);
}

TEST(HeadTest, CollectTraceDecodesEveryFieldWithItsResourceAndScope) {
  WireHead head;
  model::TraceBatch batch = BatchOf("frontend", {RichSpan(1, 1, 100), RichSpan(1, 2, 200)});
  batch.resource_spans[0].schema_url = "resource-schema";
  batch.resource_spans[0].scope_spans[0].schema_url = "scope-schema";
  batch.resource_spans[0].scope_spans[0].scope.name = "lib";
  batch.resource_spans.push_back(BatchOf("backend", {RichSpan(1, 3, 300)}).resource_spans[0]);
  head.Add(batch, 1, 0);
  TraceAssembler assembler;
  head.CollectTrace(TraceIdOf(1), &assembler);
  const std::optional<model::TraceBatch> trace = std::move(assembler).Finish();
  ASSERT_TRUE(trace.has_value());
  EXPECT_EQ(*trace, batch);
}

TEST(HeadTest, SearchOnSpanAttributesAndStatusMessageDecodesTheSpans) {
  WireHead head;
  model::Span failed = RichSpan(1, 1, 100);
  failed.status = {model::StatusCode::kError, "card declined"};
  model::SetAttribute(failed.attributes, "http.status_code", std::int64_t{502});
  head.Add(BatchOf("payments", {failed, RichSpan(2, 1, 100)}), 1, 0);
  SearchRequest request;
  request.filter = SpanFilter::And(
      {SpanFilter::Compare({{Intrinsic::kNone, AttributeScope::kSpan, "http.status_code"}, CompareOp::kGe, std::int64_t{500}}),
       SpanFilter::Compare({{Intrinsic::kStatusMessage}, CompareOp::kEq, std::string("card declined")})});
  const std::vector<block::TraceHit> hits = head.Search(request);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].summary.trace_id, TraceIdOf(1));
  EXPECT_EQ(hits[0].summary.error_count, 1u);
}

TEST(HeadTest, OperationsAndServicesComeFromTheIndex) {
  WireHead head;
  head.Add(BatchOf("frontend", {RichSpan(1, 1, 100)}), 1, 0);
  head.Add(BatchOf("backend", {RichSpan(1, 2, 100)}), 1, 0);
  std::set<std::string> services;
  head.CollectServices({}, &services);
  EXPECT_EQ(services, (std::set<std::string>{"backend", "frontend"}));
  std::set<Operation> operations;
  head.CollectOperations("backend", {}, &operations);
  const model::Span expected = RichSpan(1, 2, 100);
  EXPECT_EQ(operations, (std::set<Operation>{{expected.name, expected.kind}}));
}

TEST(HeadTest, FreezeTakesTheOldestTracesUpToTheSliceSize) {
  WireHead head;
  for (std::uint64_t trace = 1; trace <= 5; ++trace) {
    head.Add(BatchOf("a", {RichSpan(trace, 1, 100), RichSpan(trace, 2, 100)}), 1, trace * kSecond);
  }
  auto first = head.Freeze({.everything = true, .max_spans = 3});
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->traces.size(), 2u);  // whole traces: 4 spans, the second one passes the bound
  EXPECT_TRUE(first->traces.contains(TraceIdOf(1)));
  EXPECT_TRUE(first->traces.contains(TraceIdOf(2)));
  EXPECT_EQ(head.stats().live_spans, 6u);
}

TEST(HeadTest, MemoryIsTheArenaAndIndexAndChunksGoWithTheirTraces) {
  WireHead head(/*max_memory_bytes=*/0);
  const std::size_t empty = head.stats().memory_bytes;
  EXPECT_EQ(empty, 0u);
  std::vector<model::Span> spans;
  for (std::uint64_t i = 1; i <= 8000; ++i) spans.push_back(RichSpan(i, 1, 100));  // > 2 MiB encoded
  head.Add(BatchOf("a", spans), 1, 0);
  const HeadStats full = head.stats();
  EXPECT_GT(full.memory_bytes, 4u << 20);  // two 2 MiB chunks at least
  EXPECT_GT(full.live_bytes, 8000 * sizeof(HeadSpan));

  auto frozen = head.Freeze({.everything = true});
  ASSERT_NE(frozen, nullptr);
  head.DropFrozen(frozen.get());
  frozen.reset();
  // Only the chunk new spans go to is left (this head keeps no freed chunks).
  EXPECT_LT(head.stats().memory_bytes, (2u << 20) + 64 * 1024);
  EXPECT_EQ(head.stats().live_spans, 0u);
}

// The byte ranges of the chunks a frozen set's spans sit in.
std::set<std::pair<const char*, const char*>> ChunkRangesOf(const FrozenTraces& frozen) {
  std::set<std::pair<const char*, const char*>> ranges;
  for (const auto& [id, trace] : frozen.traces) {
    for (const auto& chunk : trace.chunks) ranges.emplace(chunk->data(), chunk->data() + chunk->capacity());
  }
  return ranges;
}

// Maps inaccessible pages over each of `ranges` that is no longer mapped (a freed chunk the pool did
// not keep), so no fresh chunk can land at a freed chunk's address and pass for a reused one.
std::vector<std::pair<const char*, const char*>> ReserveUnmapped(
    const std::set<std::pair<const char*, const char*>>& ranges) {
  std::vector<std::pair<const char*, const char*>> reserved;
  for (const auto& [begin, end] : ranges) {
    const auto bytes = static_cast<std::size_t>(end - begin);
    void* at = mmap(const_cast<char*>(begin), bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (at == MAP_FAILED) continue;  // still mapped: the chunk taking spans or a pooled one
    if (at != begin) {               // a kernel that takes the flag as a hint
      munmap(at, bytes);
      continue;
    }
    reserved.emplace_back(begin, end);
  }
  return reserved;
}

constexpr std::size_t kChunk = 2 << 20;

// Adds `count` spans of about 300 encoded bytes each (7000 of them fill one chunk), in traces of 1000.
void AddSpans(WireHead& head, std::uint64_t first, std::uint64_t count) {
  std::vector<model::Span> spans;
  for (std::uint64_t i = first; i < first + count; ++i) spans.push_back(RichSpan(1 + i / 1000, i, 100));
  head.Add(BatchOf("a", spans), 1, 0);
}

void CutEverything(WireHead& head) {
  auto frozen = head.Freeze({.everything = true});
  ASSERT_NE(frozen, nullptr);
  head.DropFrozen(frozen.get());
}

// Chunks freed by a cut are kept, counted in the head's memory, and the spans that come next are
// copied into them: the next slice maps no new memory.
TEST(HeadTest, FreedChunksAreKeptCountedAndReusedByTheNextSlice) {
  WireHead head;
  AddSpans(head, 1, 20000);  // > 4 chunks encoded
  auto frozen = head.Freeze({.everything = true});
  ASSERT_NE(frozen, nullptr);
  const auto old_chunks = ChunkRangesOf(*frozen);
  ASSERT_GE(old_chunks.size(), 4u);
  const std::uint64_t mapped = head.stats().chunks_mapped;
  EXPECT_EQ(mapped, old_chunks.size());
  head.DropFrozen(frozen.get());
  frozen.reset();
  // Every freed chunk but the one still taking spans is pooled, and counted.
  const HeadStats dropped = head.stats();
  EXPECT_EQ(dropped.pooled_bytes, (old_chunks.size() - 1) * kChunk);
  EXPECT_GE(dropped.memory_bytes, dropped.pooled_bytes + kChunk);
  EXPECT_LT(dropped.memory_bytes, dropped.pooled_bytes + kChunk + 64 * 1024);
  EXPECT_TRUE(ReserveUnmapped(old_chunks).empty());  // none was unmapped

  AddSpans(head, 100001, 20000);
  auto refilled = head.Freeze({.everything = true});
  ASSERT_NE(refilled, nullptr);
  EXPECT_EQ(head.stats().chunks_mapped, mapped);
  EXPECT_EQ(ChunkRangesOf(*refilled), old_chunks);
}

// The chunks in use and the pooled ones together stay within the head's limit: a freed chunk past
// it is unmapped.
TEST(HeadTest, PooledChunksStayWithinTheHeadsMemoryLimit) {
  WireHead head(/*max_memory_bytes=*/3 * kChunk);
  AddSpans(head, 1, 35000);  // more chunks than the limit: the pool does not refuse spans
  ASSERT_GE(head.stats().chunks_mapped, 5u);
  CutEverything(head);
  const HeadStats dropped = head.stats();
  EXPECT_EQ(dropped.pooled_bytes, 2 * kChunk);  // with the chunk taking spans, 3
  EXPECT_EQ(dropped.in_use_bytes(), dropped.memory_bytes - dropped.pooled_bytes);
  EXPECT_LT(dropped.in_use_bytes(), kChunk + 64 * 1024);
}

// A head that stays smaller than it was gives the pooled memory back once its peak has left the
// last ChunkPool::kPeriods periods (one per freeze), down to what the recent peak needs.
TEST(HeadTest, ThePoolShrinksToWhatTheRecentPeriodsNeeded) {
  WireHead head;
  AddSpans(head, 1, 35000);  // several chunks
  const std::size_t peak_chunks = head.stats().chunks_mapped;
  ASSERT_GE(peak_chunks, 5u);
  // The peak is in the first period and the second (which begins before the cut frees its chunks).
  CutEverything(head);
  const std::size_t pooled_at_peak = (peak_chunks - 1) * kChunk;  // all but the chunk taking spans
  ASSERT_EQ(head.stats().pooled_bytes, pooled_at_peak);
  AddSpans(head, 100001, 10000);  // fewer chunks: the one taking spans and some pooled ones
  const std::size_t taken = pooled_at_peak - head.stats().pooled_bytes;
  ASSERT_GT(taken, 0u);
  ASSERT_LT(taken, pooled_at_peak);
  CutEverything(head);
  for (std::size_t period = 3; period < ChunkPool::kPeriods + 2; ++period) {
    EXPECT_EQ(head.Freeze({}), nullptr);  // nothing to cut: the period ends all the same
    ASSERT_EQ(head.stats().pooled_bytes, pooled_at_peak) << period;
  }
  EXPECT_EQ(head.Freeze({}), nullptr);  // the first peak has left the window, the smaller one stays
  EXPECT_EQ(head.stats().pooled_bytes, taken);
  const std::uint64_t mapped = head.stats().chunks_mapped;
  for (std::size_t period = 0; period < ChunkPool::kPeriods; ++period) EXPECT_EQ(head.Freeze({}), nullptr);
  EXPECT_EQ(head.stats().pooled_bytes, 0u);  // an idle head holds only the chunk taking spans
  EXPECT_LT(head.stats().memory_bytes, kChunk + 64 * 1024);
  EXPECT_EQ(head.stats().chunks_mapped, mapped);
}

// A span of IDs, name and times only (about 50 bytes encoded).
model::Span SmallSpan(std::uint64_t trace, std::uint64_t span) {
  model::Span out;
  out.trace_id = TraceIdOf(trace);
  out.span_id = SpanIdOf(span);
  out.name = "op";
  out.start_time_unix_nano = 100;
  out.end_time_unix_nano = 200;
  return out;
}

// The live-trace table (slots, arrival queue, index) counts its unused room in the head's memory, and
// gives it back once a quarter or less of it holds traces; the traces left keep their order.
TEST(HeadTest, TheLiveTraceTableCountsItsRoomAndShrinksWhenMostlyEmpty) {
  WireHead head(/*max_memory_bytes=*/0);
  std::vector<model::Span> spans;
  for (std::uint64_t trace = 1; trace <= 10000; ++trace) spans.push_back(SmallSpan(trace, 1));
  head.Add(BatchOf("a", spans), 1, 0);  // one chunk, held throughout
  const auto cut = [&](std::size_t max_spans) {
    auto frozen = head.Freeze({.everything = true, .max_spans = max_spans});
    ASSERT_NE(frozen, nullptr);
    head.DropFrozen(frozen.get());
  };
  cut(7000);
  const HeadStats most_cut = head.stats();
  ASSERT_EQ(most_cut.live_traces, 3000u);
  // A cut trace's own index goes, the table's room for it stays (and counts).
  EXPECT_GE(most_cut.memory_bytes, (2u << 20) + 10000 * sizeof(LiveSlot));

  cut(1000);  // a fifth of the slots hold traces now: the table is packed
  const HeadStats packed = head.stats();
  ASSERT_EQ(packed.live_traces, 2000u);
  EXPECT_LT(packed.memory_bytes, (2u << 20) + 6000 * sizeof(LiveSlot));

  for (std::uint64_t trace = 8001; trace <= 10000; ++trace) EXPECT_TRUE(head.Contains(TraceIdOf(trace))) << trace;
  head.Add(BatchOf("a", {SmallSpan(10001, 1), SmallSpan(9000, 2)}), 2, 0);
  auto rest = head.Freeze({.everything = true, .max_spans = 1000});  // still the oldest first
  ASSERT_NE(rest, nullptr);
  ASSERT_EQ(rest->traces.size(), 1000u);
  EXPECT_EQ(rest->traces.begin()->id, TraceIdOf(8001));
  EXPECT_EQ(rest->span_count, 1001u);  // trace 9000's second span found its trace
  EXPECT_FALSE(rest->traces.contains(TraceIdOf(9001)));
  EXPECT_TRUE(head.Contains(TraceIdOf(10001)));
}

}  // namespace
}  // namespace hoptrace::store::engine
