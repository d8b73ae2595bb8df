#include "hoptrace/sdk/sampler.h"

#include <gtest/gtest.h>

#include <random>

namespace hoptrace::sdk {
namespace {

SamplingDecision Decide(const Sampler& sampler, const TraceId& trace_id, const SpanContext& parent = {}) {
  return sampler.ShouldSample(SamplingParameters{parent, trace_id, "op", model::SpanKind::kServer});
}

TraceId RandomTraceId(std::mt19937_64& random) { return TraceId::FromHighLow(random(), random()); }

TEST(SamplerTest, AlwaysOnAndOff) {
  const TraceId id = TraceId::FromHighLow(1, 2);
  EXPECT_EQ(Decide(*AlwaysOnSampler(), id), SamplingDecision::kRecordAndSample);
  EXPECT_EQ(Decide(*AlwaysOffSampler(), id), SamplingDecision::kDrop);
}

TEST(SamplerTest, RatioUsesTheLow56BitsOfTheTraceId) {
  auto half = TraceIdRatioBasedSampler(0.5);
  // Threshold for 0.5 is 2^55: randomness at or above it is sampled; the top 9 bytes do not matter.
  EXPECT_EQ(Decide(*half, TraceId::FromHighLow(~0ULL, 0x0080000000000000ULL)), SamplingDecision::kRecordAndSample);
  EXPECT_EQ(Decide(*half, TraceId::FromHighLow(~0ULL, 0x007fffffffffffffULL)), SamplingDecision::kDrop);
  EXPECT_EQ(Decide(*half, TraceId::FromHighLow(0, 0xff80000000000000ULL)), SamplingDecision::kRecordAndSample);
  EXPECT_EQ(Decide(*TraceIdRatioBasedSampler(0.0), TraceId::FromHighLow(0, ~0ULL)), SamplingDecision::kDrop);
  EXPECT_EQ(Decide(*TraceIdRatioBasedSampler(1.0), TraceId::FromHighLow(0, 1)), SamplingDecision::kRecordAndSample);
}

TEST(SamplerTest, RatioIsDeterministicAndMonotonic) {
  std::mt19937_64 random(42);
  auto low = TraceIdRatioBasedSampler(0.1);
  auto low_again = TraceIdRatioBasedSampler(0.1);
  auto high = TraceIdRatioBasedSampler(0.3);
  for (int i = 0; i < 10000; ++i) {
    const TraceId id = RandomTraceId(random);
    const auto decision = Decide(*low, id);
    EXPECT_EQ(decision, Decide(*low_again, id));  // every service agrees
    if (decision == SamplingDecision::kRecordAndSample) {
      EXPECT_EQ(Decide(*high, id), SamplingDecision::kRecordAndSample);
    }
  }
}

TEST(SamplerTest, RatioObservedRateWithinTolerance) {
  std::mt19937_64 random(7);
  for (double ratio : {0.01, 0.25, 0.5, 0.9}) {
    auto sampler = TraceIdRatioBasedSampler(ratio);
    constexpr int kIds = 1'000'000;
    int sampled = 0;
    for (int i = 0; i < kIds; ++i) sampled += Decide(*sampler, RandomTraceId(random)) == SamplingDecision::kRecordAndSample;
    const double observed = static_cast<double>(sampled) / kIds;
    // Binomial standard deviation at 1e6 draws is at most 0.0005; allow 5 of them.
    EXPECT_NEAR(observed, ratio, 0.0025) << "ratio " << ratio;
  }
}

TEST(SamplerTest, ParentBasedFollowsTheParent) {
  auto sampler = ParentBasedSampler(AlwaysOffSampler());
  const TraceId id = TraceId::FromHighLow(1, 2);
  const SpanId parent_id = SpanId::FromHighLow(0, 3);
  EXPECT_EQ(Decide(*sampler, id), SamplingDecision::kDrop);  // root: uses the root sampler
  EXPECT_EQ(Decide(*sampler, id, SpanContext(id, parent_id, 1, true)), SamplingDecision::kRecordAndSample);
  EXPECT_EQ(Decide(*sampler, id, SpanContext(id, parent_id, 0, true)), SamplingDecision::kDrop);
  EXPECT_EQ(Decide(*sampler, id, SpanContext(id, parent_id, 1, false)), SamplingDecision::kRecordAndSample);
  EXPECT_EQ(Decide(*ParentBasedSampler(AlwaysOnSampler()), id), SamplingDecision::kRecordAndSample);
  EXPECT_NE(sampler->Description().find("ParentBased{root:AlwaysOffSampler"), std::string::npos);
}

}  // namespace
}  // namespace hoptrace::sdk
