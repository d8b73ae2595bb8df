// BlockReader::ScanTraces: the block side of Store::ForEachTrace. The filter runs on the search
// columns (BlockSearch), then each row group with a hit is decoded once, building only the hit
// traces' spans.

#include <algorithm>
#include <limits>
#include <optional>

#include "block/block_reader_state.h"

namespace hoptrace::store::block {

struct BlockTraceScan::Impl {
  BlockReader::State& state;
  std::unique_ptr<BlockSearch> search;
  std::shared_ptr<const Dictionaries> dict;
  std::vector<TraceHit> hits;
  std::vector<model::TraceId> hit_ids;     // of the group being decoded, sorted
  LoadedRowGroup loaded;                   // the group being decoded ...
  std::optional<RowGroupDecoder> decoder;  // ... and its decoder; empty between groups
  std::size_t next_row = 0;                // of loaded.traces
  std::vector<DecodedSpan> spans;          // of the trace being decoded
  std::vector<model::Span> recycled;       // spans of traces handed back, to decode into again

  Status OpenGroup(std::size_t group);
  Status DecodeTraces(std::size_t max_traces, std::vector<ScannedTrace>& traces);
  void Recycle(std::vector<ScannedTrace>& traces);
  void RefillSpans();
};

BlockTraceScan::BlockTraceScan(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BlockTraceScan::~BlockTraceScan() = default;

Status BlockReader::StartTraceScan(const SearchRequest& request, std::unique_ptr<BlockTraceScan>* scan) {
  SearchRequest unlimited = request;
  unlimited.limit = std::numeric_limits<std::size_t>::max();
  auto impl = std::make_unique<BlockTraceScan::Impl>(BlockTraceScan::Impl{.state = *state_});
  HOPTRACE_RETURN_IF_ERROR(StartSearch(unlimited, &impl->search));
  scan->reset(new BlockTraceScan(std::move(impl)));
  return Status::Ok();
}

Status BlockTraceScan::NextTraces(std::vector<ScannedTrace>& traces, std::size_t max_traces) {
  impl_->Recycle(traces);
  while (traces.empty()) {
    if (impl_->decoder) {
      HOPTRACE_RETURN_IF_ERROR(impl_->DecodeTraces(max_traces, traces));
      continue;
    }
    const std::optional<std::size_t> group = impl_->search->next_group();
    if (!group) return Status::Ok();
    HOPTRACE_RETURN_IF_ERROR(impl_->OpenGroup(*group));
  }
  return Status::Ok();
}

// Searches the group; opens it for decoding when it has a hit.
Status BlockTraceScan::Impl::OpenGroup(std::size_t group) {
  hits.clear();
  HOPTRACE_RETURN_IF_ERROR(search->SearchNextGroup(&hits));
  if (hits.empty()) return Status::Ok();
  hit_ids.clear();
  for (const TraceHit& hit : hits) hit_ids.push_back(hit.summary.trace_id);
  std::sort(hit_ids.begin(), hit_ids.end());
  if (!dict) HOPTRACE_RETURN_IF_ERROR(state.LoadDictionaries(&dict));
  next_row = 0;
  decoder.emplace(*dict);
  const Status opened = state.OpenRowGroup(group, *dict, &loaded, &*decoder);
  if (!opened.ok()) decoder.reset();
  return opened;
}

// Up to `max_traces` hit traces of the open group; closes it after its last row.
Status BlockTraceScan::Impl::DecodeTraces(std::size_t max_traces, std::vector<ScannedTrace>& traces) {
  while (next_row < loaded.traces.size() && traces.size() < max_traces) {
    const TraceRow& row = loaded.traces[next_row++];
    if (!std::binary_search(hit_ids.begin(), hit_ids.end(), row.trace_id)) {
      HOPTRACE_RETURN_IF_ERROR(decoder->SkipTrace());
      continue;
    }
    HOPTRACE_RETURN_IF_ERROR(decoder->NextTrace(spans));
    traces.push_back({row.trace_id, ToBatch(spans, *dict)});
    RefillSpans();
  }
  if (next_row == loaded.traces.size()) decoder.reset();
  return Status::Ok();
}

// The spans of traces already visited are decoded into again instead of being freed: the next
// traces' strings and attribute slots need no allocation.
void BlockTraceScan::Impl::Recycle(std::vector<ScannedTrace>& traces) {
  for (ScannedTrace& scanned : traces) {
    for (model::ResourceSpans& resource_spans : scanned.trace.resource_spans) {
      for (model::ScopeSpans& scope_spans : resource_spans.scope_spans) {
        for (model::Span& span : scope_spans.spans) recycled.push_back(std::move(span));
      }
    }
  }
  traces.clear();
}

// ToBatch moved the decoded spans out: recycled ones take their places.
void BlockTraceScan::Impl::RefillSpans() {
  for (DecodedSpan& decoded : spans) {
    if (recycled.empty()) return;
    decoded.span = std::move(recycled.back());
    recycled.pop_back();
  }
}

Status BlockReader::ScanTraces(const SearchRequest& request, const TraceVisitor& visit) {
  std::unique_ptr<BlockTraceScan> scan;
  HOPTRACE_RETURN_IF_ERROR(StartTraceScan(request, &scan));
  std::vector<ScannedTrace> traces;
  do {
    HOPTRACE_RETURN_IF_ERROR(scan->NextTraces(traces, kScannedTracesAtOnce));
    for (ScannedTrace& scanned : traces) {
      if (!visit(scanned.trace_id, scanned.trace)) return Status::Ok();
    }
  } while (!traces.empty());
  return Status::Ok();
}

}  // namespace hoptrace::store::block
