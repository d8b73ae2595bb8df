#pragma once
// Configuration of the tail sampler, in the shape of the OpenTelemetry Collector's `tail_sampling`
// processor (decision_wait, num_traces, policies: [{name, type, <type>: {...}}]) plus hoptrace's
// memory limits. Parsing is all-or-nothing: on error nothing is returned but a message naming the
// line and the problem.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hoptrace/model/span.h"

namespace YAML {
class Node;
}

namespace hoptrace::collector::sampling {

enum class PolicyType : std::uint8_t {
  kAlwaysSample,
  kLatency,
  kStatusCode,
  kStringAttribute,
  kNumericAttribute,
  kBooleanAttribute,
  kProbabilistic,
  kRateLimiting,
  kSpanCount,
  kTraceState,
  kAnd,
  kComposite,
  kDrop,
};

// One policy. Only the fields of its `type` are used; sub_policies holds and_sub_policy,
// composite_sub_policy or drop_sub_policy.
struct PolicyConfig {
  std::string name;
  PolicyType type = PolicyType::kAlwaysSample;
  int line = 0;  // 1-based line of the policy in the YAML, for messages

  // latency: trace duration (latest end - earliest start) >= threshold_ms, or in
  // (threshold_ms, upper_threshold_ms] when an upper bound is set.
  std::int64_t threshold_ms = 0;
  std::int64_t upper_threshold_ms = 0;  // 0: none
  // status_code
  std::vector<model::StatusCode> status_codes;
  // string_attribute, numeric_attribute, boolean_attribute, trace_state
  std::string key;
  std::vector<std::string> values;  // string_attribute, trace_state
  bool enabled_regex_matching = false;
  std::size_t cache_max_size = 128;  // regex results remembered per policy
  bool invert_match = false;
  std::optional<std::int64_t> min_value;
  std::optional<std::int64_t> max_value;
  bool bool_value = false;
  // probabilistic
  double sampling_percentage = 0;
  std::string hash_salt;  // empty: OTel's default salt
  // rate_limiting (token bucket, as the OTel Collector does)
  std::int64_t spans_per_second = 0;
  std::int64_t burst_capacity = 0;  // 0: 2 x spans_per_second
  // span_count
  std::int64_t min_spans = 0;
  std::int64_t max_spans = 0;  // 0: no upper bound
  // and, drop, composite
  std::vector<PolicyConfig> sub_policies;
  std::int64_t max_total_spans_per_second = 0;
  std::vector<std::string> policy_order;
  std::vector<std::pair<std::string, double>> rate_allocation;  // policy name, percent
};

// What happens to the oldest undecided traces when the buffer is full.
enum class WhenFull : std::uint8_t { kDecideEarly, kDrop };

struct TailSamplingConfig {
  std::chrono::nanoseconds decision_wait = std::chrono::seconds(10);
  // A trace whose root span has arrived is decided once nothing arrived for this long (if that is
  // sooner than decision_wait). 5 s is the OTel SDKs' default export delay: other services' spans of
  // the trace may reach the collector that much after the root.
  std::chrono::nanoseconds idle_after_root = std::chrono::seconds(5);
  std::size_t num_traces = 50'000;                 // buffered traces at most
  std::size_t expected_new_traces_per_sec = 0;     // accepted for OTel compatibility; unused
  std::size_t max_buffered_bytes = 256u << 20;     // span bytes and interned resources/scopes
  WhenFull when_full = WhenFull::kDecideEarly;
  std::size_t decision_cache_size = 100'000;       // recent decisions remembered for late spans
  // Kept spans the downstream refused with a retryable code (unavailable, resource exhausted, I/O
  // error) are retried every tick, up to this many bytes (beyond: dropped and counted; 0: no retry).
  std::size_t max_retry_bytes = 16u << 20;
  bool keep_unsampled_spans = false;               // buffer spans whose producer said "not sampled"
  bool sample_on_first_match = false;              // stop evaluating at the first policy that samples
  bool drop_pending_traces_on_shutdown = false;
  std::size_t shards = 16;                         // trace table partitions (one mutex each)
  std::chrono::nanoseconds tick = std::chrono::milliseconds(100);  // ticker period in production
  std::vector<PolicyConfig> policies;
};

// Parses a `tail_sampling` mapping (the node the CLI finds in its config file). Returns false with
// `error` ("line N: ...") and leaves `out` untouched when anything is wrong.
bool ParseTailSamplingConfig(const YAML::Node& node, TailSamplingConfig* out, std::string* error);
// The same from YAML text holding that mapping.
bool ParseTailSamplingConfigText(std::string_view yaml, TailSamplingConfig* out, std::string* error);

// Go-style durations as the OTel Collector writes them: "10s", "500ms", "1m30s", "250us", "0s".
std::optional<std::chrono::nanoseconds> ParseDuration(std::string_view text);

}  // namespace hoptrace::collector::sampling
