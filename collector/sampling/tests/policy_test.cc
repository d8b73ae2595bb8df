// Each policy through a real sampler: traces in as OTLP bytes, decisions out as requests downstream.
#include <gtest/gtest.h>

#include "policy.h"
#include "sampler_fixture.h"

namespace hoptrace::collector::sampling::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

model::Span WithAttribute(model::Span span, std::string_view key, const model::AttributeValueView& value) {
  model::SetAttribute(span.attributes, key, value);
  return span;
}

model::Span WithStatus(model::Span span, model::StatusCode code) {
  span.status.code = code;
  return span;
}

class PolicyTest : public SamplerTest {};

TEST_F(PolicyTest, AlwaysSampleKeepsWholeTraces) {
  Make("policies: [{name: all, type: always_sample}]");
  Feed(*sampler_, BatchBuilder().Add(MakeSpan(1, 1, 0)).Add(MakeSpan(1, 2, 1)).Add(MakeSpan(2, 3, 0)).Build());
  DecideAll();
  EXPECT_EQ(sink_.SpansOf(TraceIdOf(1)), 2u);
  EXPECT_EQ(sink_.SpansOf(TraceIdOf(2)), 1u);
  EXPECT_EQ(Counter("hoptrace_tail_sampling_policy_decisions_total", {{"policy", "all"}, {"decision", "sampled"}}), 2u);
}

TEST_F(PolicyTest, LatencyUsesEarliestStartToLatestEnd) {
  Make("policies: [{name: slow, type: latency, latency: {threshold_ms: 100}}]");
  model::Span child = MakeSpan(1, 2, 1, 60);
  child.start_time_unix_nano += 50'000'000;  // trace spans 0..110 ms, no single span that long
  child.end_time_unix_nano += 50'000'000;
  Feed(*sampler_, BatchBuilder().Add(MakeSpan(1, 1, 0, 60)).Add(child).Add(MakeSpan(2, 3, 0, 99)).Build());
  DecideAll();
  EXPECT_TRUE(Kept(1));
  EXPECT_FALSE(Kept(2));
}

TEST_F(PolicyTest, LatencyUpperBoundIsExclusiveBelowInclusiveAbove) {
  Make("policies: [{name: band, type: latency, latency: {threshold_ms: 100, upper_threshold_ms: 200}}]");
  Feed(*sampler_, BatchBuilder()
                      .Add(MakeSpan(1, 1, 0, 100))
                      .Add(MakeSpan(2, 2, 0, 150))
                      .Add(MakeSpan(3, 3, 0, 200))
                      .Add(MakeSpan(4, 4, 0, 201))
                      .Build());
  DecideAll();
  EXPECT_FALSE(Kept(1));
  EXPECT_TRUE(Kept(2));
  EXPECT_TRUE(Kept(3));
  EXPECT_FALSE(Kept(4));
}

TEST_F(PolicyTest, StatusCodeMatchesAnySpan) {
  Make("policies: [{name: errors, type: status_code, status_code: {status_codes: [ERROR]}}]");
  Feed(*sampler_, BatchBuilder()
                      .Add(MakeSpan(1, 1, 0))
                      .Add(WithStatus(MakeSpan(1, 2, 1), model::StatusCode::kError))
                      .Add(WithStatus(MakeSpan(2, 3, 0), model::StatusCode::kOk))
                      .Build());
  DecideAll();
  EXPECT_EQ(sink_.SpansOf(TraceIdOf(1)), 2u);
  EXPECT_FALSE(Kept(2));
}

TEST_F(PolicyTest, StringAttributeExactOnSpanOrResource) {
  Make("policies: [{name: s, type: string_attribute, string_attribute: {key: tenant, values: [gold, platinum]}}]");
  Feed(*sampler_, BatchBuilder().Add(WithAttribute(MakeSpan(1, 1, 0), "tenant", std::string_view("gold"))).Build());
  Feed(*sampler_, BatchBuilder().Add(WithAttribute(MakeSpan(2, 2, 0), "tenant", std::string_view("golden"))).Build());
  model::Attributes resource;
  model::SetAttribute(resource, "tenant", std::string_view("platinum"));
  Feed(*sampler_, BatchBuilder("billing", resource).Add(MakeSpan(3, 3, 0)).Build());
  // A non-string value never matches.
  Feed(*sampler_, BatchBuilder().Add(WithAttribute(MakeSpan(4, 4, 0), "tenant", std::int64_t(7))).Build());
  DecideAll();
  EXPECT_TRUE(Kept(1));
  EXPECT_FALSE(Kept(2));
  EXPECT_TRUE(Kept(3));
  EXPECT_FALSE(Kept(4));
}

