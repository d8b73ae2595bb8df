#pragma once
// One shard's undecided traces: fixed slots (sized at construction, never reallocated), an
// open-addressing index by trace ID, and two intrusive lists: by first arrival (decision_wait and
// eviction of the oldest) and, for traces whose root has arrived, by last arrival (idle_after_root).

#include <cstddef>
#include <cstdint>
#include <vector>

#include "hoptrace/model/ids.h"
#include "span_arena.h"
#include "trace_view.h"

namespace hoptrace::collector::sampling {

struct TraceSlot {
  model::TraceId id;
  std::uint64_t hash = 0;
  TraceSummary summary;
  RecordRef head, tail;  // the spans, in arrival order
  std::uint32_t age_prev = kNone, age_next = kNone;
  std::uint32_t idle_prev = kNone, idle_next = kNone;
  bool in_use = false;
  bool in_idle_list = false;
};

class TraceTable {
 public:
  explicit TraceTable(std::size_t capacity);

  std::uint32_t Find(const model::TraceId& id, std::uint64_t hash) const;  // kNone when absent
  // Adds an empty trace (the table must not be full); it becomes the newest.
  std::uint32_t Insert(const model::TraceId& id, std::uint64_t hash);
  void Erase(std::uint32_t slot);
  // A span arrived: once the root has been seen the trace moves to the idle list's tail.
  void Touch(std::uint32_t slot);

  bool full() const { return size_ == slots_.size(); }
  std::size_t size() const { return size_; }
  std::uint32_t oldest() const { return age_.head; }       // by first arrival
  std::uint32_t idle_oldest() const { return idle_.head; }  // by last arrival, root seen
  TraceSlot& operator[](std::uint32_t slot) { return slots_[slot]; }
  const TraceSlot& operator[](std::uint32_t slot) const { return slots_[slot]; }

 private:
  struct List {
    std::uint32_t head = kNone, tail = kNone;
  };
  template <std::uint32_t TraceSlot::*Prev, std::uint32_t TraceSlot::*Next>
  void PushBack(List& list, std::uint32_t slot);
  template <std::uint32_t TraceSlot::*Prev, std::uint32_t TraceSlot::*Next>
  void Unlink(List& list, std::uint32_t slot);
  void RemoveFromIndex(std::uint32_t slot);

  std::vector<TraceSlot> slots_;
  std::vector<std::uint32_t> free_slots_;
  std::vector<std::uint32_t> index_;  // slot numbers, kNone when empty; linear probing
  std::size_t size_ = 0;
  List age_, idle_;
};

// Recent decisions, so late spans follow them: a fixed direct-mapped table; a new decision replaces
// whatever shared its position (counted as an eviction).
class DecisionCache {
 public:
  enum class Cached : std::uint8_t { kUnknown, kKept, kNotKept };
  explicit DecisionCache(std::size_t capacity) : entries_(capacity) {}
  Cached Find(const model::TraceId& id, std::uint64_t hash) const;
  // Returns true when another trace's decision was evicted.
  bool Insert(const model::TraceId& id, std::uint64_t hash, bool kept);

 private:
  struct Entry {
    model::TraceId id;
    Cached decision = Cached::kUnknown;
  };
  std::vector<Entry> entries_;
};

}  // namespace hoptrace::collector::sampling
