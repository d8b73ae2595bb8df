#include "thread_index.h"

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace hoptrace::sdk::internal {
namespace {

class IndexRegistry {
 public:
  std::size_t Take() {
    std::lock_guard lock(mutex_);
    const auto free = std::find(in_use_.begin(), in_use_.end(), false);
    const auto index = static_cast<std::size_t>(free - in_use_.begin());
    if (free == in_use_.end()) {
      in_use_.push_back(true);
    } else {
      *free = true;
    }
    return index;
  }

  void Give(std::size_t index) {
    std::lock_guard lock(mutex_);
    in_use_[index] = false;
  }

 private:
  std::mutex mutex_;
  std::vector<bool> in_use_;
};

// Never destroyed: threads may exit (and give their index back) after static destructors ran.
IndexRegistry& Registry() {
  static auto* registry = new IndexRegistry();
  return *registry;
}

struct ThreadIndex {
  ThreadIndex() : value(Registry().Take()) {}
  ~ThreadIndex() { Registry().Give(value); }
  ThreadIndex(const ThreadIndex&) = delete;
  ThreadIndex& operator=(const ThreadIndex&) = delete;
  const std::size_t value;
};

std::size_t TakeIndexForThisThread() {
  thread_local const ThreadIndex index;  // gives the index back when the thread exits
  return index.value;
}

constexpr std::size_t kNoIndex = SIZE_MAX;

}  // namespace

std::size_t ThisThreadIndex() {
  // A trivially initialised copy: a plain thread-local read on every span, without the guard and
  // wrapper call of a thread_local that has a destructor.
  thread_local std::size_t index = kNoIndex;
  if (index == kNoIndex) [[unlikely]] index = TakeIndexForThisThread();
  return index;
}

std::size_t DefaultStripeCount() {
  return std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, kMaxStripes);
}

}  // namespace hoptrace::sdk::internal
