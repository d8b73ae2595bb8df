#include "span_record_pool.h"

#include "thread_index.h"

namespace hoptrace::sdk {
namespace {

// Keeps the buffers (SlotVector, std::string capacity) for the next span. The name is kept as it is:
// the next span overwrites it, usually with the same text.
void ClearForReuse(model::Span& span) {
  span.trace_state.clear();
  span.attributes.clear();
  span.events.clear();
  span.links.clear();
  span.status.message.clear();
}

// Each stripe's ring is a whole power of two, so that a stripe's limit is its ring's capacity and
// giving a record back needs no size check (which would read the taking thread's cache line).
std::size_t StripeCapacity(std::size_t capacity, std::size_t stripes) {
  return internal::BoundedQueue<SpanRecord>::RoundUpToPowerOfTwo((capacity + stripes - 1) / stripes);
}

}  // namespace

void SpanRecordRelease::operator()(SpanRecord* record) const {
  if (record->pool != nullptr) {
    record->pool->Release(record);
  } else {
    delete record;
  }
}

SpanRecordPool::SpanRecordPool(std::size_t capacity, std::size_t stripes)
    : free_(StripeCapacity(capacity, stripes) * stripes, stripes), capacity_(capacity) {
  overflow_.reserve(capacity);
  for (std::size_t i = 0; i < capacity; ++i) {
    // Each stripe gets a run of records allocated one after the other: a thread going through them in
    // order walks memory in order, which the hardware prefetchers follow.
    std::size_t stripe = i * free_.stripe_count() / capacity;
    if (!free_.TryPush(new SpanRecord(), stripe)) break;
    allocated_.fetch_add(1, std::memory_order_relaxed);
  }
}

SpanRecordPool::~SpanRecordPool() {
  std::size_t stripe = 0;
  while (SpanRecord* record = free_.TryPop(stripe)) delete record;
  for (SpanRecord* record : overflow_) delete record;
}

SpanRecordPtr SpanRecordPool::Acquire() {
  const std::size_t home = internal::ThisThreadIndex();
  // Records parked in the overflow list go back into circulation first, so it stays short and
  // records are not deleted and allocated again.
  SpanRecord* record = overflow_size_.load(std::memory_order_relaxed) > 0 ? PopOverflow() : nullptr;
  std::size_t stripe = home;
  if (record == nullptr) record = free_.TryPop(stripe);
  if (record == nullptr) record = PopOverflow();
  if (record == nullptr) {
    record = new SpanRecord();
    allocated_.fetch_add(1, std::memory_order_relaxed);
  }
  // Cleared here, on the thread that is about to fill it, rather than when it is given back on the
  // export thread: with an exporter that does not read every field (or drops the batch), the record's
  // cache lines then stay on the recording thread's core instead of crossing to the export thread's
  // and back on every span.
  ClearForReuse(record->span);
  record->pool = this;
  record->pool_stripe = home;  // comes back to this thread's stripe, wherever it was taken from
  PrefetchNext(stripe);
  return SpanRecordPtr(record);
}

// A ring hands out the record given back longest ago, which has usually left this core's caches: its
// lines are fetched now, while this span is being recorded, rather than when the next span starts.
void SpanRecordPool::PrefetchNext(std::size_t stripe) const {
  const SpanRecord* next = free_.PeekApprox(stripe);
  if (next == nullptr) return;
  const auto* bytes = reinterpret_cast<const char*>(next);
  for (std::size_t offset = 0; offset < sizeof(SpanRecord); offset += 64) __builtin_prefetch(bytes + offset, 1);
}

void SpanRecordPool::Release(SpanRecord* record) {
  std::size_t stripe = record->pool_stripe;
  if (!free_.TryPush(record, stripe) && !PushOverflow(record)) {
    delete record;
    allocated_.fetch_sub(1, std::memory_order_relaxed);
  }
}

SpanRecord* SpanRecordPool::PopOverflow() {
  std::lock_guard lock(overflow_mutex_);
  if (overflow_.empty()) return nullptr;
  SpanRecord* record = overflow_.back();
  overflow_.pop_back();
  overflow_size_.store(overflow_.size(), std::memory_order_relaxed);
  return record;
}

bool SpanRecordPool::PushOverflow(SpanRecord* record) {
  std::lock_guard lock(overflow_mutex_);
  if (overflow_.size() >= capacity_) return false;  // the pool keeps at most its rings plus its capacity
  overflow_.push_back(record);
  overflow_size_.store(overflow_.size(), std::memory_order_relaxed);
  return true;
}

}  // namespace hoptrace::sdk
