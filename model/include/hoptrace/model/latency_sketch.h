#pragma once
// A bounded, mergeable summary of durations that answers quantiles within 1 % relative error, so the
// service graph can cover every call of a range without keeping the calls. Values are counted in
// logarithmic buckets — bucket i holds (γ^(i-1), γ^i] with γ = 1.01 / 0.99 — and a quantile is the
// midpoint (in relative terms) of the bucket its rank falls in (the DDSketch scheme). Memory depends
// on how far apart the values are, never on how many there are: at most ~2,200 buckets for the whole
// uint64 range, ~1,100 from 1 µs to 1 h.

#include <cstdint>
#include <map>
#include <optional>

namespace hoptrace::model {

class LatencySketch {
 public:
  static constexpr double kRelativeError = 0.01;
  // ln γ (the double nearest it): a backend that computes bucket indices itself (ClickHouse, in
  // SQL) uses this constant so that its indices are the ones BucketOf gives.
  static constexpr double kLogGamma = 0.020000666706669435;
  static constexpr std::int32_t kZeroBucket = INT32_MIN;  // where 0 goes: it has no logarithm

  static std::int32_t BucketOf(std::uint64_t nanos);

  void Add(std::uint64_t nanos);
  // Adds `count` values of bucket `bucket` (as BucketOf gives it), the smallest `min` and the largest
  // `max`: what a backend that sorts values into buckets itself hands on.
  void AddBucket(std::int32_t bucket, std::uint64_t count, std::uint64_t min, std::uint64_t max);
  // Afterwards this sketch answers as if it had seen both sketches' values.
  void Merge(const LatencySketch& other);

  std::uint64_t count() const { return count_; }
  std::size_t bucket_count() const { return buckets_.size(); }
  // The nearest-rank quantile (`fraction` in [0, 1]) within kRelativeError of the exact one, clamped
  // to the smallest and largest value seen, which the first and last rank answer exactly; nullopt
  // when empty.
  std::optional<std::uint64_t> Quantile(double fraction) const;

 private:
  std::map<std::int32_t, std::uint64_t> buckets_;  // bucket index -> values in it
  std::uint64_t zeros_ = 0;                         // 0 has no logarithm: counted apart, below bucket 0
  std::uint64_t count_ = 0;
  std::uint64_t min_ = UINT64_MAX;
  std::uint64_t max_ = 0;
};

}  // namespace hoptrace::model
