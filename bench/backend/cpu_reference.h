#pragma once
// How fast the server's core is right now, measured by a fixed piece of work on that core just before
// a run. The machine is shared: the same binary's ingest rate moves by up to 1.4x with what else runs
// on the host, and this figure moves with it, so runs of different moments can be compared by it.

#include <vector>

#include "workload.h"

namespace hoptrace::bench {

// zstd level 1 over the first 16 MiB of the batches' bytes, repeated for about `seconds` on a thread
// pinned to `cpu`: MB of input per second (0 when the thread cannot be pinned there).
double ZstdReferenceMBps(const std::vector<SerializedBatch>& batches, int cpu, double seconds = 1.0);

}  // namespace hoptrace::bench
