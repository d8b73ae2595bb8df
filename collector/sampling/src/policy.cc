#include "policy.h"

#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <regex>

#include "hoptrace/otlp/wire.h"

namespace hoptrace::collector::sampling {
namespace {

using otlp::wire::AttributeOwner;
using otlp::wire::ValueView;

// invert_match turns "some resource or span matches" into a veto at the top level (OTel's deprecated
// Invert* decisions) and into a plain negation inside and / composite / drop.
Decision AttributeDecision(bool matched, bool invert, bool top_level) {
  if (!invert) return matched ? Decision::kSampled : Decision::kNotSampled;
  if (top_level) return matched ? Decision::kInvertNotSampled : Decision::kInvertSampled;
  return matched ? Decision::kNotSampled : Decision::kSampled;
}

bool IsSampled(Decision decision) { return decision == Decision::kSampled || decision == Decision::kInvertSampled; }

// True when a resource or span of the trace has `key` with a value `matches` accepts (resource and
// span attributes, as OTel's attribute policies read both).
template <typename Matches>
bool AnyAttributeMatches(const TraceView& trace, std::string_view key, Matches&& matches) {
  bool found = false;
  std::uint32_t last_origin = UINT32_MAX;
  trace.ForEachSpan([&](const BufferedSpan& span) {
    ValueView value;
    if (span.origin != last_origin) {
      last_origin = span.origin;
      if (otlp::wire::FindAttribute(span.resource, AttributeOwner::kResource, key, &value) && matches(value)) {
        found = true;
        return false;
      }
    }
    if (otlp::wire::FindAttribute(span.span, AttributeOwner::kSpan, key, &value) && matches(value)) {
      found = true;
      return false;
    }
    return true;
  });
  return found;
}

class AlwaysSample final : public Policy {
 public:
  Decision Evaluate(const TraceView&) override { return Decision::kSampled; }
};

class Latency final : public Policy {
 public:
  explicit Latency(const PolicyConfig& config) : threshold_ms_(config.threshold_ms), upper_ms_(config.upper_threshold_ms) {}
  Decision Evaluate(const TraceView& trace) override {
    const auto duration_ms = static_cast<std::int64_t>(trace.summary->DurationNanos() / 1'000'000);
    const bool sampled = upper_ms_ == 0 ? duration_ms >= threshold_ms_
                                        : duration_ms > threshold_ms_ && duration_ms <= upper_ms_;
    return sampled ? Decision::kSampled : Decision::kNotSampled;
  }

 private:
  std::int64_t threshold_ms_;
  std::int64_t upper_ms_;
};

class StatusCodeFilter final : public Policy {
 public:
  explicit StatusCodeFilter(const PolicyConfig& config) {
    for (const auto code : config.status_codes) mask_ |= static_cast<std::uint8_t>(1u << static_cast<unsigned>(code));
  }
  Decision Evaluate(const TraceView& trace) override {
    return (trace.summary->status_codes & mask_) != 0 ? Decision::kSampled : Decision::kNotSampled;
  }

 private:
  std::uint8_t mask_ = 0;
};

// Regex results per attribute value, in a fixed direct-mapped table keyed by the value's 64-bit hash
// (no allocation once built; a collision of 64-bit hashes is ignored).
class RegexCache {
 public:
  explicit RegexCache(std::size_t size) : slots_(size) {}
  // 0: unknown, 1: matches, 2: does not.
  int Lookup(std::uint64_t hash) const {
    if (slots_.empty()) return 0;
    const Slot& slot = slots_[hash % slots_.size()];
    return slot.hash == hash ? slot.result : 0;
  }
  void Store(std::uint64_t hash, bool matches) {
    if (slots_.empty()) return;
    slots_[hash % slots_.size()] = {hash, static_cast<std::uint8_t>(matches ? 1 : 2)};
  }

