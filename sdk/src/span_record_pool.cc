#include "span_record_pool.h"

#include <algorithm>
#include <functional>
#include <utility>

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

}  // namespace

void SpanRecordRelease::operator()(SpanRecord* record) const {
  if (record->pool != nullptr) {
    record->pool->Release(record);
  } else {
    delete record;
  }
}

SpanRecordPool::SpanRecordPool(std::size_t capacity, std::size_t stripes) : max_records_(2 * capacity) {
  stripes = std::max<std::size_t>(stripes, 1);
  for (std::size_t i = 0; i < stripes; ++i) stripes_.push_back(std::make_unique<Stripe>());
  for (std::size_t n = 0; n < capacity; ++n) {
    Stripe& stripe = *stripes_[n % stripes];
    auto* record = new SpanRecord();
    record->next_free = stripe.free;
    stripe.free = record;
  }
  allocated_.store(capacity, std::memory_order_relaxed);
}

SpanRecordPool::~SpanRecordPool() {
  const auto delete_list = [](SpanRecord* record) {
    while (record != nullptr) delete std::exchange(record, record->next_free);
  };
  for (const auto& stripe : stripes_) {
    delete_list(stripe->free);
    delete_list(stripe->returned.load());
  }
}

SpanRecordPtr SpanRecordPool::Acquire() {
  const std::size_t home = internal::ThisThreadIndex() % stripes_.size();
  SpanRecord* record = TakeFree(home);
  if (record == nullptr) {
    record = new SpanRecord();
    allocated_.fetch_add(1, std::memory_order_relaxed);
  } else {
    ClearForReuse(record->span);
  }
  record->pool = this;
  record->pool_stripe = home;
  return SpanRecordPtr(record);
}

SpanRecord* SpanRecordPool::TakeFree(std::size_t home) {
  for (std::size_t tried = 0; tried < stripes_.size(); ++tried) {
    Stripe& stripe = *stripes_[(home + tried) % stripes_.size()];
    std::unique_lock lock(stripe.mutex, std::try_to_lock);
    if (!lock.owns_lock()) continue;
    if (stripe.free == nullptr) stripe.free = stripe.returned.exchange(nullptr, std::memory_order_acquire);
    if (SpanRecord* record = stripe.free) {
      stripe.free = record->next_free;
      return record;
    }
  }
  return nullptr;
}

void SpanRecordPool::Release(SpanRecord* record) {
  if (Full()) {
    Delete(record);
  } else {
    PushReturned(*stripes_[record->pool_stripe % stripes_.size()], record, record);
  }
}

void SpanRecordPool::PushReturned(Stripe& stripe, SpanRecord* first, SpanRecord* last) {
  last->next_free = stripe.returned.load(std::memory_order_relaxed);
  while (!stripe.returned.compare_exchange_weak(last->next_free, first, std::memory_order_release,
                                                std::memory_order_relaxed)) {
  }
}

void SpanRecordPool::ReleaseAll(std::vector<SpanRecordPtr>& records) {
  const auto same_home = [](const SpanRecordPtr& a, const SpanRecordPtr& b) {
    return a->pool == b->pool && a->pool_stripe == b->pool_stripe;
  };
  for (auto run_begin = records.begin(); run_begin != records.end();) {
    const auto run_end = std::adjacent_find(run_begin, records.end(), std::not_fn(same_home));
    const auto next = run_end == records.end() ? run_end : run_end + 1;
    if (SpanRecordPool* pool = (*run_begin)->pool) pool->GiveBackRun({run_begin, next});
    run_begin = next;
  }
  records.clear();  // deletes the records that have no pool
}

void SpanRecordPool::GiveBackRun(std::span<SpanRecordPtr> run) {
  // Linked last to first: the span that ended last, the likeliest to be still in a cache, is reused first.
  SpanRecord* first = nullptr;
  SpanRecord* last = nullptr;
  for (SpanRecordPtr& owned : run) {
    SpanRecord* record = owned.release();
    if (Full()) {
      Delete(record);
      continue;
    }
    record->next_free = first;
    first = record;
    if (last == nullptr) last = record;
  }
  if (first != nullptr) PushReturned(*stripes_[first->pool_stripe % stripes_.size()], first, last);
}

void SpanRecordPool::Delete(SpanRecord* record) {
  delete record;
  allocated_.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace hoptrace::sdk
