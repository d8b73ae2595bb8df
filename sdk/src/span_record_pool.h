#pragma once
// Recycles SpanRecords so a warm SDK records spans without heap allocation: a record's strings and
// vectors keep their buffers between uses (see model::SlotVector).

#include <atomic>
#include <cstddef>
#include <mutex>
#include <vector>

#include "bounded_queue.h"
#include "hoptrace/sdk/span_record.h"

namespace hoptrace::sdk {

class SpanRecordPool {
 public:
  // Starts with `capacity` records so that, while no more than that are in flight, spans never allocate
  // records (only each record's buffers grow, once, on first use).
  explicit SpanRecordPool(std::size_t capacity);
  ~SpanRecordPool();
  SpanRecordPool(const SpanRecordPool&) = delete;
  SpanRecordPool& operator=(const SpanRecordPool&) = delete;

  // A cleared record: reused when one is free, else newly allocated.
  SpanRecordPtr Acquire();
  // Takes a record back; deletes it when the pool is full.
  void Release(SpanRecord* record);

  std::size_t allocated() const { return allocated_.load(std::memory_order_relaxed); }

 private:
  SpanRecord* PopOverflow();
  bool PushOverflow(SpanRecord* record);

  internal::BoundedQueue<SpanRecord> free_;
  // The lock-free ring can report "empty" or "full" while another thread that claimed a slot is
  // preempted before finishing with it. Rather than allocating or deleting records then, those rare
  // cases go through this locked list.
  std::mutex overflow_mutex_;
  std::vector<SpanRecord*> overflow_;
  std::atomic<std::size_t> overflow_size_{0};  // read without the lock: is it worth taking?
  const std::size_t capacity_;
  std::atomic<std::size_t> allocated_{0};
};

}  // namespace hoptrace::sdk