TEST_F(PolicyTest, StringAttributeRegexMatchesAnywhereInTheValue) {
  Make(R"(policies: [{name: r, type: string_attribute,
         string_attribute: {key: http.route, values: ['^/api/v[0-9]+/orders', 'admin'], enabled_regex_matching: true,
                            cache_max_size: 4}}])");
  const char* routes[] = {"/api/v2/orders/17", "/api/orders", "/internal/admin/x", "/health"};
  for (std::uint64_t i = 0; i < 4; ++i) {
    // Twice each: the second evaluation comes from the cache and must agree.
    for (std::uint64_t copy = 0; copy < 2; ++copy) {
      const std::uint64_t trace = 1 + i + 10 * copy;
      Feed(*sampler_, BatchBuilder().Add(WithAttribute(MakeSpan(trace, trace, 0), "http.route", std::string_view(routes[i]))).Build());
    }
  }
  DecideAll();
  for (std::uint64_t copy = 0; copy < 2; ++copy) {
    EXPECT_TRUE(Kept(1 + 10 * copy));
    EXPECT_FALSE(Kept(2 + 10 * copy));
    EXPECT_TRUE(Kept(3 + 10 * copy));
    EXPECT_FALSE(Kept(4 + 10 * copy));
  }
}

// OTel: at the top level an inverted match is a veto ("inverted not sample") that even
// always_sample cannot override; without a match the inverted policy samples.
TEST_F(PolicyTest, InvertMatchAtTopLevelVetoes) {
  Make(R"(policies:
  - {name: not-health, type: string_attribute, string_attribute: {key: http.route, values: [/health], invert_match: true}}
  - {name: all, type: always_sample})");
  Feed(*sampler_, BatchBuilder()
                      .Add(WithAttribute(MakeSpan(1, 1, 0), "http.route", std::string_view("/health")))
                      .Add(WithAttribute(MakeSpan(2, 2, 0), "http.route", std::string_view("/orders")))
                      .Add(MakeSpan(3, 3, 0))
                      .Build());
  DecideAll();
  EXPECT_FALSE(Kept(1));
  EXPECT_TRUE(Kept(2));
  EXPECT_TRUE(Kept(3));
}

// ... and an "inverted sample" alone keeps a trace only when no other policy said "not sampled".
TEST_F(PolicyTest, InvertedSampleYieldsToANotSampled) {
  Make(R"(policies:
  - {name: not-health, type: string_attribute, string_attribute: {key: http.route, values: [/health], invert_match: true}}
  - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}})");
  Feed(*sampler_, BatchBuilder().Add(MakeSpan(1, 1, 0)).Add(WithStatus(MakeSpan(2, 2, 0), model::StatusCode::kError)).Build());
  DecideAll();
  EXPECT_FALSE(Kept(1));
  EXPECT_TRUE(Kept(2));
}

TEST_F(PolicyTest, NumericAttributeRangeAndInvertInsideAnd) {
  Make(R"(policies:
  - {name: big, type: numeric_attribute, numeric_attribute: {key: http.response_content_length, min_value: 1000}}
  - name: mid-not-500
    type: and
    and:
      and_sub_policy:
        - {name: mid, type: numeric_attribute, numeric_attribute: {key: retries, min_value: 2, max_value: 5}}
        - {name: not-500, type: numeric_attribute, numeric_attribute: {key: http.status_code, min_value: 500, max_value: 599, invert_match: true}})");
  Feed(*sampler_, BatchBuilder()
                      .Add(WithAttribute(MakeSpan(1, 1, 0), "http.response_content_length", std::int64_t(4096)))
                      .Add(WithAttribute(MakeSpan(2, 2, 0), "http.response_content_length", std::int64_t(999)))
                      .Add(WithAttribute(MakeSpan(3, 3, 0), "retries", std::int64_t(3)))
                      .Add(WithAttribute(WithAttribute(MakeSpan(4, 4, 0), "retries", std::int64_t(3)), "http.status_code", std::int64_t(503)))
                      .Add(WithAttribute(MakeSpan(5, 5, 0), "retries", std::int64_t(6)))
                      .Add(WithAttribute(MakeSpan(6, 6, 0), "http.response_content_length", 2048.5))
                      .Build());
  DecideAll();
  EXPECT_TRUE(Kept(1));
  EXPECT_FALSE(Kept(2));
  EXPECT_TRUE(Kept(3));   // inside `and` the inverted policy is a plain "sampled" when nothing matches
  EXPECT_FALSE(Kept(4));  // ... and a plain "not sampled" when something does
  EXPECT_FALSE(Kept(5));
  EXPECT_TRUE(Kept(6));   // doubles compare as numbers
}

