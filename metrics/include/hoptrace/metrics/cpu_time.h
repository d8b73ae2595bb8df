#pragma once
// CPU time from the kernel's per-thread and per-process clocks. The machine is shared: CPU time
// measures the work done where wall time moves with everyone else's load.

#include <time.h>

namespace hoptrace::metrics {

inline double ClockSeconds(clockid_t clock) {
  timespec now{};
  ::clock_gettime(clock, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

// CPU seconds (user and system) the calling thread has used.
inline double ThreadCpuSeconds() { return ClockSeconds(CLOCK_THREAD_CPUTIME_ID); }

// CPU seconds (user and system) every thread of this process has used, those ended included.
inline double ProcessCpuSeconds() { return ClockSeconds(CLOCK_PROCESS_CPUTIME_ID); }

}  // namespace hoptrace::metrics
