#pragma once
// Recycles SpanRecords so a warm SDK records spans without heap allocation: a record's strings and
// vectors keep their buffers between uses (see model::SlotVector).
//
// Why it looks like this (docs/architecture.md, "The SDK's hot path"):
// - Free records are kept in stripes, one per thread index, and a record goes back to the stripe of
//   the thread that took it. Threads recording spans at the same time then touch different cache
//   lines and mostly their own records, instead of taking turns on one shared head.
// - A stripe has two lists. `free`, under a mutex that application threads only ever try (when it is
//   held they try the next stripe, and allocate when all are busy or empty: they never wait), and
//   `returned`, a lock-free list that records are pushed onto, a whole exported batch at a time, and
//   that is taken in one exchange when `free` runs out. The export thread thus never takes a lock the
//   application threads hammer (it would starve behind them), and there is no ABA: nothing is ever
//   popped from `returned` one record at a time.
// - Both are stacks. Once the records the pool started with are used up, a thread takes the records
//   it used most recently, whose lines are likely still in its core's cache; a ring would cycle
//   through every free record, more than fits in L2.
// - A record is cleared when it is taken, on the thread that is about to fill it, not when the export
//   thread gives it back: the export thread then only reads records, and their lines are not pulled
//   to its core and back for every span.

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "hoptrace/sdk/span_record.h"

namespace hoptrace::sdk {

class SpanRecordPool {
 public:
  // Starts with `capacity` records so that, while no more than that are in flight, spans never allocate
  // records (only each record's buffers grow, once, on first use). Keeps at most twice as many.
  SpanRecordPool(std::size_t capacity, std::size_t stripes);
  ~SpanRecordPool();
  SpanRecordPool(const SpanRecordPool&) = delete;
  SpanRecordPool& operator=(const SpanRecordPool&) = delete;

  // A cleared record: reused when one is free, else newly allocated.
  SpanRecordPtr Acquire();
  // Takes a record back (from any thread; never waits); deletes it when the pool is full.
  void Release(SpanRecord* record);
  // Gives every record of `records` back to its pool (or deletes it, when it has none) and empties
  // `records`. For the export thread: it takes each stripe's lock once per run of records that belong
  // to it (an exported batch comes in such runs), waiting for it if need be.
  static void ReleaseAll(std::vector<SpanRecordPtr>& records);

  std::size_t allocated() const { return allocated_.load(std::memory_order_relaxed); }

 private:
  struct alignas(64) Stripe {
    std::mutex mutex;                             // application threads only try it
    SpanRecord* free = nullptr;                   // guarded by mutex; linked through next_free
    std::atomic<SpanRecord*> returned{nullptr};  // pushed onto by anyone, taken whole under mutex
  };

  SpanRecord* TakeFree(std::size_t home);
  // Pushes the list first..last (linked through next_free) onto a stripe's `returned`.
  static void PushReturned(Stripe& stripe, SpanRecord* first, SpanRecord* last);
  void GiveBackRun(std::span<SpanRecordPtr> run);  // all from this pool and one stripe
  bool Full() const { return allocated_.load(std::memory_order_relaxed) > max_records_; }
  void Delete(SpanRecord* record);

  std::vector<std::unique_ptr<Stripe>> stripes_;
  const std::size_t max_records_;
  alignas(64) std::atomic<std::size_t> allocated_{0};  // written only when records are made or deleted
};

}  // namespace hoptrace::sdk