TEST_F(PolicyTest, BooleanAttribute) {
  Make("policies: [{name: b, type: boolean_attribute, boolean_attribute: {key: app.force_sample, value: true}}]");
  Feed(*sampler_, BatchBuilder()
                      .Add(WithAttribute(MakeSpan(1, 1, 0), "app.force_sample", true))
                      .Add(WithAttribute(MakeSpan(2, 2, 0), "app.force_sample", false))
                      .Add(WithAttribute(MakeSpan(3, 3, 0), "app.force_sample", std::string_view("true")))
                      .Build());
  DecideAll();
  EXPECT_TRUE(Kept(1));
  EXPECT_FALSE(Kept(2));
  EXPECT_FALSE(Kept(3));
}

TEST(ProbabilisticHash, IsOtelsFnv1aOverSaltThenTraceId) {
  // FNV-1a 64 of the bytes "s" then 16 zero bytes except the last = 1, computed by hand-rolled loop.
  std::uint64_t expected = 14695981039346656037ULL;
  const std::string bytes = std::string("s") + std::string(15, '\0') + std::string(1, '\1');
  for (const char c : bytes) {
    expected ^= static_cast<std::uint8_t>(c);
    expected *= 1099511628211ULL;
  }
  EXPECT_EQ(ProbabilisticHash("s", model::TraceId::FromHighLow(0, 1)), expected);
  EXPECT_EQ(ProbabilisticThreshold(100), UINT64_MAX);
  EXPECT_EQ(ProbabilisticThreshold(0), 0u);
  EXPECT_NEAR(static_cast<double>(ProbabilisticThreshold(25)), 0.25 * 18446744073709551615.0, 1e4);
}

TEST_F(PolicyTest, ProbabilisticSharesAndReplicasAgree) {
  const std::string yaml = "policies: [{name: p, type: probabilistic, probabilistic: {sampling_percentage: 20, hash_salt: s1}}]";
  Make(yaml);
  metrics::Registry other_registry;
  RecordingSink other_sink;
  TailSamplingConfig config = config_;
  TailSampler replica(config, other_sink, other_registry, clock_);
  constexpr std::uint64_t kTraces = 4000;
  for (std::uint64_t t = 1; t <= kTraces; ++t) {
    const model::TraceBatch batch = BatchBuilder().Add(MakeSpan(t, t, 0)).Build();
    Feed(*sampler_, batch);
    Feed(replica, batch);
  }
  DecideAll();
  replica.DecideDue();
  const double share = static_cast<double>(sink_.traces().size()) / kTraces;
  EXPECT_NEAR(share, 0.20, 0.03);
  EXPECT_EQ(sink_.traces(), other_sink.traces());
}

TEST_F(PolicyTest, RateLimitingIsATokenBucketOverSimulatedSeconds) {
  // 10 spans/s, burst 20 (the default, twice the rate), starting full; traces of 5 spans decided
  // 1 s after their root arrived.
  Make("idle_after_root: 1s\npolicies: [{name: rl, type: rate_limiting, rate_limiting: {spans_per_second: 10}}]");
  const auto feed_and_decide_after = [&](std::uint64_t first, seconds wait) {
    for (std::uint64_t t = first; t < first + 10; ++t) {
      BatchBuilder batch;
      for (std::uint64_t s = 0; s < 5; ++s) batch.Add(MakeSpan(t, t * 10 + s + 1, s == 0 ? 0 : t * 10 + 1));
      Feed(*sampler_, batch.Build());
    }
    clock_.Advance(wait);
    sampler_->DecideDue();
    return sink_.traces().size();
  };
  EXPECT_EQ(feed_and_decide_after(100, seconds(1)), 4u);   // the full bucket: 20 spans
  EXPECT_EQ(feed_and_decide_after(200, seconds(1)), 6u);   // one second refills 10 spans: 2 traces
  EXPECT_EQ(feed_and_decide_after(300, seconds(5)), 10u);  // five seconds refill up to the burst only
  EXPECT_EQ(Counter("hoptrace_tail_sampling_policy_decisions_total", {{"policy", "rl"}, {"decision", "not_sampled"}}), 20u);
}

