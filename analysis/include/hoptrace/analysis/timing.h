#pragma once
// Where a trace's time went: the critical path (the chain of work that decided the end-to-end
// latency), each span's self time (time no child covers), self time per service, and the gaps of
// parents (stretches no child covers: untraced work inside that service).

#include <cstdint>
#include <string_view>
#include <vector>

#include "hoptrace/analysis/trace_view.h"

namespace hoptrace::analysis {

// A stretch [start, end) of one span's time: a critical-path segment, or a gap.
struct SpanStretch {
  std::size_t node = kNone;
  std::uint64_t start = 0;
  std::uint64_t end = 0;
  std::uint64_t Duration() const { return end - start; }
};
using PathSegment = SpanStretch;

struct CriticalPath {
  std::size_t top = kNone;
  // In time order; contiguous (each starts where the previous ended), from the top's start to its end.
  std::vector<PathSegment> segments;
  std::vector<std::uint64_t> contribution;  // per span: its own time on the path (0 when off it)
  // Per span: the walk passed through it, even with no time of its own on the path (a client span
  // ending when its server span does). These spans form a connected subtree under the top.
  std::vector<bool> on_path;
  std::uint64_t total = 0;                   // sum of the segments
};

// Jaeger UI's algorithm: from the top's end, step into the last-finishing synchronous child that
// ends by the current point; with none left, the span's remaining time is on the path and the walk
// returns to its parent at the span's start. Children are clipped to their parent first (an async
// child that outlives it, or one starting after it ended, cannot delay it). O(n log n): each
// parent's children are sorted by end once and passed by a cursor that only moves forward.
CriticalPath ComputeCriticalPath(const TraceView& view);

using Gap = SpanStretch;  // a stretch of a parent that no child covers

struct ServiceTime {
  std::string_view service;
  std::uint64_t self_nanos = 0;
  std::uint64_t critical_nanos = 0;  // self time on the critical path
  std::size_t spans = 0;
};

struct SelfTimes {
  std::vector<std::uint64_t> per_span;
  std::vector<ServiceTime> per_service;  // most self time first
  std::vector<Gap> gaps;                 // of parents, at least `min_gap_nanos` long, longest first
};

// Self time = the span's duration minus the union of its children's intervals (clipped to it).
SelfTimes ComputeSelfTimes(const TraceView& view, const CriticalPath& path, std::uint64_t min_gap_nanos);

}  // namespace hoptrace::analysis
