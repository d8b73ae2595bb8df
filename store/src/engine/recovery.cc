// Opening the store: lock the directory, open the blocks (quarantining bad ones), replay the WAL
// into the head (skipping and reporting damage) and repeat the cuts its cut records describe, so
// replayed spans that a block already holds are dropped without a lookup (engine/cut_record.h).

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "engine/embedded_store_impl.h"
#include "hoptrace/otlp/wire.h"

namespace hoptrace::store {
namespace fs = std::filesystem;
namespace {

// In a data directory whose WAL records its cuts (kCut records): written on the first open by a
// version that writes them. A directory without it may hold a WAL from before them.
constexpr const char* kCutRecordsMarker = "WAL_RECORDS_CUTS";

}  // namespace

Status EmbeddedStore::Impl::Open() {
  const fs::path root = options_.data_dir;
  std::error_code error;
  for (const char* sub : {"blocks", "wal"}) {
    fs::create_directories(root / sub, error);
    if (error) return Status::Error(Status::Code::kIoError, "cannot create " + (root / sub).string() + ": " + error.message());
  }
  Status status = LockDataDir();
  if (!status.ok()) return status;

  blocks_.Load(root / "blocks", root / "quarantine", [&](const std::string& file, const std::string& reason) {
    ++recovery_.blocks_quarantined;
    metrics_.blocks_quarantined.Increment();
    Log("block " + file + " failed to open and was moved to quarantine/: " + reason);
  });
  recovery_.blocks = blocks_.count();

  const wal::Wal::Options wal_options{
      .segment_bytes = options_.wal_segment_bytes,
      .write_mode = options_.wal_direct_io ? wal::WriteMode::kDirect : wal::WriteMode::kBuffered};
  status = wal::Wal::Open((root / "wal").string(), wal_options, &wal_);
  if (!status.ok()) return status;
  ReplayWal();
  FindReplayedSpansInBlocks();
  recovery_.spans_replayed = head_.stats().live_spans;
  UpdateGauges();
  Log("opened " + options_.data_dir + ": " + std::to_string(recovery_.blocks) + " blocks (" +
      std::to_string(recovery_.blocks_quarantined) + " quarantined), " + std::to_string(recovery_.spans_replayed) +
      " spans replayed from " + std::to_string(recovery_.wal_records) + " WAL records in " +
      std::to_string(recovery_.wal_segments) + " segments (" + std::to_string(recovery_.spans_already_in_blocks) +
      " already in blocks), " + std::to_string(recovery_.torn_or_corrupt_records) + " torn or corrupt and " +
      std::to_string(recovery_.undecodable_records) + " undecodable records skipped (" +
      std::to_string(recovery_.skipped_bytes) + " bytes)");
  return Status::Ok();
}

// Two processes appending to one WAL would interleave records: the second one is refused.
Status EmbeddedStore::Impl::LockDataDir() {
  const std::string path = options_.data_dir + "/LOCK";
  lock_fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) return Status::Error(Status::Code::kIoError, "cannot open " + path + ": " + std::strerror(errno));
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    return Status::Error(Status::Code::kUnavailable, options_.data_dir + " is in use by another process");
  }
  return Status::Ok();
}

void EmbeddedStore::Impl::ReplayWal() {
  otlp::wire::ScannedRequest scan;
  otlp::DecodeReport decode_report;
  std::string error;
  std::uint64_t old_encoding = 0;
  const std::uint64_t now = Now();
  std::unordered_map<std::uint64_t, std::shared_ptr<const engine::FrozenTraces>> cuts;
  const wal::ReplayReport report =
      wal_.Replay([&](std::uint64_t segment, wal::RecordType type, std::string_view payload) {
        if (type == wal::RecordType::kModelBatch) {
          ++old_encoding;
          return;
        }
        if (type == wal::RecordType::kCut) {
          ReplayCut(payload, cuts);
          return;
        }
        decode_report = {};
        if (!otlp::wire::Scan(payload, {}, &scan, &decode_report, &error)) {
          ++recovery_.undecodable_records;
          Log("WAL segment " + std::to_string(segment) + ": skipped a record that is not an OTLP request: " + error);
          return;
        }
        head_.Add(scan, segment, now);
      });
  if (old_encoding > 0) {
    recovery_.undecodable_records += old_encoding;
    Log(std::to_string(old_encoding) +
        " WAL records in the first WAL encoding (hoptrace's model batch codec) were not replayed: this version "
        "reads WAL records written as OTLP requests only. To keep those spans, open the directory with the "
        "previous version until its head has been cut into blocks (trace_idle), then upgrade.");
  }
  // Cuts the previous process did not finish: their spans stay in the head, and the WAL says so
  // before anything else is appended, so that a later replay gives them back at the same point.
  for (const auto& [cut, frozen] : cuts) {
    head_.Thaw(frozen.get());
    AppendCutRecordLocked({.event = engine::CutEvent::kAbandoned, .cut = cut});
  }
  for (const std::string& problem : report.damage.problems) Log("WAL " + problem);
  recovery_.wal_segments = report.segments;
  recovery_.wal_records = report.records;
  recovery_.torn_or_corrupt_records = report.damage.corrupt_regions + report.damage.torn_tail_records;
  recovery_.skipped_bytes = report.damage.skipped_bytes;
  metrics_.wal_records_skipped.Increment(recovery_.torn_or_corrupt_records + recovery_.undecodable_records);
  metrics_.wal_bytes_skipped.Increment(recovery_.skipped_bytes);
}

