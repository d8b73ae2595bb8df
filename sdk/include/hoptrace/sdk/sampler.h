#pragma once
// Head samplers, with OpenTelemetry's semantics.

#include <memory>
#include <string>
#include <string_view>

#include "hoptrace/model/span.h"
#include "hoptrace/sdk/span_context.h"

namespace hoptrace::sdk {

enum class SamplingDecision { kDrop, kRecordOnly, kRecordAndSample };

struct SamplingParameters {
  const SpanContext& parent;  // invalid for a root span
  const TraceId& trace_id;
  std::string_view name;
  model::SpanKind kind;
};

class Sampler {
 public:
  virtual ~Sampler() = default;
  virtual SamplingDecision ShouldSample(const SamplingParameters& parameters) const = 0;
  virtual std::string Description() const = 0;
};

std::shared_ptr<const Sampler> AlwaysOnSampler();
std::shared_ptr<const Sampler> AlwaysOffSampler();
// Samples `ratio` of traces, decided from the trace ID alone so every service agrees: the trace is
// sampled when the 56 least significant bits of the trace ID, as an unsigned number, are at least
// (1 - ratio) * 2^56 (the OpenTelemetry rule for TraceIdRatioBased with W3C random trace IDs).
std::shared_ptr<const Sampler> TraceIdRatioBasedSampler(double ratio);
// Follows the parent's sampled flag; uses `root` for spans without a parent.
struct ParentBasedOptions {
  std::shared_ptr<const Sampler> remote_parent_sampled = AlwaysOnSampler();
  std::shared_ptr<const Sampler> remote_parent_not_sampled = AlwaysOffSampler();
  std::shared_ptr<const Sampler> local_parent_sampled = AlwaysOnSampler();
  std::shared_ptr<const Sampler> local_parent_not_sampled = AlwaysOffSampler();
};
std::shared_ptr<const Sampler> ParentBasedSampler(std::shared_ptr<const Sampler> root,
                                                  ParentBasedOptions options = {});

}  // namespace hoptrace::sdk