 private:
  struct Slot {
    std::uint64_t hash = 0;
    std::uint8_t result = 0;
  };
  std::vector<Slot> slots_;
};

class StringAttributeFilter final : public Policy {
 public:
  StringAttributeFilter(const PolicyConfig& config, bool top_level)
      : key_(config.key), values_(config.values), invert_(config.invert_match), top_level_(top_level),
        cache_(config.enabled_regex_matching ? config.cache_max_size : 0) {
    if (config.enabled_regex_matching) {
      for (const auto& pattern : config.values) regexes_.emplace_back(pattern, std::regex::ECMAScript | std::regex::optimize);
    }
  }
  Decision Evaluate(const TraceView& trace) override {
    const bool matched = AnyAttributeMatches(trace, key_, [&](const ValueView& value) {
      return value.type == model::AttributeType::kString && !value.opaque && Matches(value.string);
    });
    return AttributeDecision(matched, invert_, top_level_);
  }

 private:
  bool Matches(std::string_view value) {
    if (regexes_.empty()) return std::find(values_.begin(), values_.end(), value) != values_.end();
    const std::uint64_t hash = XXH3_64bits(value.data(), value.size());
    std::lock_guard lock(mutex_);
    if (const int known = cache_.Lookup(hash)) return known == 1;
    // Go's regexp.MatchString semantics: a match anywhere in the value.
    const bool matches = std::any_of(regexes_.begin(), regexes_.end(), [&](const std::regex& regex) {
      return std::regex_search(value.begin(), value.end(), regex);
    });
    cache_.Store(hash, matches);
    return matches;
  }

  std::string key_;
  std::vector<std::string> values_;
  std::vector<std::regex> regexes_;
  bool invert_;
  bool top_level_;
  std::mutex mutex_;
  RegexCache cache_;
};

class NumericAttributeFilter final : public Policy {
 public:
  NumericAttributeFilter(const PolicyConfig& config, bool top_level)
      : key_(config.key), min_(config.min_value.value_or(INT64_MIN)), max_(config.max_value.value_or(INT64_MAX)),
        invert_(config.invert_match), top_level_(top_level) {}
  Decision Evaluate(const TraceView& trace) override {
    const bool matched = AnyAttributeMatches(trace, key_, [&](const ValueView& value) {
      if (value.type == model::AttributeType::kInt) return value.integer >= min_ && value.integer <= max_;
      // Doubles are compared as numbers (OTel reads them as 0); NaN matches nothing.
      if (value.type == model::AttributeType::kDouble) {
        return value.real >= static_cast<double>(min_) && value.real <= static_cast<double>(max_);
      }
      return false;
    });
    return AttributeDecision(matched, invert_, top_level_);
  }

 private:
  std::string key_;
  std::int64_t min_;
  std::int64_t max_;
  bool invert_;
  bool top_level_;
};

class BooleanAttributeFilter final : public Policy {
 public:
  BooleanAttributeFilter(const PolicyConfig& config, bool top_level)
      : key_(config.key), value_(config.bool_value), invert_(config.invert_match), top_level_(top_level) {}
  Decision Evaluate(const TraceView& trace) override {
    const bool matched = AnyAttributeMatches(trace, key_, [&](const ValueView& value) {
      return value.type == model::AttributeType::kBool && value.boolean == value_;
    });
    return AttributeDecision(matched, invert_, top_level_);
  }

 private:
  std::string key_;
  bool value_;
  bool invert_;
  bool top_level_;
};

class Probabilistic final : public Policy {
 public:
  explicit Probabilistic(const PolicyConfig& config)
      : salt_(config.hash_salt.empty() ? std::string(kDefaultHashSalt) : config.hash_salt),
        threshold_(ProbabilisticThreshold(config.sampling_percentage)) {}
  Decision Evaluate(const TraceView& trace) override {
    return ProbabilisticHash(salt_, trace.id) <= threshold_ ? Decision::kSampled : Decision::kNotSampled;
  }

