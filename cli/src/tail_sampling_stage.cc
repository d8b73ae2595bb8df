#include "tail_sampling_stage.h"

#include <chrono>
#include <stdexcept>

namespace hoptrace::cli {
namespace {

namespace sampling = collector::sampling;

std::string DurationText(std::chrono::nanoseconds duration) {
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
  return millis % 1000 == 0 ? std::to_string(millis / 1000) + "s" : std::to_string(millis) + "ms";
}

}  // namespace

bool ParseTailSamplingSection(const YAML::Node& section, std::shared_ptr<const sampling::TailSamplingConfig>* out,
                              std::string* error) {
  auto config = std::make_shared<sampling::TailSamplingConfig>();
  if (!sampling::ParseTailSamplingConfig(section, config.get(), error)) return false;
  *out = std::move(config);
  return true;
}

std::unique_ptr<TailSamplingStage> TailSamplingStage::Start(const sampling::TailSamplingConfig& config,
                                                            collector::SpanSink& store_sink,
                                                            metrics::Registry& registry, std::string* error) {
  std::unique_ptr<TailSamplingStage> stage;
  try {
    stage.reset(new TailSamplingStage(config, store_sink, registry));
  } catch (const std::invalid_argument& refused) {
    *error = refused.what();
    return nullptr;
  }
  stage->sampler_.Start();
  return stage;
}

TailSamplingStage::TailSamplingStage(const sampling::TailSamplingConfig& config, collector::SpanSink& store_sink,
                                     metrics::Registry& registry)
    : sampler_(config, store_sink, registry, clock_) {
  std::string policies;
  for (const auto& policy : config.policies) policies += (policies.empty() ? "" : ", ") + policy.name;
  description_ = "tail sampling on: policies " + policies + " (decision_wait " + DurationText(config.decision_wait) +
                 ", max_buffered_bytes " + std::to_string(config.max_buffered_bytes) + ")";
}

}  // namespace hoptrace::cli
