#pragma once
// Retries with exponential backoff and jitter, shared by the HTTP and gRPC transports. One export
// is a series of attempts bounded by the export deadline; Shutdown cuts a backoff sleep short.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <string>

namespace hoptrace::sdk::exporters::otlp {

using Clock = std::chrono::steady_clock;

// Defaults follow the OpenTelemetry exporter guidance (initial 1 s, max 5 s, x1.5, 5 attempts).
struct RetryPolicy {
  int max_attempts = 5;  // including the first; 1 disables retries
  std::chrono::milliseconds initial_backoff{1000};
  std::chrono::milliseconds max_backoff{5000};
  double backoff_multiplier = 1.5;
  double jitter = 0.2;  // each delay is scaled by a random factor in [1 - jitter, 1 + jitter]
};

// What one attempt to deliver a request came to.
struct AttemptOutcome {
  enum class Kind { kSuccess, kRetryable, kPermanentFailure };
  Kind kind = Kind::kPermanentFailure;
  std::string error;                                     // why it failed, for the log
  std::optional<std::chrono::milliseconds> retry_after;  // the server's requested delay
  std::uint64_t rejected_spans = 0;                      // partial success: spans the server refused
  std::string partial_success_message;

  static AttemptOutcome Success() { return Make(Kind::kSuccess, {}); }
  static AttemptOutcome Retryable(std::string error) { return Make(Kind::kRetryable, std::move(error)); }
  static AttemptOutcome Permanent(std::string error) { return Make(Kind::kPermanentFailure, std::move(error)); }
  static AttemptOutcome Make(Kind kind, std::string error) {
    AttemptOutcome outcome;
    outcome.kind = kind;
    outcome.error = std::move(error);
    return outcome;
  }
  bool ok() const { return kind == Kind::kSuccess; }
};

// The delays between attempts: initial, initial*multiplier, ... capped at max_backoff, each jittered.
class Backoff {
 public:
  explicit Backoff(const RetryPolicy& policy, std::uint64_t seed = std::random_device{}());
  std::chrono::milliseconds Next();

 private:
  const RetryPolicy policy_;
  double base_ms_;
  std::mt19937_64 random_;
};

// A sleep another thread can interrupt for good (Shutdown): once interrupted, every later sleep
// returns at once.
class InterruptibleSleeper {
 public:
  // Returns false when interrupted.
  bool SleepFor(std::chrono::milliseconds duration);
  void Interrupt();
  bool interrupted() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool interrupted_ = false;
};

struct RetryResult {
  AttemptOutcome last;  // the final attempt's outcome
  int attempts = 0;
};

using Attempt = std::function<AttemptOutcome(Clock::time_point deadline)>;

// Calls `attempt` until it succeeds or fails permanently, the attempts run out, the next delay
// would end past `deadline`, or `sleeper` is interrupted. A server's Retry-After replaces the
// computed backoff for that one delay.
RetryResult RunWithRetries(const RetryPolicy& policy, Clock::time_point deadline, InterruptibleSleeper& sleeper,
                           const Attempt& attempt);

}  // namespace hoptrace::sdk::exporters::otlp
