#pragma once
// The immutable on-disk block: the unit the embedded store cuts its head into and compacts.
// One block is one file holding the spans of a set of traces, grouped by trace and ordered by trace
// start time, in columns (zstd-compressed once compacted) with dictionaries, a trace-ID index with a
// bloom filter, per-trace summaries and search columns. The layout is described in docs/store-format.md.
//
// Usage (the engine):
//   BlockBuilder builder;
//   builder.Add(batch);                      // any number of times, any order of traces
//   BlockMeta meta;
//   Status s = builder.Finish(dir / "000123.block", &meta);  // atomic: temp file, fsync, rename
//   std::unique_ptr<BlockReader> reader;
//   s = BlockReader::Open(dir / "000123.block", {}, &reader);  // reads footer, meta and bloom only
//   std::optional<model::TraceBatch> trace;
//   s = reader->FindTrace(id, &trace);
//
// Errors are store::Status values; a damaged file yields kCorruption, never a crash.
// BlockReader is thread-safe (its page cache has its own lock). BlockBuilder is not.

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <vector>

#include "hoptrace/model/span.h"
#include "hoptrace/store/store.h"

namespace hoptrace::store::block {

// A span's resource or scope together with the schema URL of its OTLP envelope.
struct ResourceEntry {
  model::Resource resource;
  std::string schema_url;
  friend bool operator==(const ResourceEntry&, const ResourceEntry&) = default;
};
struct ScopeEntry {
  model::InstrumentationScope scope;
  std::string schema_url;
  friend bool operator==(const ScopeEntry&, const ScopeEntry&) = default;
};

// What a block says about itself; stored in the block and returned by Finish and BlockReader::meta.
struct BlockMeta {
  std::uint32_t format_version = 0;
  std::uint64_t span_count = 0;
  std::uint64_t trace_count = 0;
  std::uint64_t min_start_unix_nano = 0;  // earliest span start (0 when the block is empty)
  std::uint64_t max_start_unix_nano = 0;  // latest span start
  std::uint64_t max_end_unix_nano = 0;    // latest span end
  std::uint64_t file_bytes = 0;           // the whole file
  std::uint64_t span_data_bytes = 0;      // span columns as stored
  std::uint64_t index_bytes = 0;          // trace-ID index pages and bloom filter
  std::uint64_t summary_bytes = 0;        // traces columns: per trace its ID and summary
  std::uint64_t dictionary_bytes = 0;     // strings, resources, scopes
  // Written at kStoredRaw (a fresh cut): compaction is to rewrite it compressed.
  bool stored_raw = false;
};

// One search hit of one block. A trace whose spans sit in several blocks (before compaction) gets
// a hit from each; MergeHits combines them into what the whole store knows.
struct TraceHit {
  TraceSummary summary;   // matched_spans: the spans of this block that matched
  bool root_found = false;  // summary.root_* came from a span without parent (else: earliest span)
};
// Folds `other` (same trace) into `into`: counts add up, services and matched spans unite, the
// root comes from a real root when either side has one, start/duration cover both.
void MergeHits(TraceHit& into, const TraceHit& other);

// Search results come latest trace start first, ties by trace ID.
inline bool MoreRecent(const TraceSummary& a, const TraceSummary& b) {
  return a.start_unix_nano != b.start_unix_nano ? a.start_unix_nano > b.start_unix_nano : a.trace_id < b.trace_id;
}
// Keeps the `limit` most recent of `items` (summary_of(item) gives each one's TraceSummary), sorted.
template <typename T, typename SummaryOf>
void KeepMostRecent(std::vector<T>& items, std::size_t limit, SummaryOf summary_of) {
  limit = std::min(limit, items.size());
  std::partial_sort(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(limit), items.end(),
                    [&](const T& a, const T& b) { return MoreRecent(summary_of(a), summary_of(b)); });
  items.resize(limit);
}

// The `limit` latest trace starts found so far. A search that visits row groups latest first stops
// once a group's latest trace start is below all of them: none of its traces can make the results.
class LatestStarts {
 public:
  explicit LatestStarts(std::size_t limit) : limit_(limit) {}
  void Add(std::uint64_t start) {
    if (limit_ == 0) return;
    starts_.push(start);
    if (starts_.size() > limit_) starts_.pop();
  }
  bool Excludes(std::uint64_t start) const { return limit_ == 0 || (starts_.size() == limit_ && start < starts_.top()); }

 private:
  std::size_t limit_;
  std::priority_queue<std::uint64_t, std::vector<std::uint64_t>, std::greater<>> starts_;
};

// One block's search, one row group at a time, groups holding the latest traces first: a trace
// sits in one group, so each group's hits are complete for the block. BlockReader::Search runs one
// to its limit; the engine interleaves those of all its blocks by next_group_latest_start() and so
// stops reading once `limit` hits are certain over the whole store. The reader must outlive it.
class BlockSearch {
 public:
  ~BlockSearch();
  BlockSearch(const BlockSearch&) = delete;
  BlockSearch& operator=(const BlockSearch&) = delete;

