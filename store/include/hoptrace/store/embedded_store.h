#pragma once
// The embedded store: hoptrace's default backend, a directory on local disk and nothing to install.
//
//   data_dir/wal/NNNNNNNNNNNN.wal      write-ahead log segments (every acknowledged write is here first)
//   data_dir/blocks/NNNNNNNNNNNN.block immutable compressed blocks (store/src/block/)
//   data_dir/quarantine/               blocks that failed to open or verify, moved aside on open
//   data_dir/LOCK                      held (flock) while a process has the store open
//
// A write is appended to the WAL as one record holding the spans' OTLP protobuf request (one leader
// appends and fsyncs for all concurrent writers: group commit), then added to the head, which keeps
// the spans encoded in arena chunks with a compact index by trace ID. A background
// thread cuts traces that have been idle for a while (or are too old, or the head is too big) into a
// block, deletes the WAL segments that only held spans now in blocks, merges blocks of similar size
// (size-tiered), and deletes whole old blocks for retention. Queries see the head and every block together.
//
// On open the WAL is replayed into the head: a torn or corrupt record is skipped and reported (log
// line + counter), never a refusal to start; a block that fails to open is moved to quarantine/.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "hoptrace/store/store.h"

namespace hoptrace::metrics {
class Registry;
}

namespace hoptrace::store {

enum class FsyncPolicy : std::uint8_t {
  kEveryWrite,  // Write returns after fdatasync (group commit shares it): survives power loss
  kInterval,    // fdatasync at most every fsync_interval: survives a process crash, not power loss
  kNever,       // the OS decides: for tests and benchmarks
};

struct EmbeddedStoreOptions {
  std::string data_dir;

  FsyncPolicy fsync = FsyncPolicy::kEveryWrite;
  std::chrono::milliseconds fsync_interval{1000};  // kInterval only

