// Decision timing, late spans, head sampling, limits and memory, on simulated time.
#include <gtest/gtest.h>

#include <thread>

#include "sampler_fixture.h"

namespace hoptrace::collector::sampling::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kKeepAll = "policies: [{name: all, type: always_sample}]\n";

class TailSamplerTest : public SamplerTest {};

model::Span WithPadding(model::Span span, const std::string& padding) {
  model::SetAttribute(span.attributes, "padding", std::string_view(padding));
  return span;
}

TEST_F(TailSamplerTest, DecidesDecisionWaitAfterTheFirstSpan) {
  Make(std::string("decision_wait: 10s\n") + kKeepAll);
  Feed(*sampler_, BatchBuilder().Add(MakeSpan(1, 2, 1)).Build());  // no root: only decision_wait applies
  clock_.Advance(seconds(6));
  Feed(*sampler_, BatchBuilder().Add(MakeSpan(1, 3, 1)).Build());
  sampler_->DecideDue();
  clock_.Advance(milliseconds(3999));
  sampler_->DecideDue();
  EXPECT_EQ(sink_.span_count(), 0u);
  EXPECT_EQ(sampler_->Stats().buffered_spans, 2u);
  clock_.Advance(milliseconds(1));  // 10 s after the first span, whatever arrived since
  sampler_->DecideDue();
  EXPECT_EQ(sink_.SpansOf(TraceIdOf(1)), 2u);
  EXPECT_EQ(sampler_->Stats().buffered_traces, 0u);
  const auto& latency = registry_.GetHistogram("hoptrace_tail_sampling_decision_latency_seconds", "");
  EXPECT_EQ(latency.count(), 1u);
  EXPECT_DOUBLE_EQ(latency.sum(), 10.0);
}

TEST_F(TailSamplerTest, OneDownstreamWritePerTickAcrossShards) {
  Make(std::string("shards: 4\n") + kKeepAll);
  BatchBuilder batch;
  for (std::uint64_t t = 1; t <= 40; ++t) batch.Add(MakeSpan(t, t, 0));
  Feed(*sampler_, batch.Build());
  DecideAll();
  EXPECT_EQ(sink_.traces().size(), 40u);
  EXPECT_EQ(sink_.requests(), 1u);
}

TEST_F(TailSamplerTest, DecidesEarlyOnceTheRootEndedAndTheTraceWentIdle) {
  Make(std::string("decision_wait: 30s\nidle_after_root: 2s\n") + kKeepAll);
  Feed(*sampler_, BatchBuilder().Add(MakeSpan(1, 2, 1)).Add(MakeSpan(2, 5, 4)).Build());
  clock_.Advance(seconds(1));
  Feed(*sampler_, BatchBuilder().Add(MakeSpan(1, 1, 0)).Build());  // trace 1's root
  clock_.Advance(milliseconds(1500));
  Feed(*sampler_, BatchBuilder().Add(MakeSpan(1, 3, 1)).Build());  // still busy: the idle clock restarts
  clock_.Advance(milliseconds(1999));
  sampler_->DecideDue();
  EXPECT_FALSE(Kept(1));
  clock_.Advance(milliseconds(1));
  sampler_->DecideDue();
  EXPECT_EQ(sink_.SpansOf(TraceIdOf(1)), 3u);
  EXPECT_FALSE(Kept(2));  // no root: waits the full 30 s
  clock_.Advance(seconds(30));
  sampler_->DecideDue();
  EXPECT_TRUE(Kept(2));
}

