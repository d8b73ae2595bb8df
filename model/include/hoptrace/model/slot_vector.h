#pragma once
// A vector whose clear() keeps its elements alive, so the strings and vectors inside them keep
// their heap buffers. Recycled span records (see sdk/) reuse those buffers and so record a span
// without allocating once they are warm. Otherwise it behaves like a std::vector of its live range.

#include <cstddef>
#include <utility>
#include <vector>

namespace hoptrace::model {

template <typename T>
class SlotVector {
 public:
  using value_type = T;
  using iterator = typename std::vector<T>::iterator;
  using const_iterator = typename std::vector<T>::const_iterator;

  SlotVector() = default;
  SlotVector(std::initializer_list<T> items) : slots_(items), size_(slots_.size()) {}
  SlotVector(const SlotVector& other) : slots_(other.begin(), other.end()), size_(other.size_) {}
  SlotVector(SlotVector&& other) noexcept
      : slots_(std::move(other.slots_)), size_(std::exchange(other.size_, 0)) {}
  SlotVector& operator=(const SlotVector& other) {
    if (this != &other) {
      clear();
      for (const T& item : other) push_back(item);
    }
    return *this;
  }
  SlotVector& operator=(SlotVector&& other) noexcept {
    slots_ = std::move(other.slots_);
    size_ = std::exchange(other.size_, 0);
    return *this;
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void clear() { size_ = 0; }
  void reserve(std::size_t n) { slots_.reserve(n); }

  // Returns the next slot: a reused (stale) element when one is available, else a new T{}.
  // Callers assign every field they care about.
  T& emplace_slot() {
    if (size_ == slots_.size()) slots_.emplace_back();
    return slots_[size_++];
  }
  void push_back(const T& item) { emplace_slot() = item; }
  void push_back(T&& item) { emplace_slot() = std::move(item); }
  void pop_back() { --size_; }
  // Removes element i by moving the last one into its place (order is not kept).
  void swap_remove(std::size_t i) {
    if (i + 1 != size_) std::swap(slots_[i], slots_[size_ - 1]);
    --size_;
  }

  T& operator[](std::size_t i) { return slots_[i]; }
  const T& operator[](std::size_t i) const { return slots_[i]; }
  T& back() { return slots_[size_ - 1]; }
  const T& back() const { return slots_[size_ - 1]; }
  iterator begin() { return slots_.begin(); }
  iterator end() { return slots_.begin() + static_cast<std::ptrdiff_t>(size_); }
  const_iterator begin() const { return slots_.begin(); }
  const_iterator end() const { return slots_.begin() + static_cast<std::ptrdiff_t>(size_); }

  friend bool operator==(const SlotVector& a, const SlotVector& b) {
    if (a.size_ != b.size_) return false;
    for (std::size_t i = 0; i < a.size_; ++i) {
      if (!(a.slots_[i] == b.slots_[i])) return false;
    }
    return true;
  }

 private:
  std::vector<T> slots_;
  std::size_t size_ = 0;
};

}  // namespace hoptrace::model
