#pragma once
// A bounded queue of pointers split into stripes, one lock-free ring each: a thread pushes to the
// stripe of its thread index, so threads ending spans at the same time do not take turns owning one
// ring's tail (a cache line that otherwise moves between their cores on every push). The stripes'
// limits add up to the queue's capacity, and a push spills over to the other stripes when its own
// is at its limit: one busy thread can still fill the whole queue, and a push fails only when every
// stripe is at its limit. No order between stripes.

#include <algorithm>
#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "bounded_queue.h"

namespace hoptrace::sdk::internal {

template <typename T>
class StripedQueue {
 public:
  // `stripes` is at most `capacity` (each stripe holds at least one item).
  StripedQueue(std::size_t capacity, std::size_t stripes) {
    capacity = std::max<std::size_t>(capacity, 1);
    stripes = std::clamp<std::size_t>(stripes, 1, capacity);
    for (std::size_t i = 0; i < stripes; ++i) {
      stripes_.push_back(std::make_unique<Stripe>(capacity / stripes + (i < capacity % stripes ? 1 : 0)));
    }
  }

  std::size_t stripe_count() const { return stripes_.size(); }
  std::size_t limit(std::size_t stripe) const { return stripes_[stripe]->limit; }

  // Tries `stripe` (any number: taken modulo the stripe count) first, then the others in turn, and
  // sets `stripe` to the one that took the item. False when every stripe is at its limit.
  bool TryPush(T* item, std::size_t& stripe) {
    return TryPushMade([item](std::size_t) { return item; }, stripe);
  }

  // Like TryPush, for an item that depends on the stripe it goes to: pushes `make_item(s)` to stripe s.
  template <typename MakeItem>
  bool TryPushMade(MakeItem make_item, std::size_t& stripe) {
    return ForEachStripeFrom(stripe, [&](Stripe& s) {
      // A ring of the stripe's limit needs no size check; other rings check without reading the
      // popping thread's line on every push.
      return (s.limit >= s.queue.capacity() || !s.queue.SizeAtLeast(s.limit)) &&
             s.queue.TryPush(make_item(stripe));
    });
  }

  // Like TryPush: `stripe` first, then the others; sets `stripe` to where the item came from.
  T* TryPop(std::size_t& stripe) {
    T* item = nullptr;
    ForEachStripeFrom(stripe, [&](Stripe& s) { return (item = s.queue.TryPop()) != nullptr; });
    return item;
  }

  // Like TryPush, TryPop and their batch forms, but only `stripe` (taken modulo the stripe count):
  // nothing spills over, and a push ignores the stripe's limit (for rings whose limit is their capacity).
  bool TryPushOwn(T* item, std::size_t stripe) { return At(stripe).queue.TryPush(item); }
  T* TryPopOwn(std::size_t stripe) { return At(stripe).queue.TryPop(); }
  std::size_t TryPushManyOwn(std::span<T* const> items, std::size_t stripe) {
    return At(stripe).queue.TryPushMany(items);
  }
  std::size_t TryPopManyOwn(std::span<T*> out, std::size_t stripe) { return At(stripe).queue.TryPopMany(out); }

  // A hint at what TryPop(stripe) would return first (see BoundedQueue::PeekApprox).
  T* PeekApprox(std::size_t stripe) const { return At(stripe).queue.PeekApprox(); }

  std::size_t SizeApprox(std::size_t stripe) const { return stripes_[stripe]->queue.SizeApprox(); }
  // For pushing threads (see BoundedQueue::SizeAtLeast); the popping side uses SizeApprox.
  bool SizeAtLeast(std::size_t stripe, std::size_t n) { return stripes_[stripe]->queue.SizeAtLeast(n); }

  // Successful pushes so far, over all stripes.
  std::size_t PushCount() const {
    std::size_t count = 0;
    for (const auto& s : stripes_) count += s->queue.PushCount();
    return count;
  }

 private:
  struct Stripe {
    explicit Stripe(std::size_t stripe_limit) : limit(stripe_limit), queue(stripe_limit) {}
    const std::size_t limit;  // the ring's capacity is rounded up to a power of two
    BoundedQueue<T> queue;
  };

  Stripe& At(std::size_t stripe) const {
    return *stripes_[stripe < stripes_.size() ? stripe : stripe % stripes_.size()];  // mostly no division
  }

  // Calls `attempt` on each stripe from `stripe` on until it returns true; leaves `stripe` there.
  template <typename Attempt>
  bool ForEachStripeFrom(std::size_t& stripe, Attempt attempt) {
    const std::size_t count = stripes_.size();
    if (stripe >= count) stripe %= count;  // thread indices are mostly below the count: no division
    for (std::size_t tried = 0; tried < count; ++tried) {
      if (attempt(*stripes_[stripe])) return true;
      stripe = stripe + 1 == count ? 0 : stripe + 1;
    }
    return false;
  }

  std::vector<std::unique_ptr<Stripe>> stripes_;
};

}  // namespace hoptrace::sdk::internal
