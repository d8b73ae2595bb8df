#pragma once
// How fast the server's core is right now, measured by a fixed piece of work on that core just before
// a run. The machine is shared: the same binary's ingest rate moves by up to 1.5x with what else runs
// on the host. This figure follows much of that (docs/benchmarks.md: a correlation of 0.65 with the
// rate over 19 runs), so it tells a slow moment from a slow change; it is a hint, not a correction.

#include <vector>

#include "workload.h"

namespace hoptrace::bench {

// zstd level 1 over the first 16 MiB of the batches' bytes, repeated for about `seconds` on a thread
// pinned to `cpu`: MB of input per second (0 when the thread cannot be pinned there).
double ZstdReferenceMBps(const std::vector<SerializedBatch>& batches, int cpu, double seconds = 1.0);

// Pins the calling thread to `cpu` (threads it starts afterwards inherit that); false when it cannot.
bool PinThisThreadTo(int cpu);

}  // namespace hoptrace::bench
