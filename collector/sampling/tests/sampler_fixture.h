#pragma once
// A real TailSampler on a ManualClock feeding a RecordingSink, configured from YAML text.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "hoptrace/collector/sampling/config.h"
#include "test_traces.h"

namespace hoptrace::collector::sampling::testing {

class SamplerTest : public ::testing::Test {
 protected:
  // `yaml` is a whole tail_sampling section; settings not given get small test defaults.
  TailSampler& Make(const std::string& yaml) {
    TailSamplingConfig config;
    config.shards = 2;
    config.max_buffered_bytes = 1 << 20;
    config.num_traces = 1000;
    std::string error;
    EXPECT_TRUE(ParseTailSamplingConfigText(yaml, &config, &error)) << error;
    config_ = config;
    sampler_ = std::make_unique<TailSampler>(config, sink_, registry_, clock_);
    return *sampler_;
  }
  // Advance past decision_wait and decide.
  void DecideAll() {
    clock_.Advance(config_.decision_wait + std::chrono::seconds(1));
    sampler_->DecideDue();
  }
  bool Kept(std::uint64_t trace) const { return sink_.SpansOf(TraceIdOf(trace)) > 0; }
  std::uint64_t Counter(const std::string& name, const metrics::Labels& labels = {}) {
    return registry_.GetCounter(name, "", labels).value();
  }

  ManualClock clock_;
  metrics::Registry registry_;
  RecordingSink sink_;
  TailSamplingConfig config_;
  std::unique_ptr<TailSampler> sampler_;
};

}  // namespace hoptrace::collector::sampling::testing
