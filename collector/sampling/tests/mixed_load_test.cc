// The issue's end-to-end scenario at the library level, on simulated time: 1 % error traces, 2 % slow
// traces, the rest fast; each trace's children and its root in different requests seconds apart;
// policies probabilistic 5 % + latency 1 s + status_code ERROR; ten times the buffer's capacity fed
// over the run.
#include <gtest/gtest.h>

#include "sampler_fixture.h"

namespace hoptrace::collector::sampling::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

enum class Kind { kFast, kError, kSlow };

Kind KindOf(std::uint64_t trace) {
  if (trace % 100 == 7) return Kind::kError;
  if (trace % 50 == 3) return Kind::kSlow;
  return Kind::kFast;
}

model::Span Child(std::uint64_t trace, std::uint64_t n) {
  model::Span span = MakeSpan(trace, trace * 8 + 1 + n, trace * 8 + 1, 20);
  model::SetAttribute(span.attributes, "db.statement", std::string_view("SELECT id, price FROM products WHERE id = ?"));
  model::SetAttribute(span.attributes, "thread.id", std::int64_t(n));
  if (n == 2 && KindOf(trace) == Kind::kError) span.status.code = model::StatusCode::kError;
  return span;
}

model::Span Root(std::uint64_t trace) {
  return MakeSpan(trace, trace * 8 + 1, 0, KindOf(trace) == Kind::kSlow ? 1500 : 50);
}

class MixedLoadTest : public SamplerTest {};

TEST_F(MixedLoadTest, ErrorsAndSlowTracesWholeTheRestAtFivePercentWithinTheMemoryLimit) {
  constexpr std::size_t kLimit = 1 << 20;
  Make("decision_wait: 10s\nidle_after_root: 2s\nshards: 2\nnum_traces: 5000\nmax_buffered_bytes: " +
       std::to_string(kLimit) + R"(
policies:
  - {name: baseline, type: probabilistic, probabilistic: {sampling_percentage: 5}}
  - {name: slow, type: latency, latency: {threshold_ms: 1000}}
  - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}
)");
  constexpr std::uint64_t kTracesPerSecond = 100, kSeconds = 200, kRootDelaySeconds = 3;
  std::size_t fed_bytes = 0, peak_memory = 0;
  const auto feed = [&](const model::TraceBatch& batch) {
    const ScannedBatch scanned = Scan(batch);
    ASSERT_TRUE(sampler_->Consume(OtlpSpans{scanned.bytes, scanned.scan, true}).ok());
    fed_bytes += scanned.bytes.size();
    peak_memory = std::max(peak_memory, sampler_->Stats().memory_bytes);
  };
  for (std::uint64_t second = 0; second < kSeconds + kRootDelaySeconds; ++second) {
    // Ten requests a second: children of new traces, roots of the traces started 3 s ago.
    for (std::uint64_t tenth = 0; tenth < 10; ++tenth) {
      BatchBuilder batch;
      if (second < kSeconds) {
        for (std::uint64_t i = 0; i < kTracesPerSecond / 10; ++i) {
          const std::uint64_t trace = 1 + second * kTracesPerSecond + tenth * (kTracesPerSecond / 10) + i;
          for (std::uint64_t n = 1; n <= 3; ++n) batch.Add(Child(trace, n));
        }
      }
      if (second >= kRootDelaySeconds) {
        for (std::uint64_t i = 0; i < kTracesPerSecond / 10; ++i) {
          batch.Add(Root(1 + (second - kRootDelaySeconds) * kTracesPerSecond + tenth * (kTracesPerSecond / 10) + i));
        }
      }
      feed(batch.Build());
      clock_.Advance(milliseconds(100));
      sampler_->DecideDue();
    }
  }
  DecideAll();

  EXPECT_GE(fed_bytes, 10 * kLimit);
  EXPECT_LE(peak_memory, kLimit);
  EXPECT_EQ(Counter("hoptrace_tail_sampling_early_decisions_total", {{"limit", "max_buffered_bytes"}}), 0u);
  std::size_t fast = 0, fast_kept = 0;
  for (std::uint64_t trace = 1; trace <= kTracesPerSecond * kSeconds; ++trace) {
    const std::size_t spans = sink_.SpansOf(TraceIdOf(trace));
    if (KindOf(trace) != Kind::kFast) {
      ASSERT_EQ(spans, 4u) << "trace " << trace << " must be stored whole";
      continue;
    }
    ++fast;
    if (spans == 0) continue;
    ++fast_kept;
    ASSERT_EQ(spans, 4u) << "kept trace " << trace << " must be whole";
  }
  // 5 % of ~19,400 fast traces: 970 expected, standard deviation ~30; +-1 point is ~6 sigma.
  EXPECT_NEAR(static_cast<double>(fast_kept) / static_cast<double>(fast), 0.05, 0.01);
}

}  // namespace
}  // namespace hoptrace::collector::sampling::testing
