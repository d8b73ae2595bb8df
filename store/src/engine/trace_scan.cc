// ForEachTrace over the head and every block, in one pass over the blocks in the range. A trace
// whose spans all sit in one block is visited straight from that block's scan; the few whose spans
// are spread over the head or several blocks (late spans cut after the rest) are assembled by
// GetTrace, once each.

#include <limits>
#include <unordered_set>

#include "engine/embedded_store_impl.h"

namespace hoptrace::store {

Status EmbeddedStore::Impl::ForEachTrace(const TraceScan& scan, const TraceVisitor& visit) {
  const SearchRequest request{
      .filter = scan.filter, .range = scan.range, .limit = std::numeric_limits<std::size_t>::max()};
  std::vector<block::TraceHit> head_hits;
  const std::vector<engine::BlockPtr> blocks = blocks_.Snapshot([&] { head_hits = head_.Search(request); });

  std::unordered_set<model::TraceId, model::IdHash> assembled;  // visited whole through GetTrace
  const auto visit_assembled = [&](const model::TraceId& trace_id) {
    assembled.insert(trace_id);
    const std::optional<model::TraceBatch> trace = GetTrace(trace_id, {});
    return !trace || visit(*trace);
  };
  for (const block::TraceHit& hit : head_hits) {
    if (!visit_assembled(hit.summary.trace_id)) return Status::Ok();
  }
  for (const engine::BlockPtr& block : blocks) {
    if (!block->Overlaps(scan.range)) continue;
    bool stopped = false;
    const Status status = block->reader().ScanTraces(request, [&](const model::TraceId& trace_id, model::TraceBatch& part) {
      if (assembled.contains(trace_id)) return true;
      stopped = StoredElsewhere(trace_id, *block, blocks) ? !visit_assembled(trace_id) : !visit(part);
      return !stopped;
    });
    if (!status.ok()) {  // as Search: a damaged block is reported and the others are still read
      metrics_.block_errors.Increment();
      Log("scanning " + block->reader().path().string() + ": " + status.message());
    }
    if (stopped) break;
  }
  return Status::Ok();
}

// Whether spans of the trace are in the head or in a block other than `scanned`.
bool EmbeddedStore::Impl::StoredElsewhere(const model::TraceId& trace_id, const engine::BlockHandle& scanned,
                                          const std::vector<engine::BlockPtr>& blocks) {
  if (head_.Contains(trace_id)) return true;
  for (const engine::BlockPtr& block : blocks) {
    if (block.get() == &scanned || !block->reader().MayContain(trace_id)) continue;
    bool found = false;
    // A block whose index cannot be read is assumed to hold it: GetTrace then reports the damage.
    if (!block->reader().Contains(trace_id, &found).ok() || found) return true;
  }
  return false;
}

}  // namespace hoptrace::store
