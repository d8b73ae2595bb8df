#include "hoptrace/sdk/sampler.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace hoptrace::sdk {
namespace {

class AlwaysOn final : public Sampler {
 public:
  SamplingDecision ShouldSample(const SamplingParameters&) const override {
    return SamplingDecision::kRecordAndSample;
  }
  std::string Description() const override { return "AlwaysOnSampler"; }
};

class AlwaysOff final : public Sampler {
 public:
  SamplingDecision ShouldSample(const SamplingParameters&) const override { return SamplingDecision::kDrop; }
  std::string Description() const override { return "AlwaysOffSampler"; }
};

constexpr std::uint64_t kRandomnessBits = 56;
constexpr std::uint64_t kRandomnessRange = std::uint64_t{1} << kRandomnessBits;

class TraceIdRatioBased final : public Sampler {
 public:
  explicit TraceIdRatioBased(double ratio) : ratio_(std::clamp(std::isnan(ratio) ? 0.0 : ratio, 0.0, 1.0)) {
    // Rejection threshold: trace IDs whose randomness is below it are dropped.
    const double rejected = (1.0 - ratio_) * static_cast<double>(kRandomnessRange);
    threshold_ = static_cast<std::uint64_t>(std::ceil(rejected));
    sample_none_ = ratio_ <= 0.0;
  }

  SamplingDecision ShouldSample(const SamplingParameters& parameters) const override {
    if (sample_none_) return SamplingDecision::kDrop;
    const std::uint64_t randomness = model::ReadBigEndian(parameters.trace_id.data() + 9, 7);
    return randomness >= threshold_ ? SamplingDecision::kRecordAndSample : SamplingDecision::kDrop;
  }

  std::string Description() const override { return "TraceIdRatioBased{" + std::to_string(ratio_) + "}"; }

 private:
  double ratio_;
  std::uint64_t threshold_ = 0;
  bool sample_none_ = false;
};

class ParentBased final : public Sampler {
 public:
  ParentBased(std::shared_ptr<const Sampler> root, ParentBasedOptions options)
      : root_(std::move(root)), options_(std::move(options)) {}

  SamplingDecision ShouldSample(const SamplingParameters& parameters) const override {
    const SpanContext& parent = parameters.parent;
    if (!parent.IsValid()) return root_->ShouldSample(parameters);
    const Sampler& delegate = parent.IsRemote()
                                  ? (parent.IsSampled() ? *options_.remote_parent_sampled
                                                        : *options_.remote_parent_not_sampled)
                                  : (parent.IsSampled() ? *options_.local_parent_sampled
                                                        : *options_.local_parent_not_sampled);
    return delegate.ShouldSample(parameters);
  }

  std::string Description() const override {
    return "ParentBased{root:" + root_->Description() +
           ",remoteParentSampled:" + options_.remote_parent_sampled->Description() +
           ",remoteParentNotSampled:" + options_.remote_parent_not_sampled->Description() +
           ",localParentSampled:" + options_.local_parent_sampled->Description() +
           ",localParentNotSampled:" + options_.local_parent_not_sampled->Description() + "}";
  }

 private:
  std::shared_ptr<const Sampler> root_;
  ParentBasedOptions options_;
};

}  // namespace

std::shared_ptr<const Sampler> AlwaysOnSampler() {
  static const auto sampler = std::make_shared<const AlwaysOn>();
  return sampler;
}

std::shared_ptr<const Sampler> AlwaysOffSampler() {
  static const auto sampler = std::make_shared<const AlwaysOff>();
  return sampler;
}

std::shared_ptr<const Sampler> TraceIdRatioBasedSampler(double ratio) {
  return std::make_shared<const TraceIdRatioBased>(ratio);
}

std::shared_ptr<const Sampler> ParentBasedSampler(std::shared_ptr<const Sampler> root,
                                                  ParentBasedOptions options) {
  return std::make_shared<const ParentBased>(std::move(root), std::move(options));
}

}  // namespace hoptrace::sdk
