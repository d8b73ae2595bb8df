#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "hoptrace/collector/sampling/config.h"

namespace hoptrace::collector::sampling {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// The OTel Collector README's example, ported unchanged (minus the types hoptrace does not have).
constexpr const char* kOtelExample = R"(
decision_wait: 10s
num_traces: 100
expected_new_traces_per_sec: 10
decision_cache:
  sampled_cache_size: 100_000
  non_sampled_cache_size: 50000
policies:
  [
      { name: test-policy-1, type: always_sample },
      { name: test-policy-2, type: latency, latency: {threshold_ms: 5000, upper_threshold_ms: 10000} },
      { name: test-policy-3, type: numeric_attribute, numeric_attribute: {key: key1, min_value: 50, max_value: 100} },
      { name: test-policy-4, type: probabilistic, probabilistic: {sampling_percentage: 10} },
      { name: test-policy-5, type: status_code, status_code: {status_codes: [ERROR, UNSET]} },
      { name: test-policy-6, type: string_attribute, string_attribute: {key: key2, values: [value1, value2]} },
      { name: test-policy-7, type: string_attribute,
        string_attribute: {key: key2, values: [value1, val*], enabled_regex_matching: true, cache_max_size: 10} },
      { name: test-policy-8, type: rate_limiting, rate_limiting: {spans_per_second: 35} },
      { name: test-policy-10, type: span_count, span_count: {min_spans: 2, max_spans: 20} },
      { name: test-policy-11, type: trace_state, trace_state: { key: key3, values: [value1, value2] } },
      { name: test-policy-12, type: boolean_attribute, boolean_attribute: {key: key4, value: true} },
      { name: and-policy-1, type: and, and: { and_sub_policy: [
          { name: test-and-policy-1, type: numeric_attribute, numeric_attribute: { key: key1, min_value: 50, max_value: 100 } },
          { name: test-and-policy-2, type: string_attribute, string_attribute: { key: key2, values: [ value1, value2 ] } } ] } },
      { name: drop-policy-1, type: drop, drop: { drop_sub_policy: [
          { name: test-drop-policy-1, type: string_attribute,
            string_attribute: {key: url.path, values: [\/health, \/metrics], enabled_regex_matching: true} } ] } },
      { name: composite-policy-1, type: composite, composite: {
          max_total_spans_per_second: 1000,
          policy_order: [test-composite-policy-1, test-composite-policy-2, test-composite-policy-3],
          composite_sub_policy: [
            { name: test-composite-policy-1, type: numeric_attribute, numeric_attribute: {key: key1, min_value: 50} },
            { name: test-composite-policy-2, type: string_attribute, string_attribute: {key: key2, values: [value1, value2]} },
            { name: test-composite-policy-3, type: always_sample } ],
          rate_allocation: [ { policy: test-composite-policy-1, percent: 50 },
                             { policy: test-composite-policy-2, percent: 25 } ] } },
  ]
)";