TEST_F(PolicyTest, SpanCountBounds) {
  Make("policies: [{name: sc, type: span_count, span_count: {min_spans: 2, max_spans: 3}}]");
  for (std::uint64_t t = 1; t <= 4; ++t) {
    BatchBuilder batch;
    for (std::uint64_t s = 0; s < t; ++s) batch.Add(MakeSpan(t, t * 10 + s + 1, s == 0 ? 0 : t * 10 + 1));
    Feed(*sampler_, batch.Build());
  }
  DecideAll();
  EXPECT_FALSE(Kept(1));
  EXPECT_TRUE(Kept(2));
  EXPECT_TRUE(Kept(3));
  EXPECT_FALSE(Kept(4));
}

TEST_F(PolicyTest, TraceStateKeyValues) {
  Make("policies: [{name: ts, type: trace_state, trace_state: {key: vendor, values: [keep, audit]}}]");
  model::Span a = MakeSpan(1, 1, 0), b = MakeSpan(2, 2, 0), c = MakeSpan(3, 3, 0);
  a.trace_state = "other=1, vendor=audit";
  b.trace_state = "vendor=drop";
  c.trace_state = "vendorx=keep";
  Feed(*sampler_, BatchBuilder().Add(a).Add(b).Add(c).Build());
  DecideAll();
  EXPECT_TRUE(Kept(1));
  EXPECT_FALSE(Kept(2));
  EXPECT_FALSE(Kept(3));
}

TEST_F(PolicyTest, DropWinsOverEverySampler) {
  Make(R"(policies:
  - {name: all, type: always_sample}
  - name: no-health
    type: drop
    drop:
      drop_sub_policy:
        - {name: health, type: string_attribute, string_attribute: {key: http.route, values: ['^/health'], enabled_regex_matching: true}}
        - {name: fast, type: latency, latency: {threshold_ms: 0, upper_threshold_ms: 50}})");
  Feed(*sampler_, BatchBuilder()
                      .Add(WithAttribute(MakeSpan(1, 1, 0, 10), "http.route", std::string_view("/healthz")))
                      .Add(WithAttribute(MakeSpan(2, 2, 0, 500), "http.route", std::string_view("/healthz")))
                      .Add(WithAttribute(MakeSpan(3, 3, 0, 10), "http.route", std::string_view("/orders")))
                      .Build());
  DecideAll();
  EXPECT_FALSE(Kept(1));  // both drop sub-policies match
  EXPECT_TRUE(Kept(2));   // slow: the drop policy does not match as a whole
  EXPECT_TRUE(Kept(3));
  EXPECT_EQ(Counter("hoptrace_tail_sampling_policy_decisions_total", {{"policy", "no-health"}, {"decision", "dropped"}}), 1u);
}

TEST_F(PolicyTest, CompositeSharesTheRateInPolicyOrder) {
  // 100 spans/s: errors get 30 %, the rest (always_sample, no allocation) the remaining 70 %.
  Make(R"(policies:
  - name: c
    type: composite
    composite:
      max_total_spans_per_second: 100
      policy_order: [errors, everything]
      composite_sub_policy:
        - {name: everything, type: always_sample}
        - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}
      rate_allocation:
        - {policy: errors, percent: 30})");
  for (std::uint64_t t = 1; t <= 200; ++t) {
    model::Span span = MakeSpan(t, t, 0);
    if (t <= 100) span.status.code = model::StatusCode::kError;
    Feed(*sampler_, BatchBuilder().Add(span).Build());
  }
  DecideAll();  // all 200 one-span traces are decided within the same simulated second
  std::size_t errors_kept = 0, others_kept = 0;
  for (std::uint64_t t = 1; t <= 200; ++t) (t <= 100 ? errors_kept : others_kept) += Kept(t) ? 1 : 0;
  EXPECT_EQ(errors_kept, 30u);  // errors are evaluated first and stop at their share
  EXPECT_EQ(others_kept, 70u);
  // The next second has a fresh budget.
  for (std::uint64_t t = 1001; t <= 1050; ++t) Feed(*sampler_, BatchBuilder().Add(MakeSpan(t, t, 0)).Build());
  DecideAll();
  EXPECT_EQ(sink_.traces().size(), 150u);
}

TEST(TraceStateRule, ParsesW3cListMembers) {
  const TraceStateRule rule{"k", {"v"}};
  EXPECT_TRUE(rule.Matches("k=v"));
  EXPECT_TRUE(rule.Matches("a=b,\tk=v "));
  EXPECT_FALSE(rule.Matches("k=vv"));
  EXPECT_FALSE(rule.Matches("kk=v"));
  EXPECT_FALSE(rule.Matches(""));
}

}  // namespace
}  // namespace hoptrace::collector::sampling::testing