TEST_F(TailSamplerTest, LateSpansFollowTheDecision) {
  Make("policies: [{name: errors, type: status_code, status_code: {status_codes: [ERROR]}}]");
  model::Span error_root = MakeSpan(1, 1, 0);
  error_root.status.code = model::StatusCode::kError;
  Feed(*sampler_, BatchBuilder().Add(error_root).Add(MakeSpan(2, 2, 0)).Build());
  DecideAll();
  ASSERT_EQ(sink_.SpansOf(TraceIdOf(1)), 1u);
  const std::size_t requests = sink_.requests();
  // Late spans: the kept trace's goes downstream at once, the other's is dropped.
  Feed(*sampler_, BatchBuilder().Add(MakeSpan(1, 7, 1)).Add(MakeSpan(2, 8, 2)).Build());
  EXPECT_EQ(sink_.SpansOf(TraceIdOf(1)), 2u);
  EXPECT_EQ(sink_.requests(), requests + 1);
  EXPECT_FALSE(Kept(2));
  EXPECT_EQ(sampler_->Stats().buffered_spans, 0u);
  EXPECT_EQ(Counter("hoptrace_tail_sampling_late_spans_total", {{"decision", "kept"}}), 1u);
  EXPECT_EQ(Counter("hoptrace_tail_sampling_late_spans_total", {{"decision", "not_kept"}}), 1u);
}

TEST_F(TailSamplerTest, DownstreamErrorsReachTheSenderOnlyForPureLateRequests) {
  Make(kKeepAll);
  Feed(*sampler_, BatchBuilder().Add(MakeSpan(1, 1, 0)).Build());
  DecideAll();
  sink_.FailWith(store::Status::Code::kUnavailable);
  const ScannedBatch late = Scan(BatchBuilder().Add(MakeSpan(1, 2, 1)).Build());
  EXPECT_EQ(sampler_->Consume(OtlpSpans{late.bytes, late.scan, true}).code(), store::Status::Code::kUnavailable);
  const ScannedBatch mixed = Scan(BatchBuilder().Add(MakeSpan(1, 3, 1)).Add(MakeSpan(5, 5, 0)).Build());
  EXPECT_TRUE(sampler_->Consume(OtlpSpans{mixed.bytes, mixed.scan, true}).ok());  // a retry would buffer trace 5 twice
  EXPECT_EQ(Counter("hoptrace_tail_sampling_downstream_errors_total"), 2u);
  // The pure late request went back to its sender; the mixed one's late span waits for a retry.
  EXPECT_EQ(Counter("hoptrace_tail_sampling_spans_dropped_total", {{"reason", "downstream_error"}}), 1u);
  sink_.FailWith(store::Status::Code::kOk);
  sampler_->DecideDue();
  EXPECT_EQ(sink_.SpansOf(TraceIdOf(1)), 2u);
}

TEST_F(TailSamplerTest, KeptTracesRefusedDownstreamAreRetriedEachTick) {
  Make(std::string("max_retry_bytes: 1000\n") + kKeepAll);
  sink_.FailWith(store::Status::Code::kUnavailable);
  Feed(*sampler_, BatchBuilder().Add(MakeSpan(1, 1, 0)).Add(MakeSpan(1, 2, 1)).Build());
  DecideAll();
  EXPECT_EQ(sink_.span_count(), 0u);
  sampler_->DecideDue();  // still refused: held again
  sink_.FailWith(store::Status::Code::kOk);
  sampler_->DecideDue();
  EXPECT_EQ(sink_.SpansOf(TraceIdOf(1)), 2u);
  EXPECT_EQ(Counter("hoptrace_tail_sampling_spans_dropped_total", {{"reason", "downstream_error"}}), 0u);

  // Beyond max_retry_bytes, and for codes a retry cannot help, kept spans are dropped and counted.
  sink_.FailWith(store::Status::Code::kUnavailable);
  BatchBuilder big;
  for (std::uint64_t t = 10; t < 30; ++t) big.Add(MakeSpan(t, t, 0));
  Feed(*sampler_, big.Build());
  DecideAll();
  EXPECT_EQ(Counter("hoptrace_tail_sampling_spans_dropped_total", {{"reason", "downstream_error"}}), 20u);
  sink_.FailWith(store::Status::Code::kInvalidArgument);
  Feed(*sampler_, BatchBuilder().Add(MakeSpan(40, 40, 0)).Build());
  DecideAll();
  EXPECT_EQ(Counter("hoptrace_tail_sampling_spans_dropped_total", {{"reason", "downstream_error"}}), 21u);
}

