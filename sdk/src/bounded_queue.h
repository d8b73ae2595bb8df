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
#include <span>

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
    // The cells a few pushes ahead were last written by a pop one lap ago and have usually left this
    // core's caches; the popping side is far behind them, so fetching them now takes nothing from it.
    __builtin_prefetch(&cells_[(position + kPrefetchCells) & mask_], 1);
    for (;;) {
      Cell& cell = cells_[position & mask_];
      const std::size_t sequence = cell.sequence.load(std::memory_order_acquire);
      const auto difference = static_cast<std::ptrdiff_t>(sequence) - static_cast<std::ptrdiff_t>(position);
      if (difference == 0) {
        if (tail_.compare_exchange_weak(position, position + 1, std::memory_order_relaxed)) {
          cell.item.store(item, std::memory_order_relaxed);
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

  // Pushes the first items of `items` in order with one compare-and-swap, for a producer that gives
  // back a batch; returns how many (as many as there are free cells in a row). Zero when full.
  std::size_t TryPushMany(std::span<T* const> items) {
    std::size_t position = tail_.load(std::memory_order_relaxed);
    for (;;) {
      const auto difference =
          static_cast<std::ptrdiff_t>(SequenceAt(position)) - static_cast<std::ptrdiff_t>(position);
      if (difference < 0) return 0;
      if (difference > 0) {  // another producer took it: start again from the current tail
        position = tail_.load(std::memory_order_relaxed);
        continue;
      }
      std::size_t free = 1;
      while (free < items.size() && free <= mask_ && SequenceAt(position + free) == position + free) ++free;
      // Only producers fill an empty cell, and they move the tail first: if it has not moved, the
      // `free` cells are still empty and now ours.
      if (tail_.compare_exchange_weak(position, position + free, std::memory_order_relaxed)) {
        for (std::size_t i = 0; i < free; ++i) {
          Cell& cell = cells_[(position + i) & mask_];
          cell.item.store(items[i], std::memory_order_relaxed);
          cell.sequence.store(position + i + 1, std::memory_order_release);
        }
        return free;
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
          T* item = cell.item.load(std::memory_order_relaxed);
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

  // Pops up to `out.size()` items in order with one compare-and-swap, for a consumer that takes a batch
  // (no locked instruction per item); returns how many. Zero when empty.
  std::size_t TryPopMany(std::span<T*> out) {
    std::size_t position = head_.load(std::memory_order_relaxed);
    for (;;) {
      const auto difference = static_cast<std::ptrdiff_t>(SequenceAt(position)) -
                              static_cast<std::ptrdiff_t>(position + 1);
      if (difference < 0) return 0;
      if (difference > 0) {  // another consumer took it: start again from the current head
        position = head_.load(std::memory_order_relaxed);
        continue;
      }
      std::size_t ready = 1;
      while (ready < out.size() && ready <= mask_ && SequenceAt(position + ready) == position + ready + 1) ++ready;
      // Only consumers empty a full cell, and they move the head first: if it has not moved, the
      // `ready` cells are still full and now ours.
      if (head_.compare_exchange_weak(position, position + ready, std::memory_order_relaxed)) {
        for (std::size_t i = 0; i < ready; ++i) {
          Cell& cell = cells_[(position + i) & mask_];
          out[i] = cell.item.load(std::memory_order_relaxed);
          cell.sequence.store(position + i + mask_ + 1, std::memory_order_release);
        }
        return ready;
      }
    }
  }

  // The item the next TryPop would return if nothing happened in between, or null: only a hint, for
  // prefetching what it points to (by the time it is popped it may have been taken by another thread).
  T* PeekApprox() const {
    const std::size_t position = head_.load(std::memory_order_relaxed);
    const Cell& cell = cells_[position & mask_];
    return cell.sequence.load(std::memory_order_relaxed) == position + 1 ? cell.item.load(std::memory_order_relaxed)
                                                                          : nullptr;
  }

  // Successful pushes so far (the tail position): a count the queue keeps anyway, so callers need no
  // counter of their own on a contended cache line.
  std::size_t PushCount() const { return tail_.load(std::memory_order_relaxed); }

  // Whether `n` or more items are queued, for the pushing side: it remembers the head it last read
  // (on the tail's cache line), and reads the head again, a line the popping side writes, only when
  // that remembered head no longer rules the answer out. Approximate under concurrency, like
  // SizeApprox, but never false when a push that returned before the call brought the size to `n`
  // and nothing was popped since.
  bool SizeAtLeast(std::size_t n) {
    const std::size_t tail = tail_.load(std::memory_order_relaxed);
    const std::size_t known_head = known_head_.load(std::memory_order_relaxed);
    if (tail < known_head || tail - known_head < n) return false;  // the head only grows
    const std::size_t head = head_.load(std::memory_order_relaxed);
    known_head_.store(head, std::memory_order_relaxed);
    return tail >= head && tail - head >= n;
  }

  // Approximate under concurrency.
  std::size_t SizeApprox() const {
    const std::size_t tail = tail_.load(std::memory_order_relaxed);
    const std::size_t head = head_.load(std::memory_order_relaxed);
    return tail >= head ? tail - head : 0;
  }

 private:
  static constexpr std::size_t kCacheLine = 64;
  static constexpr std::size_t kPrefetchCells = 8;  // two cache lines ahead
  struct Cell {
    std::atomic<std::size_t> sequence;
    std::atomic<T*> item{nullptr};  // atomic only so that PeekApprox may read it while a push writes it
  };

  std::size_t SequenceAt(std::size_t position) const {
    return cells_[position & mask_].sequence.load(std::memory_order_acquire);
  }

  const std::size_t mask_;
  std::unique_ptr<Cell[]> cells_;
  alignas(kCacheLine) std::atomic<std::size_t> tail_{0};
  std::atomic<std::size_t> known_head_{0};  // a head SizeAtLeast read: at most the current one
  alignas(kCacheLine) std::atomic<std::size_t> head_{0};
};

}  // namespace hoptrace::sdk::internal
