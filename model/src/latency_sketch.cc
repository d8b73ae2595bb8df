#include "hoptrace/model/latency_sketch.h"

#include <algorithm>
#include <cmath>

namespace hoptrace::model {
namespace {

constexpr double kGamma = (1 + LatencySketch::kRelativeError) / (1 - LatencySketch::kRelativeError);
// The value within kRelativeError of every value of (γ^(i-1), γ^i].
double Representative(std::int32_t bucket) { return 2 * std::pow(kGamma, bucket) / (kGamma + 1); }

}  // namespace

std::int32_t LatencySketch::BucketOf(std::uint64_t nanos) {
  if (nanos == 0) return kZeroBucket;
  return static_cast<std::int32_t>(std::ceil(std::log(static_cast<double>(nanos)) / kLogGamma));
}

void LatencySketch::Add(std::uint64_t nanos) { AddBucket(BucketOf(nanos), 1, nanos, nanos); }

void LatencySketch::AddBucket(std::int32_t bucket, std::uint64_t count, std::uint64_t min, std::uint64_t max) {
  if (bucket == kZeroBucket) {
    zeros_ += count;
  } else {
    buckets_[bucket] += count;
  }
  count_ += count;
  min_ = std::min(min_, min);
  max_ = std::max(max_, max);
}

void LatencySketch::Merge(const LatencySketch& other) {
  for (const auto& [bucket, values] : other.buckets_) buckets_[bucket] += values;
  zeros_ += other.zeros_;
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

std::optional<std::uint64_t> LatencySketch::Quantile(double fraction) const {
  if (count_ == 0) return std::nullopt;
  const auto rank = std::clamp<std::uint64_t>(
      static_cast<std::uint64_t>(std::ceil(std::clamp(fraction, 0.0, 1.0) * static_cast<double>(count_))), 1, count_);
  // The ends are known exactly.
  if (rank == 1) return min_;
  if (rank == count_) return max_;
  std::uint64_t seen = zeros_;
  if (rank <= seen) return 0;
  for (const auto& [bucket, values] : buckets_) {
    seen += values;
    if (rank <= seen) {
      // Compared as doubles first: the top buckets' midpoints lie beyond uint64.
      const double estimate = std::round(Representative(bucket));
      if (estimate >= static_cast<double>(max_)) return max_;
      return std::max(static_cast<std::uint64_t>(estimate), min_);
    }
  }
  return max_;  // unreachable: the buckets hold count_ - zeros_ values
}

}  // namespace hoptrace::model