// A WAL from before cut records does not say which of its spans its process had cut into blocks:
// on the first open of such a directory the replayed traces are looked up in the blocks once (bloom
// filter, then the trace) and the spans found are left out of the next cut, instead of landing in a
// second block. Once no such span is left in the head, a marker file says later opens can trust the
// cut records (written then, so that a crash before that cut repeats the lookups).
void EmbeddedStore::Impl::FindReplayedSpansInBlocks() {
  std::error_code error;
  if (fs::exists(fs::path(options_.data_dir) / kCutRecordsMarker, error)) return;
  const std::vector<engine::BlockPtr> blocks = blocks_.Snapshot();
  if (!blocks.empty() && head_.stats().live_spans > 0) {
    SearchRequest every_trace;
    every_trace.limit = SIZE_MAX;
    for (const block::TraceHit& hit : head_.Search(every_trace)) {
      for (const engine::BlockPtr& block : blocks) FindReplayedSpansInBlock(hit.summary.trace_id, block->reader());
    }
    Log("the WAL predates cut records: " + std::to_string(replayed_in_blocks_.size()) +
        " replayed traces have spans in blocks already; the next cut leaves those spans out");
  }
  if (replayed_in_blocks_.empty()) MarkWalRecordsCuts();
}

void EmbeddedStore::Impl::MarkWalRecordsCuts() const {
  std::ofstream(fs::path(options_.data_dir) / kCutRecordsMarker)
      << "This directory's WAL records its cuts (docs/architecture.md, the ingest path).\n";
}

void EmbeddedStore::Impl::FindReplayedSpansInBlock(const model::TraceId& trace_id, block::BlockReader& reader) {
  bool found = false;
  std::optional<model::TraceBatch> stored;
  if (!reader.Contains(trace_id, &found).ok() || !found || !reader.FindTrace(trace_id, &stored).ok() || !stored) return;
  engine::TraceAssembler replayed;
  head_.CollectTrace(trace_id, &replayed);
  for (const model::ResourceSpans& resource_spans : stored->resource_spans) {
    for (const model::ScopeSpans& scope_spans : resource_spans.scope_spans) {
      for (const model::Span& span : scope_spans.spans) {
        if (replayed.Holds(span.span_id) && replayed_in_blocks_[trace_id].insert(span.span_id).second) {
          ++recovery_.spans_already_in_blocks;
        }
      }
    }
  }
}

void EmbeddedStore::Impl::ReplayCut(
    std::string_view payload, std::unordered_map<std::uint64_t, std::shared_ptr<const engine::FrozenTraces>>& cuts) {
  engine::CutRecord record;
  if (!engine::DecodeCutRecord(payload, &record)) {
    ++recovery_.undecodable_records;
    Log("skipped a WAL cut record that does not decode");
    return;
  }
  next_cut_ = std::max(next_cut_, record.cut + 1);
  if (record.event == engine::CutEvent::kFrozen) {
    cuts[record.cut] = head_.FreezeTraces(record.traces);
    return;
  }
  const auto it = cuts.find(record.cut);
  if (it == cuts.end()) return;  // its kFrozen record was in a deleted segment or damaged
  if (record.event == engine::CutEvent::kCommitted) {
    recovery_.spans_already_in_blocks += it->second->span_count;
    head_.DropFrozen(it->second.get());
  } else {
    head_.Thaw(it->second.get());
  }
  cuts.erase(it);
}

}  // namespace hoptrace::store
