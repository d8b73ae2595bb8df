// Store::ForEachTrace's default: a search without a limit, then each hit's trace by ID.

#include <limits>

#include "hoptrace/store/store.h"

namespace hoptrace::store {

Status Store::ForEachTrace(const TraceScan& scan, const TraceVisitor& visit) {
  const std::vector<TraceSummary> hits =
      Search({.filter = scan.filter, .range = scan.range, .limit = std::numeric_limits<std::size_t>::max()});
  for (const TraceSummary& hit : hits) {
    // No range hint: the trace's other spans may start outside the scanned range.
    const std::optional<model::TraceBatch> trace = GetTrace(hit.trace_id);
    if (trace && !visit(*trace)) break;
  }
  return Status::Ok();
}

}  // namespace hoptrace::store