 private:
  std::string salt_;
  std::uint64_t threshold_;
};

// Token bucket refilled continuously at spans_per_second, holding at most burst_capacity (default
// twice the rate), starting full; a trace takes as many tokens as it has spans (OTel's rate_limiting).
class RateLimiting final : public Policy {
 public:
  explicit RateLimiting(const PolicyConfig& config)
      : rate_(static_cast<double>(config.spans_per_second)),
        capacity_(static_cast<double>(config.burst_capacity > 0 ? config.burst_capacity : 2 * config.spans_per_second)),
        tokens_(capacity_) {}
  Decision Evaluate(const TraceView& trace) override {
    std::lock_guard lock(mutex_);
    if (started_) {
      const double elapsed = static_cast<double>(trace.now - std::min(trace.now, last_)) / 1e9;
      tokens_ = std::min(capacity_, tokens_ + elapsed * rate_);
    }
    started_ = true;
    last_ = std::max(last_, trace.now);
    const double needed = static_cast<double>(trace.summary->span_count);
    if (tokens_ < needed) return Decision::kNotSampled;
    tokens_ -= needed;
    return Decision::kSampled;
  }

 private:
  std::mutex mutex_;
  double rate_;
  double capacity_;
  double tokens_;
  std::uint64_t last_ = 0;
  bool started_ = false;
};

class SpanCount final : public Policy {
 public:
  explicit SpanCount(const PolicyConfig& config) : min_(config.min_spans), max_(config.max_spans) {}
  Decision Evaluate(const TraceView& trace) override {
    const auto count = static_cast<std::int64_t>(trace.summary->span_count);
    return count >= min_ && (max_ == 0 || count <= max_) ? Decision::kSampled : Decision::kNotSampled;
  }

 private:
  std::int64_t min_;
  std::int64_t max_;
};

class TraceStateFilter final : public Policy {
 public:
  explicit TraceStateFilter(std::uint32_t bit) : mask_(1u << bit) {}
  Decision Evaluate(const TraceView& trace) override {
    return (trace.summary->trace_state_matches & mask_) != 0 ? Decision::kSampled : Decision::kNotSampled;
  }

 private:
  std::uint32_t mask_;
};

std::vector<std::unique_ptr<Policy>> BuildSubPolicies(const std::vector<PolicyConfig>& configs,
                                                      std::vector<TraceStateRule>& rules) {
  std::vector<std::unique_ptr<Policy>> out;
  for (const auto& config : configs) out.push_back(BuildPolicy(config, /*top_level=*/false, rules));
  return out;
}

// and: sampled when every sub-policy samples. drop: Dropped when every sub-policy samples.
class AllOf final : public Policy {
 public:
  AllOf(std::vector<std::unique_ptr<Policy>> subs, Decision when_all) : subs_(std::move(subs)), when_all_(when_all) {}
  Decision Evaluate(const TraceView& trace) override {
    for (const auto& sub : subs_) {
      if (!IsSampled(sub->Evaluate(trace))) return Decision::kNotSampled;
    }
    return when_all_;
  }

