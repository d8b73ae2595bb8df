// Background work: cutting the head into blocks (then deleting the WAL segments that only held cut
// spans), compaction of small adjacent blocks, and retention by age and by disk bytes.

#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <chrono>
#include <unordered_map>

#include "engine/compaction_policy.h"
#include "engine/embedded_store_impl.h"
#include "hoptrace/metrics/cpu_time.h"

namespace hoptrace::store {
namespace {

std::uint64_t Nanos(std::chrono::nanoseconds duration) { return static_cast<std::uint64_t>(duration.count()); }

// Adds the CPU time this thread spends in its scope to `total`: the cut's and compaction's share of
// the core, whatever else runs beside them.
class ThreadCpuTally {
 public:
  explicit ThreadCpuTally(metrics::FloatCounter& total)
      : total_(total), start_(metrics::ThreadCpuSeconds()) {}
  ~ThreadCpuTally() { total_.Add(metrics::ThreadCpuSeconds() - start_); }
  ThreadCpuTally(const ThreadCpuTally&) = delete;
  ThreadCpuTally& operator=(const ThreadCpuTally&) = delete;

 private:
  metrics::FloatCounter& total_;
  const double start_;
};

block::EncodedSpan EncodedSpanOf(const model::TraceId& trace_id, const engine::HeadSpan& span) {
  return {.trace_id = trace_id,
          .span_id = span.span_id,
          .parent_span_id = span.parent_span_id,
          .start_unix_nanos = span.start_unix_nanos,
          .end_unix_nanos = span.end_unix_nanos,
          .kind = span.kind,
          .status_code = span.status_code,
          .name = span.name(),
          .encoded = span.encoded()};
}

// Each origin (a chunk's resource and scope) interned once into a block builder. A span's origin is
// its chunk's, and a trace's spans come chunk by chunk, so most spans ask for the origin before them.
class OriginIds {
 public:
  explicit OriginIds(block::BlockBuilder& builder) : builder_(builder) {}
  std::pair<std::uint32_t, std::uint32_t> Of(const engine::Origin* origin) {
    if (origin == last_origin_) return last_ids_;
    auto [ids, added] = ids_.try_emplace(origin);
    if (added) {
      ids->second = {IdOf(resource_ids_, {origin->resource_encoded, origin->resource_schema_url},
                          [&] { return builder_.InternResource(origin->resource); }),
                     IdOf(scope_ids_, {origin->scope_encoded, origin->scope_schema_url},
                          [&] { return builder_.InternScope(origin->scope); })};
    }
    last_origin_ = origin;
    last_ids_ = ids->second;
    return last_ids_;
  }

 private:
  // Chunk after chunk holds the same few resources and scopes: each encoding is interned once (the
  // builder's interning encodes an entry afresh to compare it, ≈ 7,000 instructions).
  using EncodingKey = std::pair<std::string_view, std::string_view>;  // encoded bytes, schema URL
  using EncodingIds = absl::flat_hash_map<EncodingKey, std::uint32_t>;
  template <typename Intern>
  static std::uint32_t IdOf(EncodingIds& ids, EncodingKey encoding, Intern intern) {
    auto [id, added] = ids.try_emplace(encoding);
    if (added) id->second = intern();
    return id->second;
  }

