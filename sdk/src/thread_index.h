#pragma once
// A small number per live thread, for structures split into stripes so that threads running at the
// same time use different cache lines (see StripedQueue, SpanRecordPool).

#include <cstddef>

namespace hoptrace::sdk::internal {

// The lowest number no other live thread holds, taken on the first call and given back when the
// thread exits: threads alive together get distinct numbers 0, 1, 2, ... however many came and went.
std::size_t ThisThreadIndex();

// Stripes worth having: one per core, up to kMaxStripes.
inline constexpr std::size_t kMaxStripes = 8;
std::size_t DefaultStripeCount();

}  // namespace hoptrace::sdk::internal
