#pragma once
// Random trace and span IDs from a per-thread xoshiro256** generator: no locks, no system calls
// after the first use on a thread.

#include "hoptrace/model/ids.h"

namespace hoptrace::sdk::internal {

model::TraceId NewTraceId();  // random, never all zero
model::SpanId NewSpanId();    // random, never all zero

}  // namespace hoptrace::sdk::internal