TEST_F(TailSamplerTest, HeadSamplingFlagIsHonouredOnlyWhenTheProducerFilledIt) {
  Make(kKeepAll);
  model::Span unknown = MakeSpan(1, 1, 0), not_sampled = MakeSpan(2, 2, 0), not_sampled_remote = MakeSpan(3, 3, 0);
  unknown.flags = 0;                                       // older SDKs: flags not filled in
  not_sampled.flags = 0x02;                                // some trace flag set, sampled clear
  not_sampled_remote.flags = model::kSpanFlagHasIsRemote;  // the producer filled bits 8-9, sampled clear
  Feed(*sampler_, BatchBuilder().Add(unknown).Add(not_sampled).Add(not_sampled_remote).Build());
  DecideAll();
  EXPECT_TRUE(Kept(1));
  EXPECT_FALSE(Kept(2));
  EXPECT_FALSE(Kept(3));
  EXPECT_EQ(Counter("hoptrace_tail_sampling_spans_dropped_total", {{"reason", "head_unsampled"}}), 2u);
}

TEST_F(TailSamplerTest, KeepUnsampledSpansBuffersThemToo) {
  Make(std::string("keep_unsampled_spans: true\n") + kKeepAll);
  model::Span not_sampled = MakeSpan(2, 2, 0);
  not_sampled.flags = model::kSpanFlagHasIsRemote;
  Feed(*sampler_, BatchBuilder().Add(not_sampled).Build());
  DecideAll();
  EXPECT_TRUE(Kept(2));
}

TEST_F(TailSamplerTest, FullTraceTableDecidesTheOldestEarly) {
  Make(std::string("num_traces: 4\nshards: 1\n") + kKeepAll);
  for (std::uint64_t t = 1; t <= 6; ++t) {
    Feed(*sampler_, BatchBuilder().Add(MakeSpan(t, t, 0)).Build());
    clock_.Advance(milliseconds(10));
  }
  EXPECT_TRUE(Kept(1));
  EXPECT_TRUE(Kept(2));
  EXPECT_FALSE(Kept(3));
  EXPECT_EQ(sampler_->Stats().buffered_traces, 4u);
  EXPECT_EQ(Counter("hoptrace_tail_sampling_early_decisions_total", {{"limit", "num_traces"}}), 2u);
  // A late span of an early-decided trace follows its decision.
  Feed(*sampler_, BatchBuilder().Add(MakeSpan(1, 9, 1)).Build());
  EXPECT_EQ(sink_.SpansOf(TraceIdOf(1)), 2u);
}

TEST_F(TailSamplerTest, WhenFullDropDiscardsTheOldestAndRemembersIt) {
  Make(std::string("num_traces: 4\nshards: 1\nwhen_full: drop\n") + kKeepAll);
  for (std::uint64_t t = 1; t <= 6; ++t) Feed(*sampler_, BatchBuilder().Add(MakeSpan(t, t, 0)).Build());
  Feed(*sampler_, BatchBuilder().Add(MakeSpan(1, 9, 1)).Build());  // late: follows "dropped"
  DecideAll();
  EXPECT_FALSE(Kept(1));
  EXPECT_FALSE(Kept(2));
  EXPECT_EQ(sink_.traces().size(), 4u);
  EXPECT_EQ(Counter("hoptrace_tail_sampling_dropped_traces_total", {{"limit", "num_traces"}}), 2u);
  EXPECT_EQ(Counter("hoptrace_tail_sampling_spans_dropped_total", {{"reason", "evicted"}}), 2u);
}

