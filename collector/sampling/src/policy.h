#pragma once
// Policy evaluators with the OpenTelemetry Collector tail_sampling semantics, and the set of
// top-level policies that turns their decisions into keep or drop.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hoptrace/collector/sampling/config.h"
#include "hoptrace/metrics/registry.h"
#include "trace_view.h"

namespace hoptrace::collector::sampling {

// As the OTel Collector: Invert* come from invert_match at the top level (inside and, composite and
// drop they count as plain Sampled / NotSampled); Dropped from a drop policy whose sub-policies all sampled.
enum class Decision : std::uint8_t { kNotSampled, kSampled, kInvertSampled, kInvertNotSampled, kDropped };

class Policy {
 public:
  virtual ~Policy() = default;
  // Thread-safe: stateful policies (rate_limiting, composite, regex caches) lock inside.
  virtual Decision Evaluate(const TraceView& trace) = 0;
};

// trace_state policies are matched as spans arrive (the summary keeps one bit per policy), so the
// decision never parses trace state again.
struct TraceStateRule {
  std::string key;
  std::vector<std::string> values;
  bool Matches(std::string_view trace_state) const;
};
inline constexpr std::size_t kMaxTraceStatePolicies = 32;

// Builds one policy; trace_state policies register their rule in `rules` (bit = index).
std::unique_ptr<Policy> BuildPolicy(const PolicyConfig& config, bool top_level, std::vector<TraceStateRule>& rules);

// FNV-1a 64 over hash_salt then the 16 trace-ID bytes, compared with percentage x 2^64: the OTel
// Collector's probabilistic policy, so hoptrace and OTel replicas with the same salt agree.
std::uint64_t ProbabilisticHash(std::string_view salt, const model::TraceId& id);
std::uint64_t ProbabilisticThreshold(double percentage);
inline constexpr std::string_view kDefaultHashSalt = "default-hash-seed";

class PolicySet {
 public:
  // Metrics per policy: hoptrace_tail_sampling_policy_decisions_total{policy, decision}.
  PolicySet(const std::vector<PolicyConfig>& policies, bool sample_on_first_match, metrics::Registry& registry);

  // Keep the trace? Any policy sampled and none dropped (OTel's precedence, see README).
  bool Decide(const TraceView& trace);
  // Bits of the trace_state policies that `trace_state` satisfies (0 when there are none).
  std::uint32_t MatchTraceState(std::string_view trace_state) const;
  bool has_trace_state_policies() const { return !trace_state_rules_.empty(); }

 private:
  struct Entry {
    std::unique_ptr<Policy> policy;
    metrics::Counter* sampled;
    metrics::Counter* not_sampled;
    metrics::Counter* dropped;
    bool is_drop;
  };
  std::vector<Entry> entries_;
  std::vector<TraceStateRule> trace_state_rules_;
  bool sample_on_first_match_;
};

}  // namespace hoptrace::collector::sampling