  block::BlockBuilder& builder_;
  // Views of the origins' strings, which the frozen chunks keep until the block is written.
  EncodingIds resource_ids_;
  EncodingIds scope_ids_;
  std::unordered_map<const engine::Origin*, std::pair<std::uint32_t, std::uint32_t>> ids_;
  const engine::Origin* last_origin_ = nullptr;
  std::pair<std::uint32_t, std::uint32_t> last_ids_;
};

engine::CompactionPolicy CompactionPolicyOf(const EmbeddedStoreOptions& options) {
  return {.cut_spans = options.cut_max_spans,
          .fanout = options.compaction_fanout,
          .max_spans = options.compaction_max_spans,
          .max_bytes = options.compaction_target_bytes};
}

// A cut writes its block compressed when it is final as cut (no merge can take it, or compaction is
// off), raw otherwise: compaction compresses it in its merge, or alone (compaction_policy.h).
int CutZstdLevel(const EmbeddedStoreOptions& options, std::size_t spans) {
  const bool final_as_cut = !options.compaction || !engine::MergeMayTake(spans, CompactionPolicyOf(options));
  return final_as_cut ? options.compaction_zstd_level : block::kFreshBlockZstdLevel;
}

}  // namespace

Status EmbeddedStore::Impl::WriteBlock(
    const std::function<Status(const std::filesystem::path&, block::BlockMeta*)>& build, engine::BlockPtr* block) {
  const std::filesystem::path path = blocks_.NextPath();
  block::BlockMeta meta;
  Status status = build(path, &meta);
  std::unique_ptr<block::BlockReader> reader;
  if (status.ok()) status = block::BlockReader::Open(path, {}, &reader);
  if (!status.ok()) {
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
    metrics_.block_errors.Increment();
    Log("writing block " + path.filename().string() + " failed: " + status.message());
    return status;
  }
  *block = std::make_shared<engine::BlockHandle>(std::move(reader), Now());
  return Status::Ok();
}

// A cut runs slice by slice, a block each, so that the block builder (which holds an index entry per
// span of its block, reading the head's encoded spans in place) stays bounded by cut_max_spans. It stops after as many slices as the head held at its
// start, so spans arriving meanwhile cannot keep it cutting forever.
Status EmbeddedStore::Impl::CutHead(bool everything) {
  std::lock_guard cut_lock(cut_mutex_);
  const std::size_t slice_spans = std::max<std::size_t>(1, options_.cut_max_spans);
  const std::size_t max_slices = head_.stats().live_spans / slice_spans + 1;
  Status status;
  for (std::size_t slice = 0; slice < max_slices; ++slice) {
    bool cut = false;
    status = CutSlice(everything, &cut);
    if (!status.ok() || !cut) break;
  }
  UpdateGauges();
  return status;
}

Status EmbeddedStore::Impl::CutSlice(bool everything, bool* cut) {
  const ThreadCpuTally tally(metrics_.cut_seconds);
  const engine::HeadStats head = head_.stats();
  const engine::CutPolicy policy{
      .now_nanos = Now(),
      .idle_nanos = Nanos(options_.trace_idle),
      .max_age_nanos = Nanos(options_.head_max_age),
      .everything = everything || head.live_spans >= options_.head_max_spans || head.in_use_bytes() >= options_.head_max_bytes,
      .max_spans = std::max<std::size_t>(1, options_.cut_max_spans)};
  std::shared_ptr<const engine::FrozenTraces> frozen;
  std::uint64_t cut_number = 0;
  {
    std::lock_guard wal_lock(wal_mutex_);  // the freeze and its record sit between the same two writes
    frozen = head_.Freeze(policy);
    *cut = frozen != nullptr;
    if (!frozen) return Status::Ok();
    cut_number = next_cut_++;
    engine::CutRecord record{.event = engine::CutEvent::kFrozen, .cut = cut_number};
    record.traces.reserve(frozen->traces.size());
    for (const auto& [id, trace] : frozen->traces) record.traces.push_back(id);
    if (const Status status = AppendCutRecordLocked(record); !status.ok()) {
      head_.Thaw(frozen.get());
      return status;
    }
  }

  engine::BlockPtr block;
  const Status status = WriteBlock(
      [&](const std::filesystem::path& path, block::BlockMeta* meta) {
        block::BlockBuilder& builder = cut_builder_;
        builder.set_zstd_level(CutZstdLevel(options_, frozen->span_count));
        builder.Reserve(frozen->span_count);
        OriginIds origin_ids(builder);
        // The builder reads the encoded spans in place: `frozen` holds their chunks until Finish.
        for (const auto& [id, trace] : frozen->traces) {
          const auto in_blocks = replayed_in_blocks_.find(id);
          for (const engine::HeadSpan& span : trace.spans) {
            if (in_blocks != replayed_in_blocks_.end() && in_blocks->second.contains(span.span_id)) continue;
            const auto [resource, scope] = origin_ids.Of(span.origin);
            builder.Add(EncodedSpanOf(id, span), resource, scope);
          }
        }
        const Status finished = builder.Finish(path, meta);
        cut_buffer_bytes_.store(builder.kept_bytes(), std::memory_order_relaxed);
        return finished;
      },
      &block);
  if (!status.ok()) {
    std::lock_guard wal_lock(wal_mutex_);
    head_.Thaw(frozen.get());  // still in the WAL; the next cut tries again
    AppendCutRecordLocked({.event = engine::CutEvent::kAbandoned, .cut = cut_number});
    return status;
  }
  blocks_.Update({block}, {}, [&] { head_.DropFrozen(frozen.get()); });
  {
    std::lock_guard wake(background_mutex_);  // a writer checks for room under it: no wake-up is lost
    head_room_.notify_all();
  }
  if (!replayed_in_blocks_.empty()) {
    for (const auto& [id, trace] : frozen->traces) replayed_in_blocks_.erase(id);
    if (replayed_in_blocks_.empty()) MarkWalRecordsCuts();
  }
  metrics_.blocks_cut.Increment();
  metrics_.spans_cut.Increment(block->meta().span_count);
  {
    std::lock_guard wal_lock(wal_mutex_);
    // Synced unless the policy never syncs: a lost commit record would make recovery cut these spans twice.
    if (AppendCutRecordLocked({.event = engine::CutEvent::kCommitted, .cut = cut_number}).ok()) {
      SyncWalLocked(options_.fsync != FsyncPolicy::kNever);
    }
    wal_.RequestNewSegment();
  }
  DeleteCoveredSegments();
  return Status::Ok();
}

Status EmbeddedStore::Impl::AppendCutRecordLocked(const engine::CutRecord& record) {
  const std::string payload = engine::EncodeCutRecord(record);
  const std::string_view view = payload;
  std::uint64_t bytes = 0;
  const Status status = wal_.Append(wal::RecordType::kCut, {&view, 1}, &bytes);
  if (status.ok()) {
    metrics_.wal_bytes.Increment(bytes);
  } else {
    Log("appending a cut record to the WAL failed: " + status.message());
  }
  return status;
}

void EmbeddedStore::Impl::DeleteCoveredSegments() {
  std::lock_guard wal_lock(wal_mutex_);  // no group is between its WAL append and the head
  const std::size_t before = wal_.segment_count();
  const Status status = wal_.DeleteSegmentsBefore(head_.OldestSegment(wal_.current_segment()));
  metrics_.wal_segments_deleted.Increment(before - wal_.segment_count());
  if (!status.ok()) Log(status.message());
}

namespace {

std::vector<engine::BlockSize> SizesOf(const std::vector<engine::BlockPtr>& blocks, std::uint64_t now,
                                       bool raw_blocks_to_compress) {
  std::vector<engine::BlockSize> sizes;
  sizes.reserve(blocks.size());
  for (const engine::BlockPtr& block : blocks) {
    const std::uint64_t written = std::min(now, block->written_unix_nanos());
    sizes.push_back({.spans = block->meta().span_count,
                     .bytes = block->meta().file_bytes,
                     .stored_raw = raw_blocks_to_compress && block->meta().stored_raw,
                     .waited = std::chrono::nanoseconds(static_cast<std::int64_t>(now - written))});
  }
  return sizes;
}

// The merges to do now while spans arrive: those of blocks smaller than a cut, unless more than
// max_deferred_blocks blocks are due for the others (the debt's bound), then all.
std::vector<std::vector<std::size_t>> WithinDeferral(std::vector<std::vector<std::size_t>> merges,
                                                     const std::vector<engine::BlockSize>& sizes,
                                                     const engine::CompactionPolicy& policy,
                                                     std::size_t max_deferred_blocks) {
  const std::size_t cut_tier = engine::TierOf(policy.cut_spans, policy);
  const auto deferrable = [&](const std::vector<std::size_t>& group) {
    return engine::TierOf(sizes[group.front()].spans, policy) >= cut_tier;
  };
  std::size_t waiting = 0;
  for (const std::vector<std::size_t>& group : merges) {
    if (deferrable(group)) waiting += group.size();
  }
  if (waiting > max_deferred_blocks) return merges;
  std::erase_if(merges, deferrable);
  return merges;
}

}  // namespace

// Size-tiered (engine/compaction_policy.h), round after round until nothing is due. Deferring, the
// merges of cut-sized and bigger blocks wait while spans keep arriving, within a bound on the blocks
// waiting: on a single busy core they cost the ingest ≈ 0.5 µs per span, and an idle moment pays them.
// Raw (freshly cut) blocks that no merge takes are rewritten compressed alone, once no merge is due
// and either spans stopped arriving and the head is empty (no cut can bring them partners) or they
// have waited head_max_age (at most as long again as a span waits in the head).
Status EmbeddedStore::Impl::Compact(bool defer_while_ingesting) {
  if (!options_.compaction) return Status::Ok();
  std::lock_guard compaction_lock(compaction_mutex_);
  const std::uint64_t spans_written = metrics_.spans_written.value();
  const bool ingesting = spans_written != spans_written_at_compaction_;
  spans_written_at_compaction_ = spans_written;
  for (;;) {
    std::vector<engine::BlockPtr> blocks = blocks_.Snapshot();
    std::sort(blocks.begin(), blocks.end(), [](const engine::BlockPtr& a, const engine::BlockPtr& b) {
      return a->meta().min_start_unix_nano < b->meta().min_start_unix_nano;
    });
    // Compaction writing raw itself would rewrite raw blocks alone forever.
    const bool compresses = options_.compaction_zstd_level != block::kStoredRaw;
    const std::vector<engine::BlockSize> sizes = SizesOf(blocks, Now(), compresses);
    const engine::CompactionPolicy policy = CompactionPolicyOf(options_);
    const bool deferring = defer_while_ingesting && ingesting;
    // Deferring, a lone raw block waits while the head still holds spans: their cut may bring it partners.
    const bool no_partners_coming = !deferring && (!defer_while_ingesting || head_.stats().live_spans == 0);
    std::vector<std::vector<std::size_t>> merges = engine::PlanMerges(sizes, policy);
    const std::vector<std::size_t> rewrites =
        engine::PlanRewrites(sizes, merges, no_partners_coming, options_.head_max_age);
    if (deferring) merges = WithinDeferral(std::move(merges), sizes, policy, options_.compaction_max_deferred_blocks);
    // Lone rewrites once no merge is due: the same swap as a merge, of one block.
    if (merges.empty()) {
      for (const std::size_t index : rewrites) merges.push_back({index});
    }
    if (merges.empty()) break;
    for (const std::vector<std::size_t>& group : merges) {
      std::vector<engine::BlockPtr> inputs;
      // Moved out of the snapshot: a merged block's reader (and what it has decoded) is freed once
      // its merge is done, not when the whole round is.
      for (const std::size_t index : group) inputs.push_back(std::move(blocks[index]));
      if (const Status status = MergeGroup(inputs); !status.ok()) {
        UpdateGauges();
        return status;  // the next compaction tries again
      }
    }
  }
  UpdateGauges();
  return Status::Ok();
}

Status EmbeddedStore::Impl::MergeGroup(const std::vector<engine::BlockPtr>& group) {
  const ThreadCpuTally tally(metrics_.compaction_seconds);
  std::vector<block::BlockReader*> inputs;
  for (const engine::BlockPtr& input : group) inputs.push_back(&input->reader());
  engine::BlockPtr merged;
  const Status status = WriteBlock(
      [&](const std::filesystem::path& path, block::BlockMeta* meta) {
        return block::MergeBlocks(inputs, path, meta, options_.compaction_zstd_level);
      },
      &merged);
  if (!status.ok()) return status;
  blocks_.Update({merged}, group);
  metrics_.blocks_compacted.Increment(group.size());
  metrics_.compaction_spans.Increment(merged->meta().span_count);
  metrics_.compaction_bytes.Increment(merged->meta().file_bytes);
  return Status::Ok();
}

Status EmbeddedStore::Impl::ApplyRetention() {
  std::lock_guard compaction_lock(compaction_mutex_);
  std::vector<engine::BlockPtr> blocks = blocks_.Snapshot();
  std::sort(blocks.begin(), blocks.end(), [](const engine::BlockPtr& a, const engine::BlockPtr& b) {
    return a->meta().max_end_unix_nano < b->meta().max_end_unix_nano;
  });
  const std::uint64_t now = Now();
  const std::uint64_t max_age = Nanos(options_.retention_age);
  const std::uint64_t cutoff = max_age > 0 && now > max_age ? now - max_age : 0;
  std::uint64_t total = 0;
  for (const engine::BlockPtr& block : blocks) total += block->meta().file_bytes;
  std::vector<engine::BlockPtr> expired;
  for (const engine::BlockPtr& block : blocks) {
    const bool too_old = block->meta().max_end_unix_nano < cutoff;
    const bool over_bytes = options_.retention_max_bytes > 0 && total > options_.retention_max_bytes;
    if (!too_old && !over_bytes) break;  // oldest first: the rest are newer
    expired.push_back(block);
    total -= block->meta().file_bytes;
  }
  if (expired.empty()) return Status::Ok();
  blocks_.Update({}, expired);
  metrics_.blocks_deleted.Increment(expired.size());
  Log("retention deleted " + std::to_string(expired.size()) + " blocks");
  UpdateGauges();
  return Status::Ok();
}

void EmbeddedStore::Impl::BackgroundLoop() {
  auto period = options_.maintenance_interval;
  if (options_.fsync == FsyncPolicy::kInterval) period = std::min(period, options_.fsync_interval);
  for (;;) {
    {
      std::unique_lock lock(background_mutex_);
      background_wake_.wait_for(lock, period, [&] { return stopping_ || cut_requested_; });
      if (stopping_) return;
      cut_requested_ = false;
    }
    {
      std::lock_guard wal_lock(wal_mutex_);
      if (const Status status = SyncWalLocked(false); !status.ok()) Log("interval fsync failed: " + status.message());
    }
    CutHead(false);
  }
}

void EmbeddedStore::Impl::CompactionLoop() {
  for (;;) {
    {
      std::unique_lock lock(background_mutex_);
      compaction_wake_.wait_for(lock, options_.maintenance_interval, [&] { return stopping_; });
      if (stopping_) return;
    }
    Compact(/*defer_while_ingesting=*/true);
    ApplyRetention();
  }
}

}  // namespace hoptrace::store
