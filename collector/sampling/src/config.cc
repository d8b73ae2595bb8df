#include "hoptrace/collector/sampling/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <regex>
#include <set>
#include <stdexcept>

namespace hoptrace::collector::sampling {
namespace {

// A configuration problem at a node; caught once at the top and turned into "line N: ...".
struct ConfigError : std::runtime_error {
  ConfigError(const YAML::Node& node, const std::string& message)
      : std::runtime_error(message), line(node.Mark().line + 1) {}
  int line;
};

int LineOf(const YAML::Node& node) { return node.Mark().line + 1; }

template <typename T>
T Scalar(const YAML::Node& node, const std::string& what, const char* expected) {
  if (!node.IsScalar()) throw ConfigError(node, what + ": expected " + expected);
  try {
    return node.as<T>();
  } catch (const YAML::Exception&) {
    throw ConfigError(node, what + ": expected " + expected + ", got '" + node.Scalar() + "'");
  }
}

// YAML 1.1 integers as Go's parser reads them, digit separators included ("100_000").
std::int64_t Integer(const YAML::Node& node, const std::string& what, const char* expected) {
  std::string text = Scalar<std::string>(node, what, expected);
  text.erase(std::remove(text.begin(), text.end(), '_'), text.end());
  std::int64_t value = 0;
  const char* begin = text.data() + (!text.empty() && text[0] == '+' ? 1 : 0);
  const auto [end, ec] = std::from_chars(begin, text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || begin == end) {
    throw ConfigError(node, what + ": expected " + expected + ", got '" + node.Scalar() + "'");
  }
  return value;
}

std::int64_t NonNegative(const YAML::Node& node, const std::string& what) {
  const auto value = Integer(node, what, "a non-negative integer");
  if (value < 0) throw ConfigError(node, what + ": expected a non-negative integer, got " + node.Scalar());
  return value;
}

std::size_t Count(const YAML::Node& node, const std::string& what) {
  return static_cast<std::size_t>(NonNegative(node, what));
}

std::chrono::nanoseconds Duration(const YAML::Node& node, const std::string& what) {
  const auto text = Scalar<std::string>(node, what, "a duration such as 10s");
  const auto parsed = ParseDuration(text);
  if (!parsed) throw ConfigError(node, what + ": expected a duration such as 10s or 500ms, got '" + text + "'");
  return *parsed;
}

std::vector<std::string> Strings(const YAML::Node& node, const std::string& what) {
  if (!node.IsSequence()) throw ConfigError(node, what + ": expected a list of strings");
  std::vector<std::string> out;
  for (const auto& item : node) out.push_back(Scalar<std::string>(item, what, "a string"));
  return out;
}

// Visits a mapping's entries, refusing keys nobody asked for (a typo must not silently do nothing).
template <typename Handler>
void ForEachKey(const YAML::Node& node, const std::string& what, Handler&& handle) {
  if (!node.IsMap()) throw ConfigError(node, what + ": expected a mapping");
  for (const auto& entry : node) {
    const auto key = Scalar<std::string>(entry.first, what, "a key");
    if (!handle(key, entry.second)) throw ConfigError(entry.first, what + ": unknown setting '" + key + "'");
  }
}

std::optional<PolicyType> TypeNamed(std::string_view name) {
  static const std::pair<std::string_view, PolicyType> kTypes[] = {
      {"always_sample", PolicyType::kAlwaysSample},       {"latency", PolicyType::kLatency},
      {"status_code", PolicyType::kStatusCode},           {"string_attribute", PolicyType::kStringAttribute},
      {"numeric_attribute", PolicyType::kNumericAttribute}, {"boolean_attribute", PolicyType::kBooleanAttribute},
      {"probabilistic", PolicyType::kProbabilistic},      {"rate_limiting", PolicyType::kRateLimiting},
      {"span_count", PolicyType::kSpanCount},             {"trace_state", PolicyType::kTraceState},
      {"and", PolicyType::kAnd},                          {"composite", PolicyType::kComposite},
      {"drop", PolicyType::kDrop},
  };
  for (const auto& [type_name, type] : kTypes) {
    if (type_name == name) return type;
  }
  return std::nullopt;
}

// Where a policy may appear: top level, or as a sub-policy of and/composite/drop.
enum class Level { kTop, kSub };

PolicyConfig ParsePolicy(const YAML::Node& node, const std::string& where, Level level);

std::vector<PolicyConfig> ParseSubPolicies(const YAML::Node& node, const std::string& what) {
  if (!node.IsSequence() || node.size() == 0) throw ConfigError(node, what + ": expected a non-empty list of policies");
  std::vector<PolicyConfig> out;
  std::set<std::string> names;
  for (std::size_t i = 0; i < node.size(); ++i) {
    out.push_back(ParsePolicy(node[i], what + "[" + std::to_string(i) + "]", Level::kSub));
    if (!names.insert(out.back().name).second) {
      throw ConfigError(node[i], what + ": duplicate policy name '" + out.back().name + "'");
    }
  }
  return out;
}

void ParseStatusCodes(const YAML::Node& node, const std::string& what, PolicyConfig& policy) {
  for (const auto& code_name : Strings(node, what)) {
    if (code_name == "ERROR") policy.status_codes.push_back(model::StatusCode::kError);
    else if (code_name == "OK") policy.status_codes.push_back(model::StatusCode::kOk);
    else if (code_name == "UNSET") policy.status_codes.push_back(model::StatusCode::kUnset);
    else throw ConfigError(node, what + ": unknown status code '" + code_name + "' (ERROR, OK or UNSET)");
  }
  if (policy.status_codes.empty()) throw ConfigError(node, what + ": expected at least one status code");
}

void ParseRateAllocation(const YAML::Node& node, const std::string& what, PolicyConfig& policy) {
  if (!node.IsSequence()) throw ConfigError(node, what + ": expected a list of {policy, percent}");
  for (const auto& item : node) {
    std::pair<std::string, double> allocation;
    ForEachKey(item, what, [&](const std::string& key, const YAML::Node& value) {
      if (key == "policy") allocation.first = Scalar<std::string>(value, what + ".policy", "a policy name");
      else if (key == "percent") allocation.second = Scalar<double>(value, what + ".percent", "a number");
      else return false;
      return true;
    });
    if (allocation.first.empty()) throw ConfigError(item, what + ": each entry needs a policy");
    if (allocation.second < 0 || allocation.second > 100) throw ConfigError(item, what + ": percent must be in [0, 100]");
    policy.rate_allocation.push_back(allocation);
  }
}

// The settings under `<type>: {...}`.
void ParseTypeSettings(const YAML::Node& node, const std::string& what, PolicyConfig& policy) {
  ForEachKey(node, what, [&](const std::string& key, const YAML::Node& value) {
    const std::string field = what + "." + key;
    switch (policy.type) {
      case PolicyType::kAlwaysSample:
        return false;
      case PolicyType::kLatency:
        if (key == "threshold_ms") policy.threshold_ms = NonNegative(value, field);
        else if (key == "upper_threshold_ms") policy.upper_threshold_ms = NonNegative(value, field);
        else return false;
        return true;
      case PolicyType::kStatusCode:
        if (key != "status_codes") return false;
        ParseStatusCodes(value, field, policy);
        return true;
      case PolicyType::kStringAttribute:
        if (key == "key") policy.key = Scalar<std::string>(value, field, "a string");
        else if (key == "values") policy.values = Strings(value, field);
        else if (key == "enabled_regex_matching") policy.enabled_regex_matching = Scalar<bool>(value, field, "true or false");
        else if (key == "cache_max_size") policy.cache_max_size = Count(value, field);
        else if (key == "invert_match") policy.invert_match = Scalar<bool>(value, field, "true or false");
        else return false;
        return true;
      case PolicyType::kNumericAttribute:
        if (key == "key") policy.key = Scalar<std::string>(value, field, "a string");
        else if (key == "min_value") policy.min_value = Integer(value, field, "an integer");
        else if (key == "max_value") policy.max_value = Integer(value, field, "an integer");
        else if (key == "invert_match") policy.invert_match = Scalar<bool>(value, field, "true or false");
        else return false;
        return true;
      case PolicyType::kBooleanAttribute:
        if (key == "key") policy.key = Scalar<std::string>(value, field, "a string");
        else if (key == "value") policy.bool_value = Scalar<bool>(value, field, "true or false");
        else if (key == "invert_match") policy.invert_match = Scalar<bool>(value, field, "true or false");
        else return false;
        return true;
      case PolicyType::kProbabilistic:
        if (key == "sampling_percentage") policy.sampling_percentage = Scalar<double>(value, field, "a number");
        else if (key == "hash_salt") policy.hash_salt = Scalar<std::string>(value, field, "a string");
        else return false;
        return true;
      case PolicyType::kRateLimiting:
        if (key == "spans_per_second") policy.spans_per_second = NonNegative(value, field);
        else if (key == "burst_capacity") policy.burst_capacity = NonNegative(value, field);
        else return false;
        return true;
      case PolicyType::kSpanCount:
        if (key == "min_spans") policy.min_spans = NonNegative(value, field);
        else if (key == "max_spans") policy.max_spans = NonNegative(value, field);
        else return false;
        return true;
      case PolicyType::kTraceState:
        if (key == "key") policy.key = Scalar<std::string>(value, field, "a string");
        else if (key == "values") policy.values = Strings(value, field);
        else return false;
        return true;
      case PolicyType::kAnd:
        if (key != "and_sub_policy") return false;
        policy.sub_policies = ParseSubPolicies(value, field);
        return true;
      case PolicyType::kDrop:
        if (key != "drop_sub_policy") return false;
        policy.sub_policies = ParseSubPolicies(value, field);
        return true;
      case PolicyType::kComposite:
        if (key == "max_total_spans_per_second") policy.max_total_spans_per_second = NonNegative(value, field);
        else if (key == "policy_order") policy.policy_order = Strings(value, field);
        else if (key == "composite_sub_policy") policy.sub_policies = ParseSubPolicies(value, field);
        else if (key == "rate_allocation") ParseRateAllocation(value, field, policy);
        else return false;
        return true;
    }
    return false;
  });
}

bool NamesSubPolicy(const PolicyConfig& policy, const std::string& name) {
  for (const auto& sub : policy.sub_policies) {
    if (sub.name == name) return true;
  }
  return false;
}

// Checks what one field cannot: required settings, ranges, cross references, regexes.
void Validate(const YAML::Node& node, const std::string& what, const PolicyConfig& policy) {
  const auto fail = [&](const std::string& problem) { throw ConfigError(node, what + ": " + problem); };
  switch (policy.type) {
    case PolicyType::kAlwaysSample:
      break;
    case PolicyType::kLatency:
      if (policy.upper_threshold_ms != 0 && policy.upper_threshold_ms <= policy.threshold_ms) {
        fail("latency.upper_threshold_ms must be greater than threshold_ms");
      }
      break;
    case PolicyType::kStatusCode:
      if (policy.status_codes.empty()) fail("status_code.status_codes is required");
      break;
    case PolicyType::kStringAttribute:
      if (policy.key.empty()) fail("string_attribute.key is required");
      if (policy.values.empty()) fail("string_attribute.values is required");
      if (policy.enabled_regex_matching) {
        for (const auto& pattern : policy.values) {
          try {
            std::regex compiled(pattern);
          } catch (const std::regex_error& e) {
            fail("string_attribute.values: invalid regular expression '" + pattern + "': " + e.what());
          }
        }
      }
      break;
    case PolicyType::kNumericAttribute:
      if (policy.key.empty()) fail("numeric_attribute.key is required");
      if (!policy.min_value && !policy.max_value) fail("numeric_attribute needs min_value, max_value or both");
      if (policy.min_value && policy.max_value && *policy.min_value > *policy.max_value) {
        fail("numeric_attribute.min_value must not exceed max_value");
      }
      break;
    case PolicyType::kBooleanAttribute:
      if (policy.key.empty()) fail("boolean_attribute.key is required");
      break;
    case PolicyType::kProbabilistic:
      if (!(policy.sampling_percentage >= 0 && policy.sampling_percentage <= 100)) {
        fail("probabilistic.sampling_percentage must be in [0, 100]");
      }
      break;
    case PolicyType::kRateLimiting:
      if (policy.spans_per_second <= 0) fail("rate_limiting.spans_per_second must be positive");
      break;
    case PolicyType::kSpanCount:
      if (policy.max_spans != 0 && policy.max_spans < policy.min_spans) fail("span_count.max_spans must be >= min_spans");
      break;
    case PolicyType::kTraceState:
      if (policy.key.empty()) fail("trace_state.key is required");
      if (policy.values.empty()) fail("trace_state.values is required");
      break;
    case PolicyType::kAnd:
    case PolicyType::kDrop:
      if (policy.sub_policies.empty()) {
        fail(std::string(policy.type == PolicyType::kAnd ? "and.and_sub_policy" : "drop.drop_sub_policy") + " is required");
      }
      break;
    case PolicyType::kComposite: {
      if (policy.max_total_spans_per_second <= 0) fail("composite.max_total_spans_per_second must be positive");
      if (policy.sub_policies.empty()) fail("composite.composite_sub_policy is required");
      for (const auto& name : policy.policy_order) {
        if (!NamesSubPolicy(policy, name)) fail("composite.policy_order names no sub-policy '" + name + "'");
      }
      double total = 0;
      for (const auto& [name, percent] : policy.rate_allocation) {
        if (!NamesSubPolicy(policy, name)) fail("composite.rate_allocation names no sub-policy '" + name + "'");
        total += percent;
      }
      if (total > 100.0 + 1e-9) fail("composite.rate_allocation adds up to more than 100 percent");
      break;
    }
  }
}

PolicyConfig ParsePolicy(const YAML::Node& node, const std::string& where, Level level) {
  if (!node.IsMap()) throw ConfigError(node, where + ": expected a mapping with name and type");
  PolicyConfig policy;
  policy.line = LineOf(node);
  const YAML::Node name = node["name"];
  const YAML::Node type = node["type"];
  if (!name) throw ConfigError(node, where + ": name is required");
  if (!type) throw ConfigError(node, where + ": type is required");
  policy.name = Scalar<std::string>(name, where + ".name", "a string");
  const std::string what = where + " (" + policy.name + ")";
  const auto type_name = Scalar<std::string>(type, what + ".type", "a policy type");
  const auto parsed_type = TypeNamed(type_name);
  if (!parsed_type) throw ConfigError(type, what + ": unknown or unsupported policy type '" + type_name + "'");
  policy.type = *parsed_type;
  if (level == Level::kSub && policy.type == PolicyType::kDrop) {
    throw ConfigError(type, what + ": drop is only allowed at the top level");
  }
  bool has_settings = false;
  ForEachKey(node, what, [&](const std::string& key, const YAML::Node& value) {
    if (key == "name" || key == "type") return true;
    if (key != type_name) return false;
    ParseTypeSettings(value, what + "." + key, policy);
    has_settings = true;
    return true;
  });
  if (!has_settings && policy.type != PolicyType::kAlwaysSample) {
    throw ConfigError(node, what + ": the '" + type_name + "' settings are required");
  }
  Validate(node, what, policy);
  return policy;
}

void ParseDecisionCache(const YAML::Node& node, TailSamplingConfig& config) {
  std::size_t total = 0;
  ForEachKey(node, "decision_cache", [&](const std::string& key, const YAML::Node& value) {
    if (key != "sampled_cache_size" && key != "non_sampled_cache_size" && key != "size") return false;
    total += Count(value, "decision_cache." + key);
    return true;
  });
  config.decision_cache_size = total;
}

bool ParseTopLevel(const std::string& key, const YAML::Node& value, TailSamplingConfig& config) {
  if (key == "decision_wait") config.decision_wait = Duration(value, key);
  else if (key == "idle_after_root") config.idle_after_root = Duration(value, key);
  else if (key == "num_traces") config.num_traces = Count(value, key);
  else if (key == "expected_new_traces_per_sec") config.expected_new_traces_per_sec = Count(value, key);
  else if (key == "max_buffered_bytes") config.max_buffered_bytes = Count(value, key);
  else if (key == "decision_cache_size") config.decision_cache_size = Count(value, key);
  else if (key == "max_retry_bytes") config.max_retry_bytes = Count(value, key);
  else if (key == "decision_cache") ParseDecisionCache(value, config);
  else if (key == "keep_unsampled_spans") config.keep_unsampled_spans = Scalar<bool>(value, key, "true or false");
  else if (key == "sample_on_first_match") config.sample_on_first_match = Scalar<bool>(value, key, "true or false");
  else if (key == "drop_pending_traces_on_shutdown") {
    config.drop_pending_traces_on_shutdown = Scalar<bool>(value, key, "true or false");
  } else if (key == "shards") config.shards = Count(value, key);
  else if (key == "tick") config.tick = Duration(value, key);
  else if (key == "when_full") {
    const auto mode = Scalar<std::string>(value, key, "decide or drop");
    if (mode == "decide") config.when_full = WhenFull::kDecideEarly;
    else if (mode == "drop") config.when_full = WhenFull::kDrop;
    else throw ConfigError(value, "when_full: expected decide or drop, got '" + mode + "'");
  } else if (key == "policies") {
    if (!value.IsSequence()) throw ConfigError(value, "policies: expected a list of policies");
    config.policies.clear();
    std::set<std::string> names;
    for (std::size_t i = 0; i < value.size(); ++i) {
      config.policies.push_back(ParsePolicy(value[i], "policies[" + std::to_string(i) + "]", Level::kTop));
      if (!names.insert(config.policies.back().name).second) {
        throw ConfigError(value[i], "policies: duplicate policy name '" + config.policies.back().name + "'");
      }
    }
  } else {
    return false;
  }
  return true;
}

std::size_t CountTraceStatePolicies(const std::vector<PolicyConfig>& policies) {
  std::size_t count = 0;
  for (const auto& policy : policies) {
    count += (policy.type == PolicyType::kTraceState ? 1 : 0) + CountTraceStatePolicies(policy.sub_policies);
  }
  return count;
}

void CheckLimits(const YAML::Node& node, const TailSamplingConfig& config) {
  if (config.policies.empty()) throw ConfigError(node, "policies: at least one policy is required");
  if (CountTraceStatePolicies(config.policies) > 32) throw ConfigError(node, "policies: at most 32 trace_state policies");
  if (config.decision_wait.count() <= 0) throw ConfigError(node, "decision_wait must be positive");
  if (config.num_traces == 0) throw ConfigError(node, "num_traces must be positive");
  if (config.shards == 0 || config.shards > 1024) throw ConfigError(node, "shards must be in [1, 1024]");
  if (config.max_buffered_bytes < config.shards * 64 * 1024) {
    throw ConfigError(node, "max_buffered_bytes must be at least 64 KiB per shard (" +
                                std::to_string(config.shards * 64 * 1024) + " bytes with " +
                                std::to_string(config.shards) + " shards)");
  }
  if (config.tick.count() <= 0) throw ConfigError(node, "tick must be positive");
}

}  // namespace

std::optional<std::chrono::nanoseconds> ParseDuration(std::string_view text) {
  if (text == "0") return std::chrono::nanoseconds(0);
  if (text.empty()) return std::nullopt;
  static const std::pair<std::string_view, double> kUnits[] = {
      {"ns", 1}, {"us", 1e3}, {"µs", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
  double total = 0;
  while (!text.empty()) {
    std::size_t digits = 0;
    while (digits < text.size() && (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.')) {
      ++digits;
    }
    if (digits == 0) return std::nullopt;
    double number = 0;
    try {
      number = std::stod(std::string(text.substr(0, digits)));
    } catch (const std::exception&) {
      return std::nullopt;
    }
    text.remove_prefix(digits);
    std::size_t unit_length = 0;
    while (unit_length < text.size() && !std::isdigit(static_cast<unsigned char>(text[unit_length])) &&
           text[unit_length] != '.') {
      ++unit_length;
    }
    const std::string_view unit = text.substr(0, unit_length);
    const auto* found = std::find_if(std::begin(kUnits), std::end(kUnits), [&](const auto& u) { return u.first == unit; });
    if (found == std::end(kUnits)) return std::nullopt;
    total += number * found->second;
    text.remove_prefix(unit_length);
  }
  if (!std::isfinite(total) || total > 9.2e18) return std::nullopt;
  return std::chrono::nanoseconds(static_cast<std::int64_t>(std::llround(total)));
}

bool ParseTailSamplingConfig(const YAML::Node& node, TailSamplingConfig* out, std::string* error) {
  TailSamplingConfig staged;
  try {
    ForEachKey(node, "tail_sampling", [&](const std::string& key, const YAML::Node& value) {
      return ParseTopLevel(key, value, staged);
    });
    CheckLimits(node, staged);
  } catch (const ConfigError& e) {
    *error = "line " + std::to_string(e.line) + ": " + e.what();
    return false;
  } catch (const YAML::Exception& e) {
    *error = "line " + std::to_string(e.mark.line + 1) + ": " + e.msg;
    return false;
  }
  *out = std::move(staged);
  return true;
}

bool ParseTailSamplingConfigText(std::string_view yaml, TailSamplingConfig* out, std::string* error) {
  YAML::Node node;
  try {
    node = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    *error = "line " + std::to_string(e.mark.line + 1) + ": " + e.msg;
    return false;
  }
  return ParseTailSamplingConfig(node, out, error);
}

}  // namespace hoptrace::collector::sampling
