#pragma once
// IDs → positions in a vector: one trace's spans in the cut (duplicates, parents) and the head's
// live and frozen traces. Hand-written, not absl::flat_hash_map: with absl in their place the cut took
// ≈ 250 more instructions per span and Head::Add ≈ 50 more (docs/benchmarks.md, "The hash tables:
// absl or hand-written"). These indexes are probed for every span; a slot holds ID and position
// together and random IDs need no hash mixing. Open addressing, linear probing, at most half full,
// deletion by backward shift (no tombstones).

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "hoptrace/model/ids.h"

namespace hoptrace::store::block {

template <typename Id>
class IdPositions {
 public:
  static constexpr std::uint32_t kAbsent = UINT32_MAX;
  struct Slot {
    Id id;
    std::uint32_t position = kAbsent;
  };
  static constexpr std::size_t kSlotBytes = sizeof(Slot);

  // Empties the index and makes room for `count` IDs (the memory stays for the next fill).
  void Reset(std::size_t count) {
    slots_.assign(std::max(kMinSlots, std::bit_ceil(2 * count)), Slot{});
    size_ = 0;
  }
  // False (and nothing changes) when `id` is held already: of equal IDs the first position stays.
  bool Insert(const Id& id, std::uint32_t position) {
    if (2 * (size_ + 1) > slots_.size()) Grow();
    return InsertWithinReset(id, position);
  }
  // The same without the check for room: at most `count` IDs since Reset(count). For the cut's
  // per-trace indexes, which know their trace's span count (callgrind: ~25 instructions per cut span less).
  bool InsertWithinReset(const Id& id, std::uint32_t position) {
    Slot& slot = slots_[Probe(id)];
    if (slot.position != kAbsent) return false;
    slot = {id, position};
    ++size_;
    return true;
  }
  std::uint32_t Find(const Id& id) const { return slots_.empty() ? kAbsent : slots_[Probe(id)].position; }
  // Forgets `id` (held or not).
  void Erase(const Id& id) {
    if (slots_.empty()) return;
    std::size_t hole = Probe(id);
    if (slots_[hole].position == kAbsent) return;
    // Entries after the hole move into it unless that would put them before their home slot, so
    // every entry stays reachable from its home.
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
  static constexpr std::size_t kMinSlots = 16;

  std::size_t HomeOf(const Id& id) const { return model::IdHash{}(id) & (slots_.size() - 1); }
  std::size_t Next(std::size_t at) const { return (at + 1) & (slots_.size() - 1); }
  // Steps from `from` forward to `to`, wrapping around.
  std::size_t Distance(std::size_t from, std::size_t to) const { return (to - from) & (slots_.size() - 1); }
  // The slot holding `id`, or the free one where it would go.
  std::size_t Probe(const Id& id) const {
    std::size_t at = HomeOf(id);
    while (slots_[at].position != kAbsent && !(slots_[at].id == id)) at = Next(at);
    return at;
  }
  void Grow() {
    std::vector<Slot> old = std::exchange(slots_, std::vector<Slot>(std::max(kMinSlots, 2 * slots_.size())));
    for (const Slot& slot : old) {
      if (slot.position != kAbsent) slots_[Probe(slot.id)] = slot;
    }
  }

  std::vector<Slot> slots_;  // size a power of two, at most half full
  std::size_t size_ = 0;
};

}  // namespace hoptrace::store::block
