#pragma once
// Counts every heap allocation in the process (the benchmark binary replaces global operator new),
// so benchmarks can report allocations per operation.

#include <atomic>
#include <cstdint>

namespace hoptrace::bench {

std::uint64_t AllocationCount();

}  // namespace hoptrace::bench
