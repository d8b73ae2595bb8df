#pragma once
// The sampler's notion of time, injectable so tests run on simulated time.

#include <atomic>
#include <chrono>
#include <cstdint>

namespace hoptrace::collector::sampling {

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic nanoseconds (any epoch).
  virtual std::uint64_t NowNanos() const = 0;
};

class SteadyClock final : public Clock {
 public:
  std::uint64_t NowNanos() const override {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count());
  }
};

// Time moves only when told to.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::uint64_t start_nanos = 1'000'000'000) : now_(start_nanos) {}
  std::uint64_t NowNanos() const override { return now_.load(std::memory_order_relaxed); }
  void Advance(std::chrono::nanoseconds by) {
    now_.fetch_add(static_cast<std::uint64_t>(by.count()), std::memory_order_relaxed);
  }

 private:
  std::atomic<std::uint64_t> now_;
};

}  // namespace hoptrace::collector::sampling
