#pragma once
// Trace IDs → positions in a vector of traces, in one flat array (open addressing, linear probing,
// deletion by backward shift): the head finds a trace for every run of spans it takes, and a
// node-based map paid an allocation and a cache miss per trace.

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "hoptrace/model/ids.h"

namespace hoptrace::store::engine {

class TracePositions {
 public:
  static constexpr std::uint32_t kAbsent = UINT32_MAX;
  struct Slot {
    model::TraceId id;
    std::uint32_t position = kAbsent;
  };
  static constexpr std::size_t kSlotBytes = sizeof(Slot);

  std::uint32_t Find(const model::TraceId& id) const {
    if (slots_.empty()) return kAbsent;
    for (std::size_t at = HomeOf(id);; at = Next(at)) {
      if (slots_[at].position == kAbsent || slots_[at].id == id) return slots_[at].position;
    }
  }

  // `id` must not be held yet.
  void Insert(const model::TraceId& id, std::uint32_t position) {
    if (2 * (size_ + 1) > slots_.size()) Grow();
    Place({id, position});
    ++size_;
  }

  // Forgets `id` (held or not).
  void Erase(const model::TraceId& id) {
    if (slots_.empty()) return;
    std::size_t hole = HomeOf(id);
    for (;; hole = Next(hole)) {
      if (slots_[hole].position == kAbsent) return;
      if (slots_[hole].id == id) break;
    }
    // Entries after the hole move into it unless that would put them before their home slot, so
    // every entry stays reachable from its home without tombstones.
    for (std::size_t at = Next(hole); slots_[at].position != kAbsent; at = Next(at)) {
      if (Distance(HomeOf(slots_[at].id), at) >= Distance(hole, at)) {
        slots_[hole] = slots_[at];
        hole = at;
      }
    }
    slots_[hole].position = kAbsent;
    --size_;
  }

  std::size_t size() const { return size_; }
  std::size_t memory_bytes() const { return slots_.capacity() * sizeof(Slot); }

 private:

  std::size_t HomeOf(const model::TraceId& id) const { return model::IdHash{}(id) & (slots_.size() - 1); }
  std::size_t Next(std::size_t at) const { return (at + 1) & (slots_.size() - 1); }
  // Steps from `from` forward to `to`, wrapping around.
  std::size_t Distance(std::size_t from, std::size_t to) const { return (to - from) & (slots_.size() - 1); }

  void Place(const Slot& slot) {
    std::size_t at = HomeOf(slot.id);
    while (slots_[at].position != kAbsent) at = Next(at);
    slots_[at] = slot;
  }

  void Grow() {
    std::vector<Slot> old = std::exchange(slots_, std::vector<Slot>(slots_.empty() ? 64 : 2 * slots_.size()));
    for (const Slot& slot : old) {
      if (slot.position != kAbsent) Place(slot);
    }
  }

  std::vector<Slot> slots_;  // size a power of two, at most half full
  std::size_t size_ = 0;
};

}  // namespace hoptrace::store::engine
