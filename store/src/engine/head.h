#pragma once
// The head: recent spans in memory, indexed by trace ID, until the engine cuts them into a block.
// Every span in the head is also in the WAL; the head remembers the oldest WAL segment each trace
// came from, so the engine knows which segments a cut makes unnecessary.
//
// Spans stay in their OTLP protobuf encoding: each write's encoded spans are copied into an arena
// chunk, and a trace keeps a compact index entry per span (IDs, times, kind, status, name, where its
// bytes are) plus references to the chunks its spans sit in. A chunk's resources and scopes are
// interned and decoded once (Origin). A chunk is freed when the last trace holding spans in it is
// cut. Queries read the index, and decode a span (otlp::wire::DecodeSpan) only when they need more.
// Byte figures are the memory held: chunk capacity + origins + index.
//
// Cutting is two-phase so queries never miss data: Freeze moves the chosen traces into a frozen
// set that queries still see; once their block is durable and published, DropFrozen forgets them.
// Spans of a frozen trace that arrive meanwhile start a new live entry; queries unite both.
// Thread-safe: one shared_mutex, queries take it shared.

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_set.h>

#include "block/block.h"
#include "block/id_positions.h"
#include "engine/trace_assembler.h"

namespace hoptrace::otlp::wire {
struct ScannedRequest;
struct SpanRef;
}

namespace hoptrace::store::engine {

using SpanIdSet = absl::flat_hash_set<model::SpanId, model::IdHash>;
using TracePositions = block::IdPositions<model::TraceId>;  // trace ID → position in a vector of traces

// The resource and scope of spans, decoded once per chunk.
struct Origin {
  // The encodings, the interning key.
  std::string resource_encoded;
  std::string resource_schema_url;
  std::string scope_encoded;
  std::string scope_schema_url;
  block::ResourceEntry resource;
  block::ScopeEntry scope;
  std::string service;  // resource attribute service.name, "" when absent
};

// Memory for a chunk, its own mapping, faulted in whole when mapped (one call instead of a page fault
// per 4 KiB as spans are copied in) and back to the system as soon as it is unmapped. Not advised as
// huge pages: where the host reclaims free guest memory (virtio-balloon free page reporting) a huge
// page always comes from a 2 MiB block the host took back, so touching one cost 3-5x what 4 KiB pages
// did (docs/benchmarks.md, "Head chunks without huge pages").
class ChunkMemory {
 public:
  explicit ChunkMemory(std::size_t at_least);
  ~ChunkMemory();
  ChunkMemory(ChunkMemory&& other) noexcept;
  ChunkMemory& operator=(ChunkMemory&& other) noexcept;

  char* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  char* data_ = nullptr;
  std::size_t size_ = 0;
};

// Chunk memory freed by cuts, kept for the next chunks: a fresh chunk costs the kernel clearing 2 MiB
// when it is mapped (0.02-0.2 µs per span of the receive path in profiles while a cut freed more
// than a pool of 16 chunks kept), a reused one nothing. It keeps what the head cycles: as much as lets the chunks in use grow
// back to their peak of the last kPeriods periods (a period ends at each freeze, once per cut slice
// or per maintenance pass), never more than `max_bytes` with the chunks in use; what the head no
// longer reaches goes back to the system. What it keeps is part of the head's memory.
// Thread-safe: chunks die wherever the last trace or frozen set holding them goes.
class ChunkPool {
 public:
  static constexpr std::size_t kPeriods = 8;

