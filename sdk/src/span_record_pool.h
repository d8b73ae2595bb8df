#pragma once
// Recycles SpanRecords so a warm SDK records spans without heap allocation: a record's strings and
// vectors keep their buffers between uses (see model::SlotVector).
//
// Free records are kept in stripes (see StripedQueue), one per thread index, and a record goes back
// to the stripe of the thread that took it: threads recording spans at the same time each take from
// their own ring, which only the export thread gives back to, instead of taking turns on one shared
// head (docs/architecture.md, "The SDK's hot path").
//
// A ring hands out the record given back longest ago, so every record in it is used in turn: a ring
// holding a large pool (one that covers a large queue: tens of megabytes with the records' attribute
// buffers) would stream all of it through the caches, several lines per span, on each core. So the
// rings start with a few records each and the rest wait in a reserve; a thread takes a handful from
// the reserve only when its ring runs dry, i.e. when it has more spans in flight than ever before (the
// export thread fell behind).
//
// Such a burst leaves a ring holding every record the burst needed, and a ring never gives records
// back. So each stripe has two rings: a small one of the records given back most recently, which a
// thread takes from first, and a large one of older records, taken from only when the recent one is
// empty. Records given back go to the recent ring; when it is full, its oldest move to the older ring,
// in order and without being read. After a burst a thread cycles through the recent ring's records
// (in the order they were taken, which the hardware prefetchers follow), not through all it ever held.

#include <atomic>
#include <cstddef>
#include <mutex>
#include <span>
#include <vector>

#include "hoptrace/sdk/span_record.h"
#include "striped_queue.h"

namespace hoptrace::sdk {

class SpanRecordPool {
 public:
  // Starts with `capacity` records, each with buffers for a span of several attributes, so that while
  // no more than that are in flight, spans with such attributes never allocate (a record's buffers grow
  // only for a span larger than any it carried before).
  SpanRecordPool(std::size_t capacity, std::size_t stripes);
  ~SpanRecordPool();
  SpanRecordPool(const SpanRecordPool&) = delete;
  SpanRecordPool& operator=(const SpanRecordPool&) = delete;

  // A cleared record: reused when one is free, else newly allocated.
  SpanRecordPtr Acquire();
  // Takes a record back; deletes it when the pool is full.
  void Release(SpanRecord* record);
  // Takes back records of this pool whose pool_stripe is `stripe`, with one ring update for the run
  // instead of one per record, and without reading the records: a thread that did not record them
  // (the export thread) leaves their cache lines where they are.
  void ReleaseMany(std::span<SpanRecord* const> records, std::size_t stripe);

  std::size_t allocated() const { return allocated_.load(std::memory_order_relaxed); }

  // The free records a stripe's rings hold (approximate while other threads use them).
  struct FreeRecords {
    std::size_t recent = 0;
    std::size_t older = 0;
  };
  FreeRecords FreeRecordsOf(std::size_t stripe) const;

 private:
  SpanRecord* TakeFromOtherStripes(std::size_t& stripe);
  void PrefetchNext(std::size_t stripe) const;
  void MakeRecentRoom(std::size_t count, std::size_t stripe);
  void ReleaseToOlder(SpanRecord* record);
  SpanRecord* TakeFromReserve(std::size_t stripe);
  bool PutInReserve(SpanRecord* record);

  internal::StripedQueue<SpanRecord> older_;   // each ring can hold the stripe's share of the pool
  internal::StripedQueue<SpanRecord> recent_;  // a few batches per stripe
  // Records not yet in circulation, and those given back while a ring reported "full" because a thread
  // that claimed a slot in it was preempted (rather than deleting them).
  alignas(64) std::mutex reserve_mutex_;
  std::vector<SpanRecord*> reserve_;  // taken from the back
  const std::size_t capacity_;
  alignas(64) std::atomic<std::size_t> reserve_size_{0};  // read without the lock: is it worth taking?
  std::atomic<std::size_t> allocated_{0};
};

}  // namespace hoptrace::sdk