// Fed ten times what fits, the sampler never holds more than max_buffered_bytes and every trace it
// keeps arrives whole.
TEST_F(TailSamplerTest, MemoryStaysUnderTheLimitWhenFedTenTimesItsCapacity) {
  constexpr std::size_t kLimit = 256 << 10;
  Make("max_buffered_bytes: " + std::to_string(kLimit) + "\nshards: 2\nnum_traces: 100000\n" + kKeepAll);
  std::size_t fed_bytes = 0, fed_spans = 0;
  std::uint64_t trace = 0;
  const std::string padding(300, 'x');
  while (fed_bytes < 10 * kLimit) {
    BatchBuilder batch;
    for (int i = 0; i < 20; ++i, ++trace) {
      for (std::uint64_t s = 1; s <= 4; ++s) {
        batch.Add(WithPadding(MakeSpan(trace + 1, trace * 8 + s, s == 1 ? 0 : trace * 8 + 1), padding));
      }
    }
    const ScannedBatch scanned = Scan(batch.Build());
    ASSERT_TRUE(sampler_->Consume(OtlpSpans{scanned.bytes, scanned.scan, true}).ok());
    fed_bytes += scanned.bytes.size();
    fed_spans += scanned.scan.spans.size();
    const TailSamplerStats stats = sampler_->Stats();
    ASSERT_LE(stats.memory_bytes, kLimit);
    clock_.Advance(milliseconds(1));
  }
  EXPECT_GT(Counter("hoptrace_tail_sampling_early_decisions_total", {{"limit", "max_buffered_bytes"}}), 0u);
  DecideAll();
  EXPECT_EQ(sink_.span_count(), fed_spans);  // all kept (always_sample), none lost to the limit
  for (std::uint64_t t = 1; t <= trace; t += 97) EXPECT_EQ(sink_.SpansOf(TraceIdOf(t)), 4u) << t;
}

// Every request from a different resource: interned origins count against the limit too and are
// swept once unreferenced.
TEST_F(TailSamplerTest, ManyDistinctResourcesStayUnderTheLimit) {
  constexpr std::size_t kLimit = 128 << 10;
  Make("max_buffered_bytes: " + std::to_string(kLimit) + "\nshards: 1\n" + kKeepAll);
  constexpr std::uint64_t kTraces = 3000;
  for (std::uint64_t t = 1; t <= kTraces; ++t) {
    model::Attributes resource;
    model::SetAttribute(resource, "host.name", std::string_view("host-" + std::to_string(t) + std::string(100, 'h')));
    Feed(*sampler_, BatchBuilder("svc-" + std::to_string(t), resource).Add(MakeSpan(t, t, 0)).Add(MakeSpan(t, t + 100000, t)).Build());
    ASSERT_LE(sampler_->Stats().memory_bytes, kLimit) << t;
  }
  DecideAll();
  EXPECT_EQ(sink_.span_count(), 2 * kTraces);
}

TEST_F(TailSamplerTest, ShutdownDecidesWhatIsBuffered) {
  Make(kKeepAll);
  Feed(*sampler_, BatchBuilder().Add(MakeSpan(1, 1, 0)).Build());
  sampler_->Shutdown();
  EXPECT_TRUE(Kept(1));
}

TEST_F(TailSamplerTest, ShutdownCanDropWhatIsBuffered) {
  Make(std::string("drop_pending_traces_on_shutdown: true\n") + kKeepAll);
  Feed(*sampler_, BatchBuilder().Add(MakeSpan(1, 1, 0)).Build());
  sampler_->Shutdown();
  EXPECT_FALSE(Kept(1));
}

