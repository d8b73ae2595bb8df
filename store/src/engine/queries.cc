// Queries over the head and every block. The block list and the head are read under one lock
// (BlockSet::Snapshot), so a cut publishing its block in the meantime is seen either as frozen head
// spans or as the new block, never as neither.

#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "engine/embedded_store_impl.h"
#include "engine/trace_summary.h"
#include "hoptrace/store/service_calls.h"

namespace hoptrace::store {

std::optional<model::TraceBatch> EmbeddedStore::Impl::GetTrace(const model::TraceId& trace_id, const TimeRange& range) {
  engine::TraceAssembler assembler;
  const std::vector<engine::BlockPtr> blocks = blocks_.Snapshot([&] { head_.CollectTrace(trace_id, &assembler); });
  for (const engine::BlockPtr& block : blocks) {
    if (!block->Overlaps(range) || !block->reader().MayContain(trace_id)) continue;
    std::optional<model::TraceBatch> part;
    const Status status = block->reader().FindTrace(trace_id, &part);
    if (!status.ok()) {
      metrics_.block_errors.Increment();
      Log("reading trace " + trace_id.ToHex() + " from " + block->reader().path().string() + ": " + status.message());
      continue;
    }
    if (part) assembler.Add(*part);
  }
  return std::move(assembler).Finish();
}

// The head's hits, then the blocks' row groups latest traces first until `limit` traces are found
// that start after everything left (block::SearchBlocks). A trace found in several places is ranked
// by the start of its first part found; CompleteSummary then summarizes it from all of them.
std::vector<TraceSummary> EmbeddedStore::Impl::Search(const SearchRequest& request) {
  std::map<model::TraceId, block::TraceHit> merged;
  block::LatestStarts latest(request.limit);
  const auto add = [&](block::TraceHit& hit) {
    const model::TraceId trace_id = hit.summary.trace_id;
    auto [it, created] = merged.try_emplace(trace_id, std::move(hit));  // moves only when created
    if (created) {
      latest.Add(it->second.summary.start_unix_nano);
    } else {
      block::MergeHits(it->second, hit);
    }
  };
  std::vector<block::TraceHit> hits;
  const std::vector<engine::BlockPtr> blocks = blocks_.Snapshot([&] { hits = head_.Search(request); });
  for (block::TraceHit& hit : hits) add(hit);

  std::vector<block::BlockReader*> readers;
  for (const engine::BlockPtr& block : blocks) {
    if (block->Overlaps(request.range)) readers.push_back(&block->reader());
  }
  block::SearchBlocks(readers, request, latest, add, [&](block::BlockReader& reader, const Status& status) {
    metrics_.block_errors.Increment();
    Log("searching " + reader.path().string() + ": " + status.message());
  });

  std::vector<TraceSummary> results;
  results.reserve(merged.size());
  for (auto& [id, hit] : merged) results.push_back(std::move(hit.summary));
  SortMostRecentFirst(results, request.limit);
  for (TraceSummary& summary : results) CompleteSummary(summary, blocks);
  SortMostRecentFirst(results, request.limit);
  return results;
}

// Keeps the `limit` latest-starting summaries, latest first.
void EmbeddedStore::Impl::SortMostRecentFirst(std::vector<TraceSummary>& summaries, std::size_t limit) {
  block::KeepMostRecent(summaries, limit, [](const TraceSummary& summary) -> const TraceSummary& { return summary; });
}

// A trace whose spans may sit in more than one place (head, blocks) is summarized again from all of
// them: per-source summaries would miss the sources where no span matched, and count a retried span
// once per source. Bloom filters make the check cheap for the common single-source trace.
void EmbeddedStore::Impl::CompleteSummary(TraceSummary& summary, const std::vector<engine::BlockPtr>& blocks) {
  std::size_t sources = head_.Contains(summary.trace_id) ? 1 : 0;
  for (const engine::BlockPtr& block : blocks) {
    if (block->reader().MayContain(summary.trace_id)) ++sources;
  }
  if (sources < 2) return;
  const std::optional<model::TraceBatch> trace = GetTrace(summary.trace_id, {});
  if (!trace) return;
  engine::SummaryBuilder builder(summary.trace_id);
  builder.Add(*trace);
  block::TraceHit complete = std::move(builder).Finish();
  complete.summary.matched_spans = std::move(summary.matched_spans);
  summary = std::move(complete.summary);
}

std::vector<std::string> EmbeddedStore::Impl::Services(const TimeRange& range) {
  std::set<std::string> services;
  for (const engine::BlockPtr& block : blocks_.Snapshot([&] { head_.CollectServices(range, &services); })) {
    if (!block->Overlaps(range)) continue;
    services.insert(block->reader().Services().begin(), block->reader().Services().end());
  }
  return {services.begin(), services.end()};
}

std::vector<Operation> EmbeddedStore::Impl::Operations(std::string_view service, const TimeRange& range) {
  std::set<Operation> operations;
  for (const engine::BlockPtr& block : blocks_.Snapshot([&] { head_.CollectOperations(service, range, &operations); })) {
    if (!block->Overlaps(range)) continue;
    for (Operation& operation : block->reader().Operations(service)) operations.insert(std::move(operation));
  }
  return {operations.begin(), operations.end()};
}

namespace {

using DependencyMap = std::map<std::pair<std::string, std::string>, DependencyLink>;

void AddCalls(std::string_view parent, std::string_view child, std::uint64_t calls, std::uint64_t errors,
              DependencyMap* edges) {
  DependencyLink& sum = (*edges)[{std::string(parent), std::string(child)}];
  if (sum.parent.empty()) {
    sum.parent = parent;
    sum.child = child;
  }
  sum.call_count += calls;
  sum.error_count += errors;
}

// A block's stored edges count every call in it: a block the range cuts has its calls inside the range
// counted from its spans instead.
Status AddCallsInRange(block::BlockReader& reader, const TimeRange& range, DependencyMap* edges) {
  const SearchRequest request{.range = range, .limit = std::numeric_limits<std::size_t>::max()};
  return reader.ScanTraces(request, [&](const model::TraceId&, model::TraceBatch& part) {
    ForEachCall(part, range, [&](std::string_view parent, std::string_view child, const model::Span& call) {
      AddCalls(parent, child, 1, call.status.code == model::StatusCode::kError ? 1 : 0, edges);
    });
    return true;
  });
}

}  // namespace

std::vector<DependencyLink> EmbeddedStore::Impl::Dependencies(const TimeRange& range) {
  DependencyMap edges;
  for (const engine::BlockPtr& block : blocks_.Snapshot([&] { head_.CollectDependencies(range, &edges); })) {
    if (!block->Overlaps(range)) continue;
    const auto& meta = block->meta();
    if (range.Contains(meta.min_start_unix_nano) && range.Contains(meta.max_start_unix_nano)) {
      for (const DependencyLink& link : block->reader().Dependencies()) {
        AddCalls(link.parent, link.child, link.call_count, link.error_count, &edges);
      }
      continue;
    }
    if (const Status status = AddCallsInRange(block->reader(), range, &edges); !status.ok()) {
      metrics_.block_errors.Increment();  // as Search: reported, and the other blocks still count
      Log("counting calls in " + block->reader().path().string() + ": " + status.message());
    }
  }
  std::vector<DependencyLink> links;
  links.reserve(edges.size());
  for (auto& [key, link] : edges) links.push_back(std::move(link));
  return links;
}

}  // namespace hoptrace::store