 private:
  std::vector<std::unique_ptr<Policy>> subs_;
  Decision when_all_;
};

// composite: sub-policies in policy_order; the first that samples decides, within its share of
// max_total_spans_per_second for the current second (and within the total). Sub-policies without a
// rate_allocation share what the allocations leave equally (OTel gives them 0; its README's
// "always_sample last fills the remaining capacity" is what this does).
class Composite final : public Policy {
 public:
  Composite(const PolicyConfig& config, std::vector<TraceStateRule>& rules) : max_total_(config.max_total_spans_per_second) {
    std::vector<const PolicyConfig*> ordered;
    for (const auto& name : config.policy_order) {
      for (const auto& sub : config.sub_policies) {
        if (sub.name == name && std::find(ordered.begin(), ordered.end(), &sub) == ordered.end()) ordered.push_back(&sub);
      }
    }
    for (const auto& sub : config.sub_policies) {
      if (std::find(ordered.begin(), ordered.end(), &sub) == ordered.end()) ordered.push_back(&sub);
    }
    double allocated_percent = 0;
    std::size_t unallocated = 0;
    for (const auto* sub : ordered) {
      const double* percent = AllocationOf(config, sub->name);
      if (percent) allocated_percent += *percent;
      else ++unallocated;
    }
    const double share = unallocated == 0 ? 0 : (100.0 - allocated_percent) / static_cast<double>(unallocated);
    for (const auto* sub : ordered) {
      const double* percent = AllocationOf(config, sub->name);
      const double spans = (percent ? *percent : share) / 100.0 * static_cast<double>(max_total_);
      subs_.push_back({BuildPolicy(*sub, /*top_level=*/false, rules), static_cast<std::int64_t>(spans), 0});
    }
  }
  Decision Evaluate(const TraceView& trace) override {
    const std::uint64_t second = trace.now / 1'000'000'000;
    const auto spans = static_cast<std::int64_t>(trace.summary->span_count);
    for (auto& sub : subs_) {
      if (!IsSampled(sub.policy->Evaluate(trace))) continue;
      std::lock_guard lock(mutex_);
      if (second != current_second_) {
        current_second_ = second;
        total_ = 0;
        for (auto& each : subs_) each.spans_this_second = 0;
      }
      if (sub.spans_this_second + spans > sub.spans_per_second || total_ + spans > max_total_) return Decision::kNotSampled;
      sub.spans_this_second += spans;
      total_ += spans;
      return Decision::kSampled;
    }
    return Decision::kNotSampled;
  }