TEST(TailSamplingConfig, ParsesTheOtelCollectorExample) {
  TailSamplingConfig config;
  std::string error;
  ASSERT_TRUE(ParseTailSamplingConfigText(kOtelExample, &config, &error)) << error;
  EXPECT_EQ(config.decision_wait, seconds(10));
  EXPECT_EQ(config.num_traces, 100u);
  EXPECT_EQ(config.expected_new_traces_per_sec, 10u);
  EXPECT_EQ(config.decision_cache_size, 150'000u);
  ASSERT_EQ(config.policies.size(), 14u);
  EXPECT_EQ(config.policies[1].type, PolicyType::kLatency);
  EXPECT_EQ(config.policies[1].upper_threshold_ms, 10000);
  EXPECT_EQ(config.policies[2].min_value, 50);
  EXPECT_EQ(config.policies[4].status_codes.size(), 2u);
  EXPECT_TRUE(config.policies[6].enabled_regex_matching);
  EXPECT_EQ(config.policies[6].cache_max_size, 10u);
  EXPECT_EQ(config.policies[9].values, (std::vector<std::string>{"value1", "value2"}));
  EXPECT_TRUE(config.policies[10].bool_value);
  EXPECT_EQ(config.policies[11].sub_policies.size(), 2u);
  EXPECT_EQ(config.policies[12].type, PolicyType::kDrop);
  const PolicyConfig& composite = config.policies[13];
  EXPECT_EQ(composite.max_total_spans_per_second, 1000);
  EXPECT_EQ(composite.policy_order.size(), 3u);
  ASSERT_EQ(composite.rate_allocation.size(), 2u);
  EXPECT_EQ(composite.rate_allocation[1].second, 25);
  EXPECT_EQ(config.policies[0].line, 10);
}

TEST(TailSamplingConfig, HoptraceSettingsAndDefaults) {
  TailSamplingConfig config;
  std::string error;
  ASSERT_TRUE(ParseTailSamplingConfigText(R"(
idle_after_root: 500ms
max_buffered_bytes: 67108864
when_full: drop
keep_unsampled_spans: true
shards: 4
policies:
  - name: errors
    type: status_code
    status_code: {status_codes: [ERROR]}
)", &config, &error)) << error;
  EXPECT_EQ(config.decision_wait, seconds(10));  // default
  EXPECT_EQ(config.idle_after_root, milliseconds(500));
  EXPECT_EQ(config.max_buffered_bytes, 64u << 20);
  EXPECT_EQ(config.when_full, WhenFull::kDrop);
  EXPECT_TRUE(config.keep_unsampled_spans);
  EXPECT_EQ(config.shards, 4u);
}

// Each bad config names its line and the problem, and leaves the output untouched.
struct BadConfig {
  const char* yaml;
  const char* expected;
};

class TailSamplingConfigErrors : public ::testing::TestWithParam<BadConfig> {};

TEST_P(TailSamplingConfigErrors, NameTheLineAndLeaveTheConfigUntouched) {
  TailSamplingConfig config;
  config.num_traces = 7;
  std::string error;
  EXPECT_FALSE(ParseTailSamplingConfigText(GetParam().yaml, &config, &error));
  EXPECT_EQ(error, GetParam().expected);
  EXPECT_EQ(config.num_traces, 7u);
  EXPECT_TRUE(config.policies.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Cases, TailSamplingConfigErrors,
    ::testing::Values(
        BadConfig{"num_traces: 5\npolicies:\n  - {name: a, type: always_sample}\n  - {name: b, type: ottl_condition}\n",
                  "line 4: policies[1] (b): unknown or unsupported policy type 'ottl_condition'"},
        BadConfig{"decision_wait: 10\npolicies: [{name: a, type: always_sample}]\n",
                  "line 1: decision_wait: expected a duration such as 10s or 500ms, got '10'"},
        BadConfig{"decison_wait: 10s\npolicies: [{name: a, type: always_sample}]\n",
                  "line 1: tail_sampling: unknown setting 'decison_wait'"},
        BadConfig{"policies:\n  - name: a\n    type: string_attribute\n    string_attribute:\n      key: k\n"
                  "      values: ['(unclosed']\n      enabled_regex_matching: true\n",
                  "line 2: policies[0] (a): string_attribute.values: invalid regular expression '(unclosed': "
                  "Mismatched '(' and ')' in regular expression"},
        BadConfig{"policies:\n  - name: a\n    type: probabilistic\n    probabilistic: {sampling_percentage: 120}\n",
                  "line 2: policies[0] (a): probabilistic.sampling_percentage must be in [0, 100]"},
        BadConfig{"policies:\n  - name: a\n    type: latency\n    latency: {threshold_ms: -5}\n",
                  "line 4: policies[0] (a).latency.threshold_ms: expected a non-negative integer, got -5"},
        BadConfig{"policies:\n  - name: a\n    type: status_code\n    status_code: {status_codes: [FAILED]}\n",
                  "line 4: policies[0] (a).status_code.status_codes: unknown status code 'FAILED' (ERROR, OK or UNSET)"},
        BadConfig{"policies:\n  - name: c\n    type: composite\n    composite:\n      max_total_spans_per_second: 10\n"
                  "      policy_order: [x]\n      composite_sub_policy: [{name: y, type: always_sample}]\n",
                  "line 2: policies[0] (c): composite.policy_order names no sub-policy 'x'"},
        BadConfig{"policies:\n  - {name: a, type: always_sample}\n  - {name: a, type: always_sample}\n",
                  "line 3: policies: duplicate policy name 'a'"},
        BadConfig{"policies:\n  - name: a\n    type: and\n    and: {and_sub_policy: [{name: d, type: drop, drop: "
                  "{drop_sub_policy: [{name: e, type: always_sample}]}}]}\n",
                  "line 4: policies[0] (a).and.and_sub_policy[0] (d): drop is only allowed at the top level"},
        BadConfig{"num_traces: 10\n", "line 1: policies: at least one policy is required"},
        BadConfig{"policies: [{name: a, type: always_sample}\n", "line 2: end of sequence flow not found"},
        BadConfig{"policies:\n  - name: a\n    type: numeric_attribute\n    numeric_attribute: {key: k}\n",
                  "line 2: policies[0] (a): numeric_attribute needs min_value, max_value or both"}));

TEST(TailSamplingConfig, ParsesASubNodeOfALargerFile) {
  const YAML::Node root = YAML::Load("data-dir: /tmp/x\ntail_sampling:\n  decision_wait: 3s\n  policies:\n"
                                     "    - {name: a, type: always_sample}\n");
  TailSamplingConfig config;
  std::string error;
  ASSERT_TRUE(ParseTailSamplingConfig(root["tail_sampling"], &config, &error)) << error;
  EXPECT_EQ(config.decision_wait, seconds(3));
}

TEST(TailSamplingConfig, Durations) {
  EXPECT_EQ(ParseDuration("10s"), seconds(10));
  EXPECT_EQ(ParseDuration("1m30s"), seconds(90));
  EXPECT_EQ(ParseDuration("250ms"), milliseconds(250));
  EXPECT_EQ(ParseDuration("1.5s"), milliseconds(1500));
  EXPECT_EQ(ParseDuration("0"), seconds(0));
  EXPECT_FALSE(ParseDuration("10"));
  EXPECT_FALSE(ParseDuration("ten seconds"));
  EXPECT_FALSE(ParseDuration(""));
}

}  // namespace
}  // namespace hoptrace::collector::sampling
