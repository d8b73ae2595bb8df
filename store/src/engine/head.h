#pragma once
// The head: recent spans in memory, indexed by trace ID, until the engine cuts them into a block.
// Every span in the head is also in the WAL; the head remembers the oldest WAL segment each trace
// came from, so the engine knows which segments a cut makes unnecessary.
//
// Cutting is two-phase so queries never miss data: Freeze moves the chosen traces into a frozen
// set that queries still see; once their block is durable and published, DropFrozen forgets them.
// Spans of a frozen trace that arrive meanwhile start a new live entry; queries unite both.
// Thread-safe: one shared_mutex, queries take it shared.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <shared_mutex>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "block/block.h"
#include "engine/trace_assembler.h"

namespace hoptrace::store::engine {

// The resource and scope of a group of spans, shared by the spans of one write.
struct Origin {
  block::ResourceEntry resource;
  block::ScopeEntry scope;
  std::string service;  // resource attribute service.name, "" when absent
};

struct HeadSpan {
  std::shared_ptr<const Origin> origin;
  model::Span span;
};

struct HeadTrace {
  std::vector<HeadSpan> spans;
  std::unordered_set<model::SpanId, model::IdHash> span_ids;  // a retried or replayed span is kept once
  std::uint64_t first_arrival_nanos = 0;  // engine clock
  std::uint64_t last_arrival_nanos = 0;
  std::uint64_t oldest_segment = 0;       // WAL segment of the earliest span still held
  std::size_t bytes = 0;
};

using TraceMap = std::unordered_map<model::TraceId, HeadTrace, model::IdHash>;

// Traces taken out of the live head for one cut.
struct FrozenTraces {
  TraceMap traces;
  std::size_t span_count = 0;
  std::size_t bytes = 0;
};

struct CutPolicy {
  std::uint64_t now_nanos = 0;
  std::uint64_t idle_nanos = 0;     // a trace without new spans for this long is complete enough
  std::uint64_t max_age_nanos = 0;  // no trace stays longer than this, idle or not
  bool everything = false;          // the head is over its size limits (or the store is closing)
};

struct HeadStats {
  std::size_t live_spans = 0;
  std::size_t live_bytes = 0;
  std::size_t live_traces = 0;
  std::size_t frozen_spans = 0;
  std::size_t frozen_bytes = 0;
};

class Head {
 public:
  void Add(const model::TraceBatch& batch, std::uint64_t segment, std::uint64_t now_nanos);

  // Moves the traces the policy selects into a new frozen set; null when none qualifies.
  std::shared_ptr<const FrozenTraces> Freeze(const CutPolicy& policy);
  void DropFrozen(const FrozenTraces* frozen);
  // A cut failed: the frozen traces become live again (merged with spans that arrived meanwhile).
  void Thaw(const FrozenTraces* frozen);
  // The oldest WAL segment any live or frozen span came from; `none` when the head is empty.
  std::uint64_t OldestSegment(std::uint64_t none) const;
  HeadStats stats() const;

  // Recovery: removes spans that a block already holds (the WAL outlives the cut of some traces).
  // Returns the number of spans removed.
  std::size_t RemoveSpansIn(const model::TraceId& trace_id, const std::unordered_set<model::SpanId, model::IdHash>& ids);
  std::vector<model::TraceId> LiveTraceIds() const;

  // Queries, over live and frozen spans.
  bool Contains(const model::TraceId& trace_id) const;
  void CollectTrace(const model::TraceId& trace_id, TraceAssembler* out) const;
  // One hit per trace with a matching span; `summary` covers all of the trace's head spans.
  std::vector<block::TraceHit> Search(const SearchRequest& request) const;
  // The summary of all head spans of a trace (no filter), to complete a hit found elsewhere.
  std::optional<block::TraceHit> Summarize(const model::TraceId& trace_id) const;
  void CollectServices(const TimeRange& range, std::set<std::string>* out) const;
  void CollectOperations(std::string_view service, const TimeRange& range, std::set<Operation>* out) const;
  void CollectDependencies(const TimeRange& range, std::map<std::pair<std::string, std::string>, DependencyLink>* out) const;

 private:
  void InsertLocked(HeadTrace& trace, HeadSpan span);
  // Every part (live, frozen sets) of a trace's head spans.
  std::vector<const HeadTrace*> PartsOf(const model::TraceId& trace_id) const;
  template <typename Visit>
  void ForEachSpan(const Visit& visit) const;

  mutable std::shared_mutex mutex_;
  TraceMap live_;
  std::vector<std::shared_ptr<FrozenTraces>> frozen_;
  std::size_t live_spans_ = 0;
  std::size_t live_bytes_ = 0;
};

}  // namespace hoptrace::store::engine
