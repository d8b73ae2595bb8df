#pragma once
// A set of span IDs in one flat array (open addressing, linear probing): a head trace's duplicate
// check, which std::unordered_set would pay for with one allocation per span.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "hoptrace/model/ids.h"

namespace hoptrace::store::engine {

// model::IdHash's value and model::ByteId's equality, computed on whole 64-bit words: the head hashes
// and compares IDs for every span it takes, and IdHash reads bytes one by one out of line while the
// defaulted == calls memcmp (together ≈ 8 % of the head's instructions).
template <std::size_t N>
std::uint64_t IdWord(const model::ByteId<N>& id, std::size_t index) {
  std::uint64_t word;
  std::memcpy(&word, id.data() + 8 * index, 8);
  return word;
}

struct WordIdHash {
  template <std::size_t N>
  std::size_t operator()(const model::ByteId<N>& id) const {
    std::uint64_t hash = __builtin_bswap64(IdWord(id, 0));
    if constexpr (N > 8) hash ^= __builtin_bswap64(IdWord(id, 1)) * 0x9e3779b97f4a7c15ULL;
    return static_cast<std::size_t>(hash);
  }
};

struct WordIdEqual {
  template <std::size_t N>
  bool operator()(const model::ByteId<N>& a, const model::ByteId<N>& b) const {
    if constexpr (N > 8) {
      return ((IdWord(a, 0) ^ IdWord(b, 0)) | (IdWord(a, 1) ^ IdWord(b, 1))) == 0;
    } else {
      return IdWord(a, 0) == IdWord(b, 0);
    }
  }
};

class SpanIdSet {
 public:
  bool contains(const model::SpanId& id) const {
    if (!id.IsValid()) return holds_invalid_;
    if (slots_.empty()) return false;
    for (std::size_t at = SlotOf(id);; at = (at + 1) & (slots_.size() - 1)) {
      if (WordIdEqual{}(slots_[at], id)) return true;
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
  std::size_t SlotOf(const model::SpanId& id) const { return WordIdHash{}(id) & (slots_.size() - 1); }

  bool Place(const model::SpanId& id) {
    for (std::size_t at = SlotOf(id);; at = (at + 1) & (slots_.size() - 1)) {
      if (WordIdEqual{}(slots_[at], id)) return false;
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
