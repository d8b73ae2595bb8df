#pragma once
// A set of span IDs in one flat array (open addressing, linear probing): a head trace's duplicate
// check, which std::unordered_set would pay for with one allocation per span.

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "hoptrace/model/ids.h"

namespace hoptrace::store::engine {

class SpanIdSet {
 public:
  bool contains(const model::SpanId& id) const {
    if (!id.IsValid()) return holds_invalid_;
    if (slots_.empty()) return false;
    for (std::size_t at = SlotOf(id);; at = (at + 1) & (slots_.size() - 1)) {
      if (slots_[at] == id) return true;
      if (!slots_[at].IsValid()) return false;
    }
  }

  // True when `id` was not held yet.
  bool insert(const model::SpanId& id) {
    if (!id.IsValid()) return !std::exchange(holds_invalid_, true);  // the all-zero ID marks a free slot
    if (2 * (size_ + 1) > slots_.size()) Grow();
    if (!Place(id)) return false;
    ++size_;
    return true;
  }

  std::size_t size() const { return size_ + (holds_invalid_ ? 1 : 0); }
  std::size_t memory_bytes() const { return slots_.capacity() * sizeof(model::SpanId); }

 private:
  std::size_t SlotOf(const model::SpanId& id) const { return model::IdHash{}(id) & (slots_.size() - 1); }

  bool Place(const model::SpanId& id) {
    for (std::size_t at = SlotOf(id);; at = (at + 1) & (slots_.size() - 1)) {
      if (slots_[at] == id) return false;
      if (!slots_[at].IsValid()) {
        slots_[at] = id;
        return true;
      }
    }
  }

  void Grow() {
    std::vector<model::SpanId> old = std::exchange(slots_, std::vector<model::SpanId>(slots_.empty() ? 64 : 2 * slots_.size()));
    for (const model::SpanId& id : old) {
      if (id.IsValid()) Place(id);
    }
  }

  std::vector<model::SpanId> slots_;  // size a power of two, at most half full
  std::size_t size_ = 0;              // valid IDs held
  bool holds_invalid_ = false;
};

}  // namespace hoptrace::store::engine