 private:
  static const double* AllocationOf(const PolicyConfig& config, const std::string& name) {
    for (const auto& [policy, percent] : config.rate_allocation) {
      if (policy == name) return &percent;
    }
    return nullptr;
  }
  struct Sub {
    std::unique_ptr<Policy> policy;
    std::int64_t spans_per_second;
    std::int64_t spans_this_second;
  };
  std::vector<Sub> subs_;
  std::int64_t max_total_;
  std::mutex mutex_;
  std::uint64_t current_second_ = UINT64_MAX;
  std::int64_t total_ = 0;
};

std::string_view TrimOws(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

bool TraceStateRule::Matches(std::string_view trace_state) const {
  while (!trace_state.empty()) {
    const std::size_t comma = trace_state.find(',');
    const std::string_view member = TrimOws(trace_state.substr(0, comma));
    trace_state.remove_prefix(comma == std::string_view::npos ? trace_state.size() : comma + 1);
    const std::size_t equals = member.find('=');
    if (equals == std::string_view::npos || member.substr(0, equals) != key) continue;
    const std::string_view value = member.substr(equals + 1);
    return std::find(values.begin(), values.end(), value) != values.end();
  }
  return false;
}

std::uint64_t ProbabilisticHash(std::string_view salt, const model::TraceId& id) {
  std::uint64_t hash = 14695981039346656037ULL;
  const auto mix = [&hash](std::uint8_t byte) {
    hash ^= byte;
    hash *= 1099511628211ULL;
  };
  for (const char c : salt) mix(static_cast<std::uint8_t>(c));
  for (const std::uint8_t byte : id.bytes()) mix(byte);
  return hash;
}

std::uint64_t ProbabilisticThreshold(double percentage) {
  if (percentage >= 100) return UINT64_MAX;
  if (percentage <= 0) return 0;
  // 2^64 - 1 times the ratio, in 64-bit-mantissa arithmetic (Go computes it with big.Float).
  const long double threshold = static_cast<long double>(UINT64_MAX) * (static_cast<long double>(percentage) / 100.0L);
  return static_cast<std::uint64_t>(threshold);
}

std::unique_ptr<Policy> BuildPolicy(const PolicyConfig& config, bool top_level, std::vector<TraceStateRule>& rules) {
  switch (config.type) {
    case PolicyType::kAlwaysSample:
      return std::make_unique<AlwaysSample>();
    case PolicyType::kLatency:
      return std::make_unique<Latency>(config);
    case PolicyType::kStatusCode:
      return std::make_unique<StatusCodeFilter>(config);
    case PolicyType::kStringAttribute:
      return std::make_unique<StringAttributeFilter>(config, top_level);
    case PolicyType::kNumericAttribute:
      return std::make_unique<NumericAttributeFilter>(config, top_level);
    case PolicyType::kBooleanAttribute:
      return std::make_unique<BooleanAttributeFilter>(config, top_level);
    case PolicyType::kProbabilistic:
      return std::make_unique<Probabilistic>(config);
    case PolicyType::kRateLimiting:
      return std::make_unique<RateLimiting>(config);
    case PolicyType::kSpanCount:
      return std::make_unique<SpanCount>(config);
    case PolicyType::kTraceState:
      if (rules.size() >= kMaxTraceStatePolicies) throw std::invalid_argument("more than 32 trace_state policies");
      rules.push_back({config.key, config.values});
      return std::make_unique<TraceStateFilter>(static_cast<std::uint32_t>(rules.size() - 1));
    case PolicyType::kAnd:
      return std::make_unique<AllOf>(BuildSubPolicies(config.sub_policies, rules), Decision::kSampled);
    case PolicyType::kDrop:
      return std::make_unique<AllOf>(BuildSubPolicies(config.sub_policies, rules), Decision::kDropped);
    case PolicyType::kComposite:
      return std::make_unique<Composite>(config, rules);
  }
  return std::make_unique<AlwaysSample>();
}

PolicySet::PolicySet(const std::vector<PolicyConfig>& policies, bool sample_on_first_match, metrics::Registry& registry)
    : sample_on_first_match_(sample_on_first_match) {
  constexpr std::string_view kName = "hoptrace_tail_sampling_policy_decisions_total";
  constexpr std::string_view kHelp = "Traces each top-level tail-sampling policy decided on, by its decision";
  for (const auto& config : policies) {
    const auto counter = [&](const char* decision) {
      return &registry.GetCounter(kName, kHelp, {{"policy", config.name}, {"decision", decision}});
    };
    entries_.push_back({BuildPolicy(config, /*top_level=*/true, trace_state_rules_), counter("sampled"),
                        counter("not_sampled"), counter("dropped"),
                        config.type == PolicyType::kDrop});
  }
  // Drop policies first: a trace they drop never consumes rate_limiting or composite budget, and
  // sample_on_first_match cannot skip them.
  std::stable_partition(entries_.begin(), entries_.end(), [&](const Entry& entry) {
    return entry.is_drop;
  });
}

std::uint32_t PolicySet::MatchTraceState(std::string_view trace_state) const {
  std::uint32_t bits = 0;
  for (std::size_t i = 0; i < trace_state_rules_.size(); ++i) {
    if (trace_state_rules_[i].Matches(trace_state)) bits |= 1u << i;
  }
  return bits;
}

bool PolicySet::Decide(const TraceView& trace) {
  bool sampled = false, not_sampled = false, invert_sampled = false, invert_not_sampled = false;
  for (auto& entry : entries_) {
    const Decision decision = entry.policy->Evaluate(trace);
    switch (decision) {
      case Decision::kDropped:
        entry.dropped->Increment();
        return false;  // a matching drop policy wins over everything
      case Decision::kSampled:
      case Decision::kInvertSampled:
        entry.sampled->Increment();
        break;
      case Decision::kNotSampled:
      case Decision::kInvertNotSampled:
        entry.not_sampled->Increment();
        break;
    }
    sampled |= decision == Decision::kSampled;
    not_sampled |= decision == Decision::kNotSampled;
    invert_sampled |= decision == Decision::kInvertSampled;
    invert_not_sampled |= decision == Decision::kInvertNotSampled;
    if (sample_on_first_match_ && decision == Decision::kSampled) break;
  }
  if (invert_not_sampled) return false;
  if (sampled) return true;
  return invert_sampled && !not_sampled;
}

}  // namespace hoptrace::collector::sampling
