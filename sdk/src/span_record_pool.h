#pragma once
// Recycles SpanRecords so a warm SDK records spans without heap allocation: a record's strings and
// vectors keep their buffers between uses (see model::SlotVector).
//
// Free records are kept in stripes (see StripedQueue), one per thread index, and a record goes back
// to the stripe of the thread that took it: threads recording spans at the same time each take from
// their own ring, which only the export thread gives back to, instead of taking turns on one shared
// head (docs/architecture.md, "The SDK's hot path").

#include <atomic>
#include <cstddef>
#include <mutex>
#include <vector>

#include "hoptrace/sdk/span_record.h"
#include "striped_queue.h"

namespace hoptrace::sdk {

class SpanRecordPool {
 public:
  // Starts with `capacity` records so that, while no more than that are in flight, spans never allocate
  // records (only each record's buffers grow, once, on first use).
  SpanRecordPool(std::size_t capacity, std::size_t stripes);
  ~SpanRecordPool();
  SpanRecordPool(const SpanRecordPool&) = delete;
  SpanRecordPool& operator=(const SpanRecordPool&) = delete;

  // A cleared record: reused when one is free, else newly allocated.
  SpanRecordPtr Acquire();
  // Takes a record back; deletes it when the pool is full.
  void Release(SpanRecord* record);

  std::size_t allocated() const { return allocated_.load(std::memory_order_relaxed); }

 private:
  void PrefetchNext(std::size_t stripe) const;
  SpanRecord* PopOverflow();
  bool PushOverflow(SpanRecord* record);

  internal::StripedQueue<SpanRecord> free_;
  // A ring can report "empty" or "full" while another thread that claimed a slot is preempted before
  // finishing with it. Rather than allocating or deleting records then, those rare cases go through
  // this locked list.
  alignas(64) std::mutex overflow_mutex_;
  std::vector<SpanRecord*> overflow_;
  const std::size_t capacity_;
  alignas(64) std::atomic<std::size_t> overflow_size_{0};  // read without the lock: is it worth taking?
  std::atomic<std::size_t> allocated_{0};
};

}  // namespace hoptrace::sdk