  explicit ChunkPool(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  // Memory of at least `at_least` bytes: a kept one when it is big enough, else freshly mapped.
  ChunkMemory Take(std::size_t at_least);
  // Keeps `memory` while the pool and the chunks in use stay within the recent peak.
  void Give(ChunkMemory memory);
  // Starts a new period; unmaps what exceeds the peak of the last kPeriods.
  void EndPeriod();
  std::size_t bytes() const { return bytes_.load(std::memory_order_relaxed); }
  // Chunk memory mapped fresh so far (not taken from the pool).
  std::uint64_t mappings() const { return mappings_.load(std::memory_order_relaxed); }

 private:
  void CountTakenLocked(std::size_t bytes);
  // What the chunks in use and the kept ones may reach together.
  std::size_t TargetLocked() const;
  // Moves kept memory beyond the target into `unmapped`, to be unmapped outside the lock.
  void TrimLocked(std::vector<ChunkMemory>& unmapped);

  const std::size_t max_bytes_;
  std::mutex mutex_;
  std::vector<ChunkMemory> kept_;
  std::size_t in_use_bytes_ = 0;  // chunks taken and not given back
  std::size_t period_peak_ = 0;
  std::array<std::size_t, kPeriods> peaks_{};  // of the last periods, oldest overwritten
  std::size_t periods_ended_ = 0;
  std::atomic<std::size_t> bytes_{0};
  std::atomic<std::uint64_t> mappings_{0};
};

// An arena of encoded spans.
class Chunk {
 public:
  // `accounted` (the head's memory counter) is raised by what the chunk holds until it is destroyed;
  // its memory then goes back to `pool`. The capacity is at least `min_capacity`, in whole standard chunks.
  Chunk(std::size_t min_capacity, ChunkPool* pool, std::atomic<std::size_t>* accounted);
  ~Chunk();
  Chunk(const Chunk&) = delete;
  Chunk& operator=(const Chunk&) = delete;

  bool Fits(std::size_t bytes) const { return capacity_ - used_ >= bytes; }
  // The memory the chunk covers: [data(), data() + capacity()).
  const char* data() const { return memory_.data(); }
  std::size_t capacity() const { return capacity_; }
  // Copies `bytes` in (they must fit); the view stays valid as long as the chunk.
  std::string_view Copy(std::string_view bytes);
  // The chunk's origin with these encodings, decoded and added on first use. Null when the resource
  // or scope does not decode (never for scanned ones).
  const Origin* Intern(std::string_view resource, std::string_view resource_schema_url, std::string_view scope,
                       std::string_view scope_schema_url);

 private:
  void Account(std::size_t bytes);

  ChunkPool* pool_;
  ChunkMemory memory_;
  std::size_t capacity_;
  std::size_t used_ = 0;
  std::vector<std::unique_ptr<Origin>> origins_;
  std::atomic<std::size_t>* accounted_;
  std::size_t accounted_bytes_ = 0;
};

// One span's index entry: what Services, Operations, Dependencies, summaries and intrinsic-only
// searches need, and where the span's bytes are.
struct HeadSpan {
  model::SpanId span_id;
  model::SpanId parent_span_id;
  std::uint64_t start_unix_nanos = 0;
  std::uint64_t end_unix_nanos = 0;
  const char* encoded_data = nullptr;  // the Span message, in a chunk its trace holds
  const Origin* origin = nullptr;      // in the same chunk
  const char* name_data = nullptr;     // the name: inside the encoded bytes, or next to them
  std::uint32_t encoded_size = 0;
  std::uint32_t name_size = 0;
  model::SpanKind kind = model::SpanKind::kUnspecified;
  model::StatusCode status_code = model::StatusCode::kUnset;

  std::string_view encoded() const { return {encoded_data, encoded_size}; }
  std::string_view name() const { return {name_data, name_size}; }
  bool IsRoot() const { return !parent_span_id.IsValid(); }
};

struct HeadTrace {
  std::vector<HeadSpan> spans;
  std::vector<std::shared_ptr<const Chunk>> chunks;  // every chunk a span of this trace sits in
  // Span IDs, once the trace is too big for a linear duplicate check (a retried or replayed span is kept once).
  SpanIdSet span_ids;
  std::uint64_t first_arrival_nanos = 0;  // engine clock
  std::uint64_t last_arrival_nanos = 0;
  std::uint64_t oldest_segment = 0;       // WAL segment of the earliest span still held
  std::size_t index_bytes = 0;            // the entry, its vectors and ID set
  std::size_t span_bytes = 0;             // the encoded spans

  bool Holds(const model::SpanId& span_id) const;
};

// A trace with its ID, as the live head and the frozen sets hold it.
struct IdentifiedTrace {
  model::TraceId id;
  HeadTrace trace;
};

// A frozen set's traces, oldest first, found by ID through a flat index.
class FrozenTraceList {
 public:
  using const_iterator = std::vector<IdentifiedTrace>::const_iterator;
  const_iterator begin() const { return traces_.begin(); }
  const_iterator end() const { return traces_.end(); }
  std::size_t size() const { return traces_.size(); }
  bool empty() const { return traces_.empty(); }
  // Null when the set does not hold `trace_id`.
  const HeadTrace* find(const model::TraceId& trace_id) const {
    const std::uint32_t at = positions_.Find(trace_id);
    return at == TracePositions::kAbsent ? nullptr : &traces_[at].trace;
  }
  bool contains(const model::TraceId& trace_id) const { return find(trace_id) != nullptr; }

