#include "hoptrace/sdk/exporters/otlp/retry.h"

#include <algorithm>

namespace hoptrace::sdk::exporters::otlp {

Backoff::Backoff(const RetryPolicy& policy, std::uint64_t seed)
    : policy_(policy), base_ms_(static_cast<double>(policy.initial_backoff.count())), random_(seed) {}

std::chrono::milliseconds Backoff::Next() {
  const double max_ms = static_cast<double>(policy_.max_backoff.count());
  const double capped = std::min(base_ms_, max_ms);
  base_ms_ = std::min(base_ms_ * std::max(policy_.backoff_multiplier, 1.0), max_ms);
  const double jitter = std::clamp(policy_.jitter, 0.0, 1.0);
  std::uniform_real_distribution<double> factor(1.0 - jitter, 1.0 + jitter);
  return std::chrono::milliseconds(static_cast<std::int64_t>(capped * factor(random_)));
}

bool InterruptibleSleeper::SleepFor(std::chrono::milliseconds duration) {
  std::unique_lock lock(mutex_);
  return !wake_.wait_for(lock, duration, [this] { return interrupted_; });
}

void InterruptibleSleeper::Interrupt() {
  {
    std::lock_guard lock(mutex_);
    interrupted_ = true;
  }
  wake_.notify_all();
}

bool InterruptibleSleeper::interrupted() const {
  std::lock_guard lock(mutex_);
  return interrupted_;
}

RetryResult RunWithRetries(const RetryPolicy& policy, Clock::time_point deadline, InterruptibleSleeper& sleeper,
                           const Attempt& attempt) {
  Backoff backoff(policy);
  RetryResult result;
  const int max_attempts = std::max(policy.max_attempts, 1);
  while (true) {
    result.last = attempt(deadline);
    ++result.attempts;
    if (result.last.kind != AttemptOutcome::Kind::kRetryable) return result;
    if (result.attempts >= max_attempts) {
      result.last.error += " (gave up after " + std::to_string(result.attempts) + " attempts)";
      return result;
    }
    const std::chrono::milliseconds computed = backoff.Next();
    const std::chrono::milliseconds delay = result.last.retry_after.value_or(computed);
    // Sleeping only to find the deadline passed would waste the caller's time: fail now instead.
    if (Clock::now() + delay >= deadline) {
      result.last.error += " (no time left for a retry within the export timeout)";
      return result;
    }
    if (!sleeper.SleepFor(delay)) {
      result.last.error += " (retry abandoned: exporter shut down)";
      return result;
    }
  }
}

}  // namespace hoptrace::sdk::exporters::otlp
