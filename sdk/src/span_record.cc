#include "hoptrace/sdk/span_record.h"

#include <map>
#include <utility>

#include "span_record_pool.h"

namespace hoptrace::sdk {

void SpanRecordRelease::operator()(SpanRecord* record) const {
  if (record->pool != nullptr) {
    record->pool->Release(record);
  } else {
    delete record;
  }
}

SpanRecordPool::SpanRecordPool(std::size_t capacity) : free_(capacity), capacity_(capacity) {
  overflow_.reserve(capacity);
  for (std::size_t i = 0; i < capacity; ++i) {
    if (!free_.TryPush(new SpanRecord())) break;
    allocated_.fetch_add(1, std::memory_order_relaxed);
  }
}

SpanRecordPool::~SpanRecordPool() {
  while (SpanRecord* record = free_.TryPop()) delete record;
  for (SpanRecord* record : overflow_) delete record;
}

SpanRecordPtr SpanRecordPool::Acquire() {
  // Records parked in the overflow list go back into circulation first, so it stays short and
  // records are not deleted and allocated again.
  SpanRecord* record = overflow_size_.load(std::memory_order_relaxed) > 0 ? PopOverflow() : nullptr;
  if (record == nullptr) record = free_.TryPop();
  if (record == nullptr) record = PopOverflow();
  if (record == nullptr) {
    record = new SpanRecord();
    allocated_.fetch_add(1, std::memory_order_relaxed);
  }
  record->pool = this;
  return SpanRecordPtr(record);
}

void SpanRecordPool::Release(SpanRecord* record) {
  // Clearing keeps the buffers (SlotVector, std::string capacity) for the next span. The name is
  // kept as it is: the next span overwrites it, usually with the same text.
  model::Span& span = record->span;
  span.trace_state.clear();
  span.attributes.clear();
  span.events.clear();
  span.links.clear();
  span.status.message.clear();
  if (!free_.TryPush(record) && !PushOverflow(record)) {
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
  if (overflow_.size() >= capacity_) return false;  // the pool keeps at most twice its capacity
  overflow_.push_back(record);
  overflow_size_.store(overflow_.size(), std::memory_order_relaxed);
  return true;
}

model::TraceBatch ToTraceBatch(std::span<const SpanRecordPtr> records) {
  model::TraceBatch batch;
  // Keys are pointers owned by the provider and its tracers, so equal pointers mean equal scopes.
  std::map<const model::Resource*, std::size_t> resource_index;
  std::map<std::pair<std::size_t, const model::InstrumentationScope*>, std::size_t> scope_index;
  for (const SpanRecordPtr& record : records) {
    auto [resource_it, new_resource] = resource_index.try_emplace(record->resource, batch.resource_spans.size());
    if (new_resource) {
      auto& resource_spans = batch.resource_spans.emplace_back();
      if (record->resource != nullptr) resource_spans.resource = *record->resource;
    }
    auto& resource_spans = batch.resource_spans[resource_it->second];
    auto [scope_it, new_scope] = scope_index.try_emplace({resource_it->second, record->scope},
                                                         resource_spans.scope_spans.size());
    if (new_scope) {
      auto& scope_spans = resource_spans.scope_spans.emplace_back();
      if (record->scope != nullptr) scope_spans.scope = *record->scope;
    }
    resource_spans.scope_spans[scope_it->second].spans.push_back(record->span);
  }
  return batch;
}

}  // namespace hoptrace::sdk
