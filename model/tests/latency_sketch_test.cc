// LatencySketch against exact nearest-rank quantiles of the same values.

#include "hoptrace/model/latency_sketch.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <vector>

namespace hoptrace::model {
namespace {

std::uint64_t ExactQuantile(std::vector<std::uint64_t> values, double fraction) {
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(values.size())));
  return values[std::clamp<std::size_t>(rank, 1, values.size()) - 1];
}

void ExpectWithinRelativeError(const LatencySketch& sketch, const std::vector<std::uint64_t>& values) {
  for (const double fraction : {0.0, 0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 1.0}) {
    const auto exact = static_cast<double>(ExactQuantile(values, fraction));
    const auto estimate = static_cast<double>(sketch.Quantile(fraction).value());
    EXPECT_LE(std::abs(estimate - exact), LatencySketch::kRelativeError * exact + 0.5) << "quantile " << fraction;
  }
}

// Log-normal durations around 20 ms with a long tail, as call latencies tend to be.
std::vector<std::uint64_t> Latencies(std::size_t count, unsigned seed) {
  std::mt19937_64 random(seed);
  std::lognormal_distribution<double> nanos(std::log(20e6), 1.5);
  std::vector<std::uint64_t> values(count);
  for (std::uint64_t& value : values) value = static_cast<std::uint64_t>(nanos(random));
  return values;
}

TEST(LatencySketchTest, EmptyHasNoQuantile) {
  EXPECT_FALSE(LatencySketch().Quantile(0.5).has_value());
}

TEST(LatencySketchTest, QuantilesWithinOnePercent) {
  const std::vector<std::uint64_t> values = Latencies(100'000, 7);
  LatencySketch sketch;
  for (const std::uint64_t value : values) sketch.Add(value);
  EXPECT_EQ(sketch.count(), values.size());
  ExpectWithinRelativeError(sketch, values);
}

TEST(LatencySketchTest, SmallestAndLargestAreExact) {
  LatencySketch sketch;
  for (const std::uint64_t value : std::initializer_list<std::uint64_t>{0, 3, 1'000'003, UINT64_MAX}) sketch.Add(value);
  EXPECT_EQ(sketch.Quantile(0.0), 0u);
  EXPECT_EQ(sketch.Quantile(0.5), 3u);
  EXPECT_EQ(sketch.Quantile(1.0), UINT64_MAX);
}

TEST(LatencySketchTest, MergedSketchAnswersForBothHalves) {
  const std::vector<std::uint64_t> first = Latencies(20'000, 1);
  std::vector<std::uint64_t> both = Latencies(5'000, 2);
  LatencySketch left;
  LatencySketch right;
  for (const std::uint64_t value : first) left.Add(value);
  for (const std::uint64_t value : both) right.Add(value);
  left.Merge(right);
  both.insert(both.end(), first.begin(), first.end());
  EXPECT_EQ(left.count(), both.size());
  ExpectWithinRelativeError(left, both);
}

TEST(LatencySketchTest, LogGammaIsTheOneBucketOfUses) {
  const double gamma = (1 + LatencySketch::kRelativeError) / (1 - LatencySketch::kRelativeError);
  EXPECT_EQ(LatencySketch::kLogGamma, std::log(gamma));
  EXPECT_EQ(LatencySketch::BucketOf(1), 0);
  EXPECT_EQ(LatencySketch::BucketOf(0), LatencySketch::kZeroBucket);
}

// A sketch fed bucket by bucket (as ClickHouse's GROUP BY hands them on) answers as one fed values.
TEST(LatencySketchTest, BucketsAddedWholeAnswerAsTheirValues) {
  std::vector<std::uint64_t> values = Latencies(10'000, 4);
  values.push_back(0);
  LatencySketch by_value;
  std::map<std::int32_t, std::vector<std::uint64_t>> by_bucket;
  for (const std::uint64_t value : values) {
    by_value.Add(value);
    by_bucket[LatencySketch::BucketOf(value)].push_back(value);
  }
  LatencySketch by_buckets;
  for (const auto& [bucket, in_bucket] : by_bucket) {
    const auto [min, max] = std::minmax_element(in_bucket.begin(), in_bucket.end());
    by_buckets.AddBucket(bucket, in_bucket.size(), *min, *max);
  }
  EXPECT_EQ(by_buckets.count(), by_value.count());
  EXPECT_EQ(by_buckets.bucket_count(), by_value.bucket_count());
  for (const double fraction : {0.0, 0.001, 0.5, 0.99, 1.0}) {
    EXPECT_EQ(by_buckets.Quantile(fraction), by_value.Quantile(fraction));
  }
}

TEST(LatencySketchTest, MemoryDependsOnTheSpreadNotTheCount) {
  // Every nanosecond value from 1 µs to 1 h falls in one of ~1,100 buckets, however many values come.
  LatencySketch sketch;
  std::mt19937_64 random(3);
  std::uniform_real_distribution<double> exponent(std::log(1e3), std::log(3.6e12));
  for (int i = 0; i < 1'000'000; ++i) sketch.Add(static_cast<std::uint64_t>(std::exp(exponent(random))));
  EXPECT_EQ(sketch.count(), 1'000'000u);
  EXPECT_LE(sketch.bucket_count(), 1'102u);
}

}  // namespace
}  // namespace hoptrace::model
