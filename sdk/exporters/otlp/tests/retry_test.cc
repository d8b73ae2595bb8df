#include "hoptrace/sdk/exporters/otlp/retry.h"

#include <gtest/gtest.h>

#include <thread>

namespace hoptrace::sdk::exporters::otlp {
namespace {

using std::chrono::milliseconds;

RetryPolicy FastPolicy(int max_attempts) {
  RetryPolicy policy;
  policy.max_attempts = max_attempts;
  policy.initial_backoff = milliseconds(10);
  policy.max_backoff = milliseconds(40);
  policy.jitter = 0;
  return policy;
}

TEST(BackoffTest, GrowsByTheMultiplierUpToTheCap) {
  RetryPolicy policy;
  policy.initial_backoff = milliseconds(1000);
  policy.max_backoff = milliseconds(5000);
  policy.backoff_multiplier = 1.5;
  policy.jitter = 0;
  Backoff backoff(policy);
  EXPECT_EQ(backoff.Next(), milliseconds(1000));
  EXPECT_EQ(backoff.Next(), milliseconds(1500));
  EXPECT_EQ(backoff.Next(), milliseconds(2250));
  EXPECT_EQ(backoff.Next(), milliseconds(3375));
  EXPECT_EQ(backoff.Next(), milliseconds(5000));
  EXPECT_EQ(backoff.Next(), milliseconds(5000));
}

TEST(BackoffTest, JitterStaysWithinItsBand) {
  RetryPolicy policy;
  policy.initial_backoff = milliseconds(1000);
  policy.backoff_multiplier = 1.0;
  policy.jitter = 0.2;
  Backoff backoff(policy, /*seed=*/42);
  bool varied = false;
  milliseconds first = backoff.Next();
  for (int i = 0; i < 100; ++i) {
    const milliseconds delay = backoff.Next();
    EXPECT_GE(delay, milliseconds(800));
    EXPECT_LE(delay, milliseconds(1200));
    varied |= delay != first;
  }
  EXPECT_TRUE(varied);
}

TEST(RunWithRetriesTest, StopsAtFirstSuccess) {
  InterruptibleSleeper sleeper;
  int calls = 0;
  const RetryResult result = RunWithRetries(FastPolicy(5), Clock::now() + std::chrono::seconds(5), sleeper, [&](auto) {
    return ++calls < 3 ? AttemptOutcome::Retryable("busy") : AttemptOutcome::Success();
  });
  EXPECT_TRUE(result.last.ok());
  EXPECT_EQ(result.attempts, 3);
}

TEST(RunWithRetriesTest, PermanentFailureIsNotRetried) {
  InterruptibleSleeper sleeper;
  const RetryResult result = RunWithRetries(FastPolicy(5), Clock::now() + std::chrono::seconds(5), sleeper,
                                            [&](auto) { return AttemptOutcome::Permanent("HTTP 400"); });
  EXPECT_EQ(result.attempts, 1);
  EXPECT_EQ(result.last.kind, AttemptOutcome::Kind::kPermanentFailure);
}

TEST(RunWithRetriesTest, GivesUpAfterMaxAttempts) {
  InterruptibleSleeper sleeper;
  const RetryResult result = RunWithRetries(FastPolicy(3), Clock::now() + std::chrono::seconds(5), sleeper,
                                            [&](auto) { return AttemptOutcome::Retryable("down"); });
  EXPECT_EQ(result.attempts, 3);
  EXPECT_FALSE(result.last.ok());
  EXPECT_NE(result.last.error.find("gave up after 3 attempts"), std::string::npos);
}

TEST(RunWithRetriesTest, DoesNotSleepPastTheDeadline) {
  InterruptibleSleeper sleeper;
  const auto start = Clock::now();
  const RetryResult result = RunWithRetries(FastPolicy(5), start + std::chrono::seconds(10), sleeper, [&](auto) {
    AttemptOutcome outcome = AttemptOutcome::Retryable("throttled");
    outcome.retry_after = std::chrono::seconds(30);
    return outcome;
  });
  EXPECT_EQ(result.attempts, 1);
  // Gives up at once rather than sleeping up to the deadline (10 s); the rest is room for a loaded machine.
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
}

TEST(RunWithRetriesTest, RetryAfterReplacesTheBackoff) {
  InterruptibleSleeper sleeper;
  std::vector<Clock::time_point> calls;
  RunWithRetries(FastPolicy(2), Clock::now() + std::chrono::seconds(5), sleeper, [&](auto) {
    calls.push_back(Clock::now());
    AttemptOutcome outcome = AttemptOutcome::Retryable("throttled");
    outcome.retry_after = milliseconds(300);
    return outcome;
  });
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_GE(calls[1] - calls[0], milliseconds(300));
}

TEST(RunWithRetriesTest, InterruptEndsTheBackoffSleep) {
  InterruptibleSleeper sleeper;
  RetryPolicy policy = FastPolicy(5);
  policy.initial_backoff = policy.max_backoff = std::chrono::seconds(10);
  std::thread interrupter([&] {
    std::this_thread::sleep_for(milliseconds(100));
    sleeper.Interrupt();
  });
  const auto start = Clock::now();
  const RetryResult result = RunWithRetries(policy, start + std::chrono::seconds(60), sleeper,
                                            [&](auto) { return AttemptOutcome::Retryable("down"); });
  interrupter.join();
  EXPECT_EQ(result.attempts, 1);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));
  EXPECT_TRUE(sleeper.interrupted());
}

}  // namespace
}  // namespace hoptrace::sdk::exporters::otlp
