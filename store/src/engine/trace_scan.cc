// ForEachTrace over the head and every block, in one pass over the blocks in the range. A trace
// whose spans all sit in one block is visited straight from that block's scan; the few whose spans
// are spread over the head or several blocks (late spans cut after the rest) are assembled by
// GetTrace, once each.
//
// The blocks' traces are decoded on a second thread, a few at a time, while the calling thread visits
// the ones decoded before: the visits (an aggregate's work) and the decoding overlap on two cores.
// They are handed over in the order one thread reads them (scan_decode_thread = false), so the
// visits come in the same order.

#include <functional>
#include <limits>
#include <thread>
#include <unordered_set>

#include "engine/buffer_ring.h"
#include "engine/embedded_store_impl.h"

namespace hoptrace::store {
namespace {

// A few selected traces of one block, decoded (a hand-off from the decoding thread).
struct DecodedTraces {
  const engine::BlockHandle* block = nullptr;
  Status status;  // the block could not be read (further): reported once the traces before are visited
  std::vector<block::ScannedTrace> traces;
  std::vector<bool> stored_elsewhere;  // per trace: whether spans of it are in the head or another block
};

// The traces being visited and up to two hand-offs decoded ahead of them.
constexpr std::size_t kHandOffBuffers = 3;

using HandOffRing = engine::BufferRing<DecodedTraces>;
using HandOffVisitor = std::function<bool(DecodedTraces& decoded)>;
using ElsewhereCheck = std::function<bool(const model::TraceId&, const engine::BlockHandle&)>;

// The single-threaded stand-in for HandOffRing: one buffer, visited as soon as it is decoded.
class VisitInPlace {
 public:
  explicit VisitInPlace(const HandOffVisitor& visit) : visit_(visit) {}
  DecodedTraces* Fill() { return stopped_ ? nullptr : &buffer_; }
  void Publish(DecodedTraces* decoded) { stopped_ = !visit_(*decoded); }
  void Finish() {}

 private:
  const HandOffVisitor& visit_;
  DecodedTraces buffer_;
  bool stopped_ = false;
};

// Publishes the block's traces, the last hand-off with an error or no trace. False once the sink stops.
template <typename Sink>
bool DecodeBlock(const SearchRequest& request, const engine::BlockHandle& block, const ElsewhereCheck& stored_elsewhere,
                 Sink& sink) {
  std::unique_ptr<block::BlockTraceScan> scan;
  const Status started = block.reader().StartTraceScan(request, &scan);
  for (;;) {
    DecodedTraces* decoded = sink.Fill();
    if (decoded == nullptr) return false;
    decoded->block = &block;
    decoded->status = started.ok() ? scan->NextTraces(decoded->traces, block::kScannedTracesAtOnce) : started;
    if (!started.ok()) decoded->traces.clear();
    decoded->stored_elsewhere.clear();
    for (const block::ScannedTrace& scanned : decoded->traces) {
      decoded->stored_elsewhere.push_back(stored_elsewhere(scanned.trace_id, block));
    }
    const bool block_done = !decoded->status.ok() || decoded->traces.empty();
    sink.Publish(decoded);
    if (block_done) return true;
  }
}

template <typename Sink>
void DecodeBlocks(const SearchRequest& request, const std::vector<engine::BlockPtr>& blocks,
                  const ElsewhereCheck& stored_elsewhere, Sink& sink) {
  for (const engine::BlockPtr& block : blocks) {
    if (block->Overlaps(request.range) && !DecodeBlock(request, *block, stored_elsewhere, sink)) break;
  }
  sink.Finish();
}

// Decodes on a second thread, visits on this one.
void DecodeAhead(const SearchRequest& request, const std::vector<engine::BlockPtr>& blocks,
                 const ElsewhereCheck& stored_elsewhere, const HandOffVisitor& visit) {
  HandOffRing ring(kHandOffBuffers);
  std::thread decoding([&] { DecodeBlocks(request, blocks, stored_elsewhere, ring); });
  // Closes the ring and waits for the decoding thread however the visits end (a visitor may throw).
  struct StopDecoding {
    HandOffRing& ring;
    std::thread& thread;
    ~StopDecoding() {
      ring.Close();
      thread.join();
    }
  };
  const StopDecoding stop{ring, decoding};
  while (DecodedTraces* decoded = ring.Next()) {
    const bool go_on = visit(*decoded);
    ring.Release(decoded);
    if (!go_on) break;
  }
}

}  // namespace

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
  const HandOffVisitor visit_decoded = [&](DecodedTraces& decoded) {
    for (std::size_t i = 0; i < decoded.traces.size(); ++i) {
      const model::TraceId& trace_id = decoded.traces[i].trace_id;
      if (assembled.contains(trace_id)) continue;
      if (!(decoded.stored_elsewhere[i] ? visit_assembled(trace_id) : visit(decoded.traces[i].trace))) return false;
    }
    if (!decoded.status.ok()) {  // as Search: a damaged block is reported and the others are still read
      metrics_.block_errors.Increment();
      Log("scanning " + decoded.block->reader().path().string() + ": " + decoded.status.message());
    }
    return true;
  };

  const ElsewhereCheck stored_elsewhere = [&](const model::TraceId& trace_id, const engine::BlockHandle& block) {
    return StoredElsewhere(trace_id, block, blocks);
  };
  if (options_.scan_decode_thread) {
    DecodeAhead(request, blocks, stored_elsewhere, visit_decoded);
  } else {
    VisitInPlace sink(visit_decoded);
    DecodeBlocks(request, blocks, stored_elsewhere, sink);
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
