#include "trace_table.h"

namespace hoptrace::collector::sampling {

TraceTable::TraceTable(std::size_t capacity) : slots_(capacity) {
  std::size_t index_size = 16;
  while (index_size < 2 * capacity) index_size *= 2;
  index_.assign(index_size, kNone);
  free_slots_.reserve(capacity);
  for (std::size_t i = capacity; i > 0; --i) free_slots_.push_back(static_cast<std::uint32_t>(i - 1));
}

std::uint32_t TraceTable::Find(const model::TraceId& id, std::uint64_t hash) const {
  const std::size_t mask = index_.size() - 1;
  for (std::size_t position = hash & mask;; position = (position + 1) & mask) {
    const std::uint32_t slot = index_[position];
    if (slot == kNone) return kNone;
    if (slots_[slot].hash == hash && slots_[slot].id == id) return slot;
  }
}

std::uint32_t TraceTable::Insert(const model::TraceId& id, std::uint64_t hash) {
  const std::uint32_t slot = free_slots_.back();
  free_slots_.pop_back();
  TraceSlot& trace = slots_[slot];
  trace = TraceSlot{};
  trace.id = id;
  trace.hash = hash;
  trace.in_use = true;
  const std::size_t mask = index_.size() - 1;
  std::size_t position = hash & mask;
  while (index_[position] != kNone) position = (position + 1) & mask;
  index_[position] = slot;
  PushBack<&TraceSlot::age_prev, &TraceSlot::age_next>(age_, slot);
  ++size_;
  return slot;
}

void TraceTable::Erase(std::uint32_t slot) {
  TraceSlot& trace = slots_[slot];
  RemoveFromIndex(slot);
  Unlink<&TraceSlot::age_prev, &TraceSlot::age_next>(age_, slot);
  if (trace.in_idle_list) Unlink<&TraceSlot::idle_prev, &TraceSlot::idle_next>(idle_, slot);
  trace.in_use = false;
  trace.in_idle_list = false;
  free_slots_.push_back(slot);
  --size_;
}

void TraceTable::Touch(std::uint32_t slot) {
  TraceSlot& trace = slots_[slot];
  if (!trace.summary.root_seen) return;
  if (trace.in_idle_list) Unlink<&TraceSlot::idle_prev, &TraceSlot::idle_next>(idle_, slot);
  PushBack<&TraceSlot::idle_prev, &TraceSlot::idle_next>(idle_, slot);
  trace.in_idle_list = true;
}

template <std::uint32_t TraceSlot::*Prev, std::uint32_t TraceSlot::*Next>
void TraceTable::PushBack(List& list, std::uint32_t slot) {
  slots_[slot].*Prev = list.tail;
  slots_[slot].*Next = kNone;
  if (list.tail != kNone) slots_[list.tail].*Next = slot;
  else list.head = slot;
  list.tail = slot;
}

template <std::uint32_t TraceSlot::*Prev, std::uint32_t TraceSlot::*Next>
void TraceTable::Unlink(List& list, std::uint32_t slot) {
  const std::uint32_t prev = slots_[slot].*Prev, next = slots_[slot].*Next;
  if (prev != kNone) slots_[prev].*Next = next;
  else list.head = next;
  if (next != kNone) slots_[next].*Prev = prev;
  else list.tail = prev;
  slots_[slot].*Prev = kNone;
  slots_[slot].*Next = kNone;
}

// Linear probing without tombstones: later entries of the run shift back into the hole.
void TraceTable::RemoveFromIndex(std::uint32_t slot) {
  const std::size_t mask = index_.size() - 1;
  std::size_t hole = slots_[slot].hash & mask;
  while (index_[hole] != slot) hole = (hole + 1) & mask;
  index_[hole] = kNone;
  for (std::size_t position = (hole + 1) & mask; index_[position] != kNone; position = (position + 1) & mask) {
    const std::size_t home = slots_[index_[position]].hash & mask;
    // Move the entry if its home is not in the cyclic range (hole, position].
    const bool stays = hole <= position ? (home > hole && home <= position) : (home > hole || home <= position);
    if (stays) continue;
    index_[hole] = index_[position];
    index_[position] = kNone;
    hole = position;
  }
}

DecisionCache::Cached DecisionCache::Find(const model::TraceId& id, std::uint64_t hash) const {
  if (entries_.empty()) return Cached::kUnknown;
  const Entry& entry = entries_[(hash >> 16) % entries_.size()];
  return entry.id == id ? entry.decision : Cached::kUnknown;
}

bool DecisionCache::Insert(const model::TraceId& id, std::uint64_t hash, bool kept) {
  if (entries_.empty()) return false;
  Entry& entry = entries_[(hash >> 16) % entries_.size()];
  const bool evicts = entry.decision != Cached::kUnknown && entry.id != id;
  entry = {id, kept ? Cached::kKept : Cached::kNotKept};
  return evicts;
}

}  // namespace hoptrace::collector::sampling