  void push_back(IdentifiedTrace&& trace) {
    positions_.Insert(trace.id, static_cast<std::uint32_t>(traces_.size()));
    traces_.push_back(std::move(trace));
  }
  // Hands every trace over; the list is empty after.
  std::vector<IdentifiedTrace> TakeAll() {
    positions_ = {};
    return std::exchange(traces_, {});
  }

 private:
  std::vector<IdentifiedTrace> traces_;
  TracePositions positions_;
};

// Traces taken out of the live head for one cut.
struct FrozenTraces {
  FrozenTraceList traces;
  std::size_t span_count = 0;
  std::size_t index_bytes = 0;
  std::size_t span_bytes = 0;
};

// A place for a live trace. Places stay put while traces come and go (a freed one is reused), so the
// arrival queue can name them.
struct LiveSlot {
  IdentifiedTrace entry;
  std::uint64_t arrival = 0;  // the trace's number in order of arrival; 0 while the slot is free
};

// An entry of the arrival queue; stale once its slot's arrival number differs.
struct Arrival {
  std::uint32_t slot = 0;
  std::uint64_t number = 0;
};

struct CutPolicy {
  std::uint64_t now_nanos = 0;
  std::uint64_t idle_nanos = 0;     // a trace without new spans for this long is complete enough
  std::uint64_t max_age_nanos = 0;  // no trace stays longer than this, idle or not
  bool everything = false;          // the head is over its size limits (or the store is closing)
  // At most this many spans per frozen set (whole traces, oldest first; one trace may exceed it).
  std::size_t max_spans = SIZE_MAX;
};

struct HeadStats {
  std::size_t live_spans = 0;
  std::size_t live_bytes = 0;  // index + encoded spans of live traces
  std::size_t live_traces = 0;
  std::size_t frozen_spans = 0;
  std::size_t frozen_bytes = 0;
  // What the head holds: every chunk (arena + origins), every index (with the live-trace table's
  // unused room) and the pooled chunk memory.
  std::size_t memory_bytes = 0;
  std::size_t pooled_bytes = 0;     // of memory_bytes: freed chunk memory kept for reuse
  std::uint64_t chunks_mapped = 0;  // chunk memory mapped fresh since the head began

  // What the head's size limits weigh: the pool refills to the head's recent peak after every cut,
  // so counting it would keep the head over its limit and cutting.
  std::size_t in_use_bytes() const { return memory_bytes - pooled_bytes; }
};

class Head {
 public:
  // `max_memory_bytes` bounds the chunks in use and pooled together (the store passes its hard limit).
  explicit Head(std::size_t max_memory_bytes = SIZE_MAX);
  Head(const Head&) = delete;
  Head& operator=(const Head&) = delete;

  // Copies the scanned spans in (their bytes must stay valid during the call).
  void Add(const otlp::wire::ScannedRequest& scan, std::uint64_t segment, std::uint64_t now_nanos);