TEST_F(TailSamplerTest, ManyReceiverThreadsAndATicker) {
  Make(std::string("decision_wait: 1s\nshards: 4\n") + kKeepAll);
  constexpr int kThreads = 4, kTraces = 300;
  std::vector<std::thread> threads;
  for (int thread = 0; thread < kThreads; ++thread) {
    threads.emplace_back([&, thread] {
      for (std::uint64_t t = 0; t < kTraces; ++t) {
        const std::uint64_t id = static_cast<std::uint64_t>(thread) * 100000 + t + 1;
        Feed(*sampler_, BatchBuilder().Add(MakeSpan(id, id * 4 + 1, 0)).Add(MakeSpan(id, id * 4 + 2, id * 4 + 1)).Build());
        if (t % 50 == 0) {
          clock_.Advance(milliseconds(400));
          sampler_->DecideDue();
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  DecideAll();
  EXPECT_EQ(sink_.span_count(), static_cast<std::size_t>(2 * kThreads * kTraces));
  EXPECT_EQ(sampler_->Stats().buffered_spans, 0u);
}

TEST_F(TailSamplerTest, ForgottenDecisionsAreCountedAndLateSpansStartOver) {
  Make(std::string("decision_cache_size: 1\nshards: 1\n") + kKeepAll);  // one remembered decision
  Feed(*sampler_, BatchBuilder().Add(MakeSpan(1, 1, 0)).Build());
  DecideAll();
  Feed(*sampler_, BatchBuilder().Add(MakeSpan(2, 2, 0)).Build());
  DecideAll();  // trace 2's decision replaces trace 1's
  EXPECT_EQ(Counter("hoptrace_tail_sampling_decision_cache_evictions_total"), 1u);
  Feed(*sampler_, BatchBuilder().Add(MakeSpan(1, 3, 1)).Build());
  EXPECT_EQ(sampler_->Stats().buffered_spans, 1u);  // not late any more: buffered as a new trace
  DecideAll();
  EXPECT_EQ(sink_.SpansOf(TraceIdOf(1)), 2u);
}

TEST_F(TailSamplerTest, SpansLargerThanAChunkAreDroppedAndCounted) {
  Make(std::string("shards: 1\nmax_buffered_bytes: 65536\n") + kKeepAll);  // 8 KiB chunks
  Feed(*sampler_, BatchBuilder().Add(WithPadding(MakeSpan(1, 1, 0), std::string(9000, 'x'))).Add(MakeSpan(2, 2, 0)).Build());
  DecideAll();
  EXPECT_FALSE(Kept(1));
  EXPECT_TRUE(Kept(2));
  EXPECT_EQ(Counter("hoptrace_tail_sampling_spans_dropped_total", {{"reason", "oversized"}}), 1u);
}

// Production wiring: a steady clock and the ticker thread, no DecideDue from the test.
TEST(TailSamplerTicker, DecidesOnItsOwn) {
  TailSamplingConfig config;
  std::string error;
  ASSERT_TRUE(ParseTailSamplingConfigText("decision_wait: 50ms\ntick: 10ms\nshards: 2\nmax_buffered_bytes: 1048576\n"
                                          "policies: [{name: all, type: always_sample}]", &config, &error)) << error;
  SteadyClock clock;
  metrics::Registry registry;
  RecordingSink sink;
  TailSampler sampler(config, sink, registry, clock);
  sampler.Start();
  Feed(sampler, BatchBuilder().Add(MakeSpan(1, 2, 1)).Build());
  const auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while (sink.span_count() == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(milliseconds(5));
  EXPECT_EQ(sink.span_count(), 1u);
  sampler.Shutdown();
}

TEST_F(TailSamplerTest, MetricsAreRendered) {
  Make(kKeepAll);
  Feed(*sampler_, BatchBuilder().Add(MakeSpan(1, 1, 0)).Build());
  const std::string text = registry_.Render();
  for (const char* name : {"hoptrace_tail_sampling_buffered_traces 1", "hoptrace_tail_sampling_buffered_spans 1",
                           "hoptrace_tail_sampling_buffered_bytes", "hoptrace_tail_sampling_decision_latency_seconds",
                           "hoptrace_tail_sampling_policy_decisions_total"}) {
    EXPECT_NE(text.find(name), std::string::npos) << name;
  }
}

}  // namespace
}  // namespace hoptrace::collector::sampling::testing
