#pragma once
// EmbeddedStore's internals, split by concern: write_path.cc (group commit), recovery.cc (open),
// queries.cc, maintenance.cc (cut, compaction, retention, background thread).

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "engine/block_set.h"
#include "engine/cut_record.h"
#include "engine/head.h"
#include "engine/store_metrics.h"
#include "hoptrace/metrics/registry.h"
#include "hoptrace/store/embedded_store.h"
#include "wal/wal.h"

namespace hoptrace::store {

class EmbeddedStore::Impl {
 public:
  explicit Impl(EmbeddedStoreOptions options);
  ~Impl();

  Status Open();  // recovery.cc
  void StartBackground();

  // write_path.cc
  Status Write(const model::TraceBatch& batch);
  Status WriteOtlp(const OtlpSpans& spans);

  // queries.cc
  std::optional<model::TraceBatch> GetTrace(const model::TraceId& trace_id, const TimeRange& range);
  std::vector<TraceSummary> Search(const SearchRequest& request);
  std::vector<std::string> Services(const TimeRange& range);
  std::vector<Operation> Operations(std::string_view service, const TimeRange& range);
  std::vector<DependencyLink> Dependencies(const TimeRange& range);
  Status ForEachTrace(const TraceScan& scan, const TraceVisitor& visit);  // trace_scan.cc

  // maintenance.cc
  Status CutHead(bool everything);
  Status Compact(bool defer_while_ingesting);
  Status ApplyRetention();

  EmbeddedStoreStats stats() const;
  const RecoveryReport& recovery() const { return recovery_; }
  metrics::Registry& registry() { return *registry_; }

 private:
  // A Write waiting in the group-commit queue.
  struct Writer {
    const otlp::wire::ScannedRequest* scan = nullptr;  // the spans for the head
    std::string_view payload;                          // the WAL record: the request, or `rebuilt`
    std::string rebuilt;
    Status status;
    bool done = false;
    std::condition_variable ready;
  };

  std::uint64_t Now() const;
  void Log(std::string_view line) const;
  bool HeadOverLimits(std::size_t factor) const;
  // False when the head stays over its backpressure limit (after waiting up to head_full_wait for a cut).
  bool WaitForHeadRoom();
  void RequestCutLocked();  // under background_mutex_
  void UpdateGauges();

  // queries.cc
  static void SortMostRecentFirst(std::vector<TraceSummary>& summaries, std::size_t limit);
  void CompleteSummary(TraceSummary& summary, const std::vector<engine::BlockPtr>& blocks);

  // trace_scan.cc
  bool StoredElsewhere(const model::TraceId& trace_id, const engine::BlockHandle& scanned,
                       const std::vector<engine::BlockPtr>& blocks);

  // write_path.cc
  Status CommitGroup(const std::vector<Writer*>& group);
  Status SyncWalLocked(bool force);

  // recovery.cc
  Status LockDataDir();
  void ReplayWal();
  // A replayed cut record, repeated on the head; `cuts` holds the frozen, not yet finished ones.
  void ReplayCut(std::string_view payload,
                 std::unordered_map<std::uint64_t, std::shared_ptr<const engine::FrozenTraces>>& cuts);
  void FindReplayedSpansInBlocks();
  void MarkWalRecordsCuts() const;
  void FindReplayedSpansInBlock(const model::TraceId& trace_id, block::BlockReader& reader);

  // maintenance.cc
  // Freezes one slice of the head (at most cut_max_spans) and writes it as a block. Sets `*cut` to
  // whether there was anything to cut.
  Status CutSlice(bool everything, bool* cut);
  void DeleteCoveredSegments();
  Status AppendCutRecordLocked(const engine::CutRecord& record);  // holding wal_mutex_
  Status WriteBlock(const std::function<Status(const std::filesystem::path&, block::BlockMeta*)>& build,
                    engine::BlockPtr* block);
  // Merges `group` into one block that replaces it (compaction's counters included).
  Status MergeGroup(const std::vector<engine::BlockPtr>& group);
  void BackgroundLoop();   // cut checks and interval fsyncs
  void CompactionLoop();   // compaction and retention

  const EmbeddedStoreOptions options_;
  std::unique_ptr<metrics::Registry> own_registry_;
  metrics::Registry* registry_;
  engine::StoreMetrics metrics_;
  RecoveryReport recovery_;
  int lock_fd_ = -1;

  // Group commit: writers queue up; the front one leads a group.
  std::mutex queue_mutex_;
  std::deque<Writer*> writers_;

  // Held by the group leader across WAL append, sync and head insertion, and by segment deletion,
  // so no segment is deleted while spans written to it are on their way into the head.
  mutable std::mutex wal_mutex_;
  wal::Wal wal_;
  std::uint64_t last_sync_nanos_ = 0;
  std::uint64_t next_cut_ = 1;  // the number of the next cut record (past every replayed one)

  engine::Head head_;
  engine::BlockSet blocks_;

  std::mutex cut_mutex_;         // one cut at a time
  block::BlockBuilder cut_builder_;  // under cut_mutex_: keeps its buffers cut after cut; level set per cut
  std::atomic<std::size_t> cut_buffer_bytes_{0};  // cut_builder_'s kept buffers, read without cut_mutex_
  // Spans that the replay of a WAL from before cut records gave back to the head although a block
  // holds them (recovery.cc): the next cut of their trace leaves them out. Under cut_mutex_.
  std::unordered_map<model::TraceId, std::unordered_set<model::SpanId, model::IdHash>, model::IdHash>
      replayed_in_blocks_;
  std::mutex compaction_mutex_;  // compaction and retention, one at a time
  std::uint64_t spans_written_at_compaction_ = 0;  // under compaction_mutex_

  std::mutex background_mutex_;
  std::condition_variable background_wake_;  // the cut thread: stopping, or a write found the head full
  std::condition_variable head_room_;        // writers waiting for a cut to make room in the head
  // The compaction thread's own: it would otherwise wake for every such write just to sleep again.
  std::condition_variable compaction_wake_;
  bool stopping_ = false;
  bool cut_requested_ = false;
  std::thread cut_thread_;
  std::thread compaction_thread_;
};

}  // namespace hoptrace::store
