#pragma once
// The tail sampler (collector/sampling, issue #4) as a stage of `hoptrace serve`: turned on by the
// config file's `tail_sampling:` section, it sits between the receivers and the store.

#include <memory>
#include <string>
#include <string_view>

#include "hoptrace/collector/sampling/clock.h"
#include "hoptrace/collector/sampling/config.h"
#include "hoptrace/collector/sampling/tail_sampler.h"

namespace YAML {
class Node;
}

namespace hoptrace::cli {

// The key of the section in serve's YAML file.
inline constexpr std::string_view kTailSamplingKey = "tail_sampling";

// Parses the section, all or nothing. False with "line N: problem" and `out` untouched.
bool ParseTailSamplingSection(const YAML::Node& section,
                              std::shared_ptr<const collector::sampling::TailSamplingConfig>* out, std::string* error);

class TailSamplingStage {
 public:
  // The sampler over `store_sink`, its ticker running. Null with `error` when the sampler refuses
  // the settings (ParseTailSamplingSection has already checked everything it checks).
  static std::unique_ptr<TailSamplingStage> Start(const collector::sampling::TailSamplingConfig& config,
                                                  collector::SpanSink& store_sink, metrics::Registry& registry,
                                                  std::string* error);

  // What the receivers feed instead of the store.
  collector::SpanSink& sink() { return sampler_; }
  // Call after the receivers stopped and before the store closes: decides what is still buffered and
  // writes the kept traces. Idempotent.
  void Shutdown() { sampler_.Shutdown(); }
  // The startup line: "tail sampling on: policies a, b (decision_wait 10s, max_buffered_bytes N)".
  const std::string& Describe() const { return description_; }

 private:
  TailSamplingStage(const collector::sampling::TailSamplingConfig& config, collector::SpanSink& store_sink,
                    metrics::Registry& registry);

  collector::sampling::SteadyClock clock_;  // declared before the sampler, which uses it until destroyed
  collector::sampling::TailSampler sampler_;
  std::string description_;
};

}  // namespace hoptrace::cli
