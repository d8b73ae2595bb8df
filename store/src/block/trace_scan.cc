// BlockReader::ScanTraces: the block side of Store::ForEachTrace. The filter runs on the search
// columns (BlockSearch), then each row group with a hit is decoded once, building only the hit
// traces' spans.

#include <algorithm>
#include <limits>

#include "block/block_reader_state.h"

namespace hoptrace::store::block {

Status BlockReader::ScanTraces(const SearchRequest& request, const TraceVisitor& visit) {
  SearchRequest unlimited = request;
  unlimited.limit = std::numeric_limits<std::size_t>::max();
  std::unique_ptr<BlockSearch> search;
  HOPTRACE_RETURN_IF_ERROR(StartSearch(unlimited, &search));
  std::shared_ptr<const Dictionaries> dict;
  std::vector<TraceHit> hits;
  std::vector<model::TraceId> hit_ids;
  std::vector<DecodedSpan> spans;
  while (const std::optional<std::size_t> group = search->next_group()) {
    hits.clear();
    HOPTRACE_RETURN_IF_ERROR(search->SearchNextGroup(&hits));
    if (hits.empty()) continue;
    hit_ids.clear();
    for (const TraceHit& hit : hits) hit_ids.push_back(hit.summary.trace_id);
    std::sort(hit_ids.begin(), hit_ids.end());
    if (!dict) HOPTRACE_RETURN_IF_ERROR(state_->LoadDictionaries(&dict));
    LoadedRowGroup loaded;
    RowGroupDecoder decoder(*dict);
    HOPTRACE_RETURN_IF_ERROR(state_->OpenRowGroup(*group, *dict, &loaded, &decoder));
    for (const TraceRow& row : loaded.traces) {
      if (!std::binary_search(hit_ids.begin(), hit_ids.end(), row.trace_id)) {
        HOPTRACE_RETURN_IF_ERROR(decoder.SkipTrace());
        continue;
      }
      HOPTRACE_RETURN_IF_ERROR(decoder.NextTrace(spans));
      model::TraceBatch trace = ToBatch(spans, *dict);
      if (!visit(row.trace_id, trace)) return Status::Ok();
      ReturnSpans(trace, spans);
    }
  }
  return Status::Ok();
}

}  // namespace hoptrace::store::block