  // The latest trace start the next row group holds; nullopt once no group is left.
  std::optional<std::uint64_t> next_group_latest_start() const;
  // Searches that group and appends its hits (any order).
  Status SearchNextGroup(std::vector<TraceHit>* hits);
  std::size_t groups_searched() const;
  // The index of the row group SearchNextGroup reads next; nullopt once no group is left.
  std::optional<std::size_t> next_group() const;

  struct Impl;

 private:
  friend class BlockReader;
  explicit BlockSearch(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Levels of BlockBuilder and MergeBlocks: a zstd level, or kStoredRaw for sections written
// uncompressed (never zstd's own level 0, its default).
inline constexpr int kStoredRaw = 0;
// A block cut from the head that compaction will merge is written raw, like the first level of an
// LSM tree: the cut shares the core with ingest, and compaction rewrites it compressed before long
// (merged with its tier, or alone: engine/compaction_policy.h), so zstd at the cut would only buy
// bytes for that while. A cut block no merge can take is written compressed, final as cut.
inline constexpr int kFreshBlockZstdLevel = kStoredRaw;
inline constexpr int kCompactedBlockZstdLevel = 9;

// A span still in its OTLP protobuf encoding (otlp::wire's Span message bytes), with the fields the
// builder sorts, groups and summarises by, so that only the row-group encoding reads the bytes.
// `name` and `encoded` must stay valid until Finish: the builder reads them in place.
struct EncodedSpan {
  model::TraceId trace_id;
  model::SpanId span_id;
  model::SpanId parent_span_id;
  std::uint64_t start_unix_nanos = 0;
  std::uint64_t end_unix_nanos = 0;
  model::SpanKind kind = model::SpanKind::kUnspecified;
  model::StatusCode status_code = model::StatusCode::kUnset;
  std::string_view name;
  std::string_view encoded;
};

class BlockBuilder {
 public:
  explicit BlockBuilder(int zstd_level = kCompactedBlockZstdLevel);
  ~BlockBuilder();
  BlockBuilder(const BlockBuilder&) = delete;
  BlockBuilder& operator=(const BlockBuilder&) = delete;

  // Copies the spans in. Resources and scopes are interned: equal ones are stored once.
  void Add(const model::TraceBatch& batch);
  void Add(const model::Span& span, const ResourceEntry& resource, const ScopeEntry& scope);
  // The same in two steps, for callers that see the same resource and scope objects again and again
  // (the head's origins, a block's dictionaries): intern each once, then hand over spans with their
  // ids. Interning compares and encodes whole entries, too costly per span.
  std::uint32_t InternResource(const ResourceEntry& resource);
  std::uint32_t InternScope(const ScopeEntry& scope);
  void Add(model::Span&& span, std::uint32_t resource, std::uint32_t scope);  // ids from Intern*
  // Without a copy: the head's spans are read in place (no model span per span is kept).
  void Add(const EncodedSpan& span, std::uint32_t resource, std::uint32_t scope);

  // The level of the blocks Finish writes from now on (a zstd level or kStoredRaw).
  void set_zstd_level(int zstd_level);
  // Room for `spans` more added spans (a cut knows how many it hands over).
  void Reserve(std::size_t spans);
  std::size_t span_count() const;  // spans added so far (before dropping duplicates)
  // Rough memory held by the added spans, so the caller can cut blocks by size.
  std::size_t approximate_bytes() const;

  // Writes the block to `path` atomically (path + ".tmp", fsync, rename, fsync of the directory).
  // Spans with the same trace and span ID are stored once (the first one added wins), so replayed
  // or retried writes do not duplicate. The builder is empty afterwards. `meta` may be null.
  // kCorruption when an encoded span does not decode.
  Status Finish(const std::filesystem::path& path, BlockMeta* meta);
  // Memory Finish keeps for the next block (its buffers, emptied): a builder that writes block after
  // block, as a store's cuts do, fills memory already mapped.
  std::size_t kept_bytes() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

class BlockTraceScan;

struct ReaderOptions {
  // Decompressed pages (index pages, span columns, summaries, dictionaries) kept per reader.
  std::size_t cache_bytes = 8 << 20;
};

// Called per span in block order (traces by start time, a trace's spans together); return false to
// stop early.
using SpanVisitor =
    std::function<bool(const model::Span& span, const ResourceEntry& resource, const ScopeEntry& scope)>;

class BlockReader {
 public:
  // Cheap: reads and verifies the footer, the section directory, the meta section and the bloom
  // filter. Everything else is read on demand.
  static Status Open(const std::filesystem::path& path, const ReaderOptions& options,
                     std::unique_ptr<BlockReader>* reader);
  ~BlockReader();
  BlockReader(const BlockReader&) = delete;
  BlockReader& operator=(const BlockReader&) = delete;

  const BlockMeta& meta() const;
  const std::filesystem::path& path() const;

  // Bloom filter only: false means the trace is certainly not in this block.
  bool MayContain(const model::TraceId& trace_id) const;
  // The trace's spans grouped by resource and scope; nullopt when the block does not hold it.
  // Reads the bloom filter, one index page and the one row group holding the trace.
  Status FindTrace(const model::TraceId& trace_id, std::optional<model::TraceBatch>* trace);

  // Traces with at least one span that satisfies `request.filter` and starts inside
  // `request.range`: the latest-starting request.limit of them, latest first (MoreRecent). The
  // filter runs on the search columns (no full span decoding); results equal store::Matches span by
  // span. Reads row groups latest first and stops once `limit` hits are certain.
  Status Search(const SearchRequest& request, std::vector<TraceHit>* hits);
  // The same search, group by group under the caller's control (request.limit is not applied).
  Status StartSearch(const SearchRequest& request, std::unique_ptr<BlockSearch>* search);

  // Whether the block holds the trace: the bloom filter, then its index page (no span is read).
  Status Contains(const model::TraceId& trace_id, bool* found);
  // Every trace with a span that satisfies request.filter and starts inside request.range
  // (request.limit is not applied), with all of this block's spans of it, grouped as FindTrace
  // returns them. Row group by row group, each decoded once; traces no span of which matched are
  // passed over without building their spans. `visit` returns false to stop.
  using TraceVisitor = std::function<bool(const model::TraceId& trace_id, model::TraceBatch& trace)>;
  Status ScanTraces(const SearchRequest& request, const TraceVisitor& visit);
  // The same scan a few traces at a time (BlockTraceScan::NextTraces).
  Status StartTraceScan(const SearchRequest& request, std::unique_ptr<BlockTraceScan>* scan);

  // From the block's dictionaries (kept in memory since Open): sorted, unique.
  const std::vector<std::string>& Services() const;
  std::vector<Operation> Operations(std::string_view service) const;
  // Parent service → child service edges between spans of the same trace in this block, computed
  // when the block was built. Sorted by (parent, child).
  const std::vector<DependencyLink>& Dependencies() const;

  // Streams every span (for compaction). Stops at the first corruption, returning it.
  Status ForEachSpan(const SpanVisitor& visitor);

  struct State;  // internal to store/src/block

 private:
  friend Status MergeBlocks(const std::vector<BlockReader*>& inputs, const std::filesystem::path& output,
                            BlockMeta* meta, int zstd_level);
  explicit BlockReader(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// Traces decoded at once by a scan: the decoded spans stay within the caches until they are visited.
inline constexpr std::size_t kScannedTracesAtOnce = 32;

// A trace a scan selected, with this block's spans of it grouped as FindTrace returns them.
struct ScannedTrace {
  model::TraceId trace_id;
  model::TraceBatch trace;
};

// BlockReader::ScanTraces a few traces at a time, so that the caller may decode the next ones on one
// thread while it visits the last ones on another. The reader must outlive it.
class BlockTraceScan {
 public:
  ~BlockTraceScan();
  BlockTraceScan(const BlockTraceScan&) = delete;
  BlockTraceScan& operator=(const BlockTraceScan&) = delete;

  // Replaces `traces` with the next (at most `max_traces`) selected traces, in scan order; leaves it
  // empty once none is left. The spans of the traces it replaces are decoded into again (their
  // strings and attribute slots are reused, not freed).
  Status NextTraces(std::vector<ScannedTrace>& traces, std::size_t max_traces);

  struct Impl;

 private:
  friend class BlockReader;
  explicit BlockTraceScan(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Searches several blocks as one: the row groups of all of them in one order, latest traces first
// (blocks cover overlapping times, so going block by block would read every block's latest groups),
// until `latest` says nothing left can make the results. `on_hit` gets each hit and adds the start of
// each trace it has not seen before to `latest` (a trace in several blocks comes once per block).
// A block whose search fails goes to `on_error` and is left out from then on.
void SearchBlocks(const std::vector<BlockReader*>& readers, const SearchRequest& request, LatestStarts& latest,
                  const std::function<void(TraceHit& hit)>& on_hit,
                  const std::function<void(BlockReader& reader, const Status& error)>& on_error);

// Compaction: writes one block at `output` with every span of `inputs` (spans of one trace from
// different blocks end up together; duplicates are stored once, the first input's). Streams the
// inputs' columns (block_merge.cc): memory does not grow with their spans. `meta` may be null.
Status MergeBlocks(const std::vector<BlockReader*>& inputs, const std::filesystem::path& output, BlockMeta* meta,
                   int zstd_level = kCompactedBlockZstdLevel);

}  // namespace hoptrace::store::block