  // The head is cut into blocks when it holds this many spans or bytes (the memory it holds: span
  // arena chunks, decoded resources and scopes, index) ...
  // With the backpressure factor below the head holds at most 2 × 128 MiB; a cut slice
  // (cut_max_spans) and a merge's row groups come on top: `hoptrace serve` stays under 1 GiB while
  // ingesting, cutting and compacting.
  std::size_t head_max_spans = 1'000'000;
  std::size_t head_max_bytes = 128ull << 20;
  // ... and otherwise trace by trace: a trace that received no span for `trace_idle` is cut, and no
  // trace stays longer than `head_max_age`. Waiting for idleness lands most traces in one block.
  std::chrono::milliseconds trace_idle{10'000};
  std::chrono::milliseconds head_max_age{30'000};
  // Writes are refused with kResourceExhausted while the head holds this many times its limits
  // (cutting has fallen behind): memory stays bounded.
  std::size_t head_backpressure_factor = 2;
  // A write that finds the head that full first waits up to this long for the running cut to make
  // room (with background work only): a slice's cut takes a fraction of a second, so a burst is
  // slowed down instead of refused and sent again. Zero: refused at once.
  std::chrono::milliseconds head_full_wait{1000};
  // A cut writes blocks of at most this many spans (whole traces; the oldest first): the block
  // builder holds a block's spans decoded until it is written, so this bounds a cut's memory.
  std::size_t cut_max_spans = 100'000;

  // Compaction merges blocks size-tiered (store/src/engine/compaction_policy.h): `compaction_fanout`
  // blocks of similar size at a time, oldest first, so a span is rewritten about once per tier it
  // climbs. Merged blocks stay within the target bytes and max spans; a tier whose
  // `compaction_fanout` blocks would not fit is final. The block count once compaction has
  // caught up: under compaction_fanout per tier below the top, top-tier blocks of more than
  // compaction_max_spans / compaction_fanout² spans.
  bool compaction = true;
  std::uint64_t compaction_target_bytes = 256ull << 20;
  // A merge streams its inputs' columns (memory does not grow with its spans), so this bounds block
  // size for queries and retention's granularity rather than memory. The default, a full cut's size,
  // leaves full cut blocks as they are cut (compressed, final): merging them into bigger blocks saves
  // no bytes, only block count, for ≈ 0.5 µs of the core per span (docs/benchmarks.md). Under
  // fanout × cut_max_spans, only smaller blocks (idle-trace cuts, slice tails) are merged.
  std::size_t compaction_max_spans = 100'000;
  std::size_t compaction_fanout = 4;
  // While spans keep arriving, merges of blocks of a cut's size or more (with compaction_max_spans
  // raised to take them) are left for a moment without writes (they cost the ingest core ≈ 0.5 µs per
  // span), unless more than this many blocks are due for them: the compaction debt under endless
  // ingest is bounded by it, however big the store.
  std::size_t compaction_max_deferred_blocks = 64;
  // zstd level of compacted blocks and of the cut blocks no merge can take (compaction_policy.h's
  // MergeMayTake); a cut writes any other block raw (≈ 84 bytes/span) and compaction compresses it.
  // 1: 38.3 bytes/span against 36.7 at level 3, which costs ≈ 0.15 µs more per merged
  // span (docs/benchmarks.md); 9 saves 6 % of level 3's bytes for twice its CPU. 0 (block::kStoredRaw)
  // leaves every block raw.
  int compaction_zstd_level = 1;

  // Retention deletes whole blocks: those whose newest span ended before now - retention_age, then
  // the oldest while blocks take more than retention_max_bytes. Zero: no limit.
  std::chrono::seconds retention_age{std::chrono::hours(24 * 7)};
  std::uint64_t retention_max_bytes = 0;

  std::uint64_t wal_segment_bytes = 64ull << 20;
  // WAL appends with direct I/O (O_DIRECT, whole 4 KiB blocks; buffered where the file system has
  // none): the WAL, read only at recovery, takes no page cache (store/src/wal/log_writer.h).
  bool wal_direct_io = true;

  // Background work: cut check, interval fsync, compaction and retention run every `maintenance_interval`.
  // false: only when the owner calls CutHead / Compact / ApplyRetention (tests).
  bool background = true;
  std::chrono::milliseconds maintenance_interval{1000};

  // ForEachTrace decodes the next row groups on a second thread while the caller visits the last
  // ones (same traces, same order). false: one thread does both (a single-core machine).
  bool scan_decode_thread = true;

  metrics::Registry* metrics = nullptr;  // null: the store keeps its own (see metrics())
  // One line per notable event (recovery summary, skipped WAL damage, quarantine). Null: std::clog.
  std::function<void(std::string_view)> log;
  // Unix nanoseconds, for idleness, age and retention. Null: the system clock. Tests pass a fake one.
  std::function<std::uint64_t()> clock;
};

// What opening the store found.
struct RecoveryReport {
  std::uint64_t wal_segments = 0;
  std::uint64_t wal_records = 0;
  std::uint64_t spans_replayed = 0;           // spans put back into the head
  std::uint64_t spans_already_in_blocks = 0;  // replayed spans dropped because a block holds them
  std::uint64_t torn_or_corrupt_records = 0;  // WAL records skipped
  std::uint64_t undecodable_records = 0;      // verified records that do not scan, or in the old encoding
  std::uint64_t skipped_bytes = 0;
  std::uint64_t blocks = 0;
  std::uint64_t blocks_quarantined = 0;
};

struct EmbeddedStoreStats {
  std::size_t head_spans = 0;  // live and being cut
  std::size_t head_bytes = 0;  // memory the head's spans hold (what head_max_bytes weighs)
  std::size_t head_pooled_bytes = 0;  // freed head memory kept for the next spans, on top
  std::size_t cut_buffer_bytes = 0;   // buffers the cut keeps from one block to the next
  std::size_t head_traces = 0;
  std::size_t blocks = 0;
  std::uint64_t block_bytes = 0;
  std::size_t raw_blocks = 0;         // of the blocks: written raw by a cut, not compacted yet
  std::uint64_t raw_block_bytes = 0;  // their bytes, part of block_bytes
  std::size_t wal_segments = 0;
};

class EmbeddedStore final : public Store {
 public:
  static Status Open(EmbeddedStoreOptions options, std::unique_ptr<EmbeddedStore>* store);
  // Stops background work. The head is not cut: it is in the WAL and is replayed on the next open.
  ~EmbeddedStore() override;

  Status Write(const model::TraceBatch& batch) override;
  // The spans' request is the WAL record as it is when `spans.request_is_exact`; the head copies
  // their encoded bytes. No model objects are built.
  Status WriteOtlp(const OtlpSpans& spans) override;
  std::optional<model::TraceBatch> GetTrace(const model::TraceId& trace_id, const TimeRange& range = {}) override;
  std::vector<TraceSummary> Search(const SearchRequest& request) override;
  std::vector<std::string> Services(const TimeRange& range = {}) override;
  std::vector<Operation> Operations(std::string_view service, const TimeRange& range = {}) override;
  std::vector<DependencyLink> Dependencies(const TimeRange& range) override;
  // One pass over the blocks in the range (each row group decoded once, on a second thread unless
  // options.scan_decode_thread is false); traces with spans in the head or in several blocks are
  // assembled by GetTrace.
  Status ForEachTrace(const TraceScan& scan, const TraceVisitor& visit) override;

  // Maintenance, also run by the background thread. CutHead cuts the traces that are idle or too
  // old (all of them when `everything`, or when the head is over its limits) into blocks of at most
  // cut_max_spans spans.
  Status CutHead(bool everything = false);
  // Merges what the compaction policy says is due. `defer_while_ingesting` (the background thread):
  // blocks of a cut's size or more wait if spans were written since the last call.
  Status Compact(bool defer_while_ingesting = false);
  Status ApplyRetention();

  EmbeddedStoreStats stats() const;
  const RecoveryReport& recovery() const;
  metrics::Registry& metrics();

  class Impl;

 private:
  explicit EmbeddedStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hoptrace::store