  // Moves the traces the policy selects into a new frozen set; null when none qualifies. Ends a
  // period of the chunk pool either way.
  std::shared_ptr<const FrozenTraces> Freeze(const CutPolicy& policy);
  // Recovery: freezes the live traces among `trace_ids`, as a replayed cut record says (never null).
  std::shared_ptr<const FrozenTraces> FreezeTraces(const std::vector<model::TraceId>& trace_ids);
  void DropFrozen(const FrozenTraces* frozen);
  // A cut failed: the frozen traces become live again (merged with spans that arrived meanwhile).
  void Thaw(const FrozenTraces* frozen);
  // The oldest WAL segment any live or frozen span came from; `none` when the head is empty.
  std::uint64_t OldestSegment(std::uint64_t none) const;
  HeadStats stats() const;


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
  // Adds `span` (the caller checked its ID is new); keeps the span counts. The index bytes are
  // RecountIndexLocked's, once per trace after its spans of a request are in.
  void InsertLocked(HeadTrace& trace, const HeadSpan& span);
  void RecountIndexLocked(HeadTrace& trace);
  // The slot of `trace_id`'s live trace, with room made for `spans` more (a request's spans of it).
  std::uint32_t LiveTraceFor(const model::TraceId& trace_id, std::size_t spans, std::uint64_t segment,
                             std::uint64_t now_nanos);
  // Fills request_traces_ (each trace of `spans` once, in order of first appearance, with its span
  // count) and trace_of_span_.
  void GroupByTrace(const std::vector<otlp::wire::SpanRef>& spans);
  // A slot for a new live trace, queued as the newest arrival.
  std::uint32_t OpenSlot(const model::TraceId& trace_id);
  void FreeSlot(std::uint32_t slot);
  // Packs the live traces into slots sized for them once at most a quarter of the slots is taken:
  // a burst of traces would otherwise leave its slots, arrival queue and index for good.
  void ShrinkLiveSlots();
  // The live-trace table's room beyond what each live trace counts for itself (kTraceEntryBytes).
  std::size_t LiveTableSlackBytes() const;
  bool IsCurrent(const Arrival& arrival) const { return live_[arrival.slot].arrival == arrival.number; }
  // Moves a live trace into `frozen` (the live counts are lowered by the caller).
  void TakeInto(FrozenTraces& frozen, std::uint32_t slot);
  std::shared_ptr<const FrozenTraces> Publish(std::shared_ptr<FrozenTraces> frozen);
  // The arrival queue without stale entries, by first arrival (after Thaw, which brings older traces back).
  void ReorderArrivals();
  void AddChunkRef(HeadTrace& trace, const std::shared_ptr<const Chunk>& chunk);
  void StartChunk(std::size_t at_least);
  // Every part (live, frozen sets) of a trace's head spans.
  std::vector<const HeadTrace*> PartsOf(const model::TraceId& trace_id) const;
  // Calls visit(const IdentifiedTrace&) for every live trace, then every frozen one.
  template <typename Visit>
  void ForEachTrace(const Visit& visit) const;
  template <typename Visit>
  void ForEachSpan(const Visit& visit) const;

  // Counts the live and frozen traces by their oldest WAL segment.
  void CountSegment(std::uint64_t segment);
  void UncountSegment(std::uint64_t segment, std::size_t traces = 1);
  // A trace's oldest segment becomes `segment` if that is older.
  void LowerOldestSegment(HeadTrace& trace, std::uint64_t segment);

  // Declared first: chunks, destroyed with the traces below, still lower it and give their memory back.
  std::atomic<std::size_t> chunk_bytes_{0};
  ChunkPool chunk_pool_;
  mutable std::shared_mutex mutex_;
  std::vector<LiveSlot> live_;
  std::vector<std::uint32_t> free_slots_;
  TracePositions live_positions_;  // trace ID → slot
  // The live traces in order of arrival: Freeze takes the oldest from the front without sorting.
  std::vector<Arrival> arrivals_;
  std::uint64_t next_arrival_ = 1;
  std::vector<std::shared_ptr<FrozenTraces>> frozen_;
  std::shared_ptr<Chunk> current_;                // where new spans are copied
  std::vector<const Origin*> origin_of_scope_;   // Add's per-request cache: scope index → origin in current_
  // Add's per-request grouping: a request interleaves its traces' spans (they come grouped by resource
  // and scope), so each trace is looked up once per request, not once per run of its spans, and its
  // span vector grows once. Reused, small (a few entries per span of a request): not counted.
  struct RequestTrace {
    model::TraceId id;
    std::uint32_t spans = 0;
    std::uint32_t slot = TracePositions::kAbsent;
  };
  std::vector<RequestTrace> request_traces_;
  std::vector<std::uint32_t> trace_of_span_;  // index into request_traces_, per span of the request
  TracePositions request_positions_;           // trace ID → index into request_traces_
  std::size_t live_spans_ = 0;
  std::size_t live_index_bytes_ = 0;
  std::size_t live_span_bytes_ = 0;
  // Live and frozen traces per oldest segment, so OldestSegment does not scan every trace (it ran
  // after each cut slice).
  std::map<std::uint64_t, std::size_t> traces_by_segment_;
};

}  // namespace hoptrace::store::engine
