#pragma once
// A bounded multi-producer multi-consumer queue of pointers without locks (Dmitry Vyukov's
// array-based design): one compare-and-swap per push or pop, no allocation after construction.
// Not strictly lock-free: a thread preempted between claiming a slot and finishing with it makes
// others see "empty" at that slot (a claimed push) or "full" one lap later (a claimed pop) until it
// resumes. Callers must treat both answers as possibly spurious.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>

namespace hoptrace::sdk::internal {

template <typename T>
class BoundedQueue {
 public:
  // `capacity` is rounded up to a power of two.
  explicit BoundedQueue(std::size_t capacity) : mask_(RoundUpToPowerOfTwo(capacity) - 1) {
    cells_ = std::make_unique<Cell[]>(mask_ + 1);
    for (std::size_t i = 0; i <= mask_; ++i) cells_[i].sequence.store(i, std::memory_order_relaxed);
  }

  std::size_t capacity() const { return mask_ + 1; }

  // What a queue of `n` holds (at least 2).
  static std::size_t RoundUpToPowerOfTwo(std::size_t n) {
    std::size_t power = 2;
    while (power < n) power <<= 1;
    return power;
  }

  // False when full.
  bool TryPush(T* item) {
    std::size_t position = tail_.load(std::memory_order_relaxed);
    for (;;) {
      Cell& cell = cells_[position & mask_];
      const std::size_t sequence = cell.sequence.load(std::memory_order_acquire);
      const auto difference = static_cast<std::ptrdiff_t>(sequence) - static_cast<std::ptrdiff_t>(position);
      if (difference == 0) {
        if (tail_.compare_exchange_weak(position, position + 1, std::memory_order_relaxed)) {
          cell.item = item;
          cell.sequence.store(position + 1, std::memory_order_release);
          return true;
        }
      } else if (difference < 0) {
        return false;
      } else {
        position = tail_.load(std::memory_order_relaxed);
      }
    }
  }

  // Null when empty.
  T* TryPop() {
    std::size_t position = head_.load(std::memory_order_relaxed);
    for (;;) {
      Cell& cell = cells_[position & mask_];
      const std::size_t sequence = cell.sequence.load(std::memory_order_acquire);
      const auto difference =
          static_cast<std::ptrdiff_t>(sequence) - static_cast<std::ptrdiff_t>(position + 1);
      if (difference == 0) {
        if (head_.compare_exchange_weak(position, position + 1, std::memory_order_relaxed)) {
          T* item = cell.item;
          cell.sequence.store(position + mask_ + 1, std::memory_order_release);
          return item;
        }
      } else if (difference < 0) {
        return nullptr;
      } else {
        position = head_.load(std::memory_order_relaxed);
      }
    }
  }

  // Successful pushes so far (the tail position): a count the queue keeps anyway, so callers need no
  // counter of their own on a contended cache line.
  std::size_t PushCount() const { return tail_.load(std::memory_order_relaxed); }

  // Approximate under concurrency.
  std::size_t SizeApprox() const {
    const std::size_t tail = tail_.load(std::memory_order_relaxed);
    const std::size_t head = head_.load(std::memory_order_relaxed);
    return tail >= head ? tail - head : 0;
  }

 private:
  static constexpr std::size_t kCacheLine = 64;
  struct Cell {
    std::atomic<std::size_t> sequence;
    T* item = nullptr;
  };

  const std::size_t mask_;
  std::unique_ptr<Cell[]> cells_;
  alignas(kCacheLine) std::atomic<std::size_t> tail_{0};
  alignas(kCacheLine) std::atomic<std::size_t> head_{0};
};

}  // namespace hoptrace::sdk::internal
