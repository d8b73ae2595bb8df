#pragma once
// The write-ahead log: a directory of segment files (log_format.h). The engine appends one record
// per write (an OTLP request, RecordType::kOtlpRequest), syncs per its fsync policy, and deletes the oldest segments once every span in them is in
// a durable block. Not thread-safe: the engine's group-commit leader serializes every call.

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hoptrace/store/store.h"
#include "wal/log_reader.h"
#include "wal/log_writer.h"

namespace hoptrace::store::wal {

struct ReplayReport {
  std::uint64_t segments = 0;
  std::uint64_t records = 0;
  ReadReport damage;                      // summed over segments: corrupt regions, torn tails, bytes
};

class Wal {
 public:
  struct Options {
    std::uint64_t segment_bytes = 64ull << 20;  // a new segment starts once the current one is this big
    WriteMode write_mode = WriteMode::kDirect;
  };

  // Opens (creating) `dir`. Existing segments are kept for Replay; appends always go to a new
  // segment, never after a possibly torn tail. A spare file an earlier run left is removed.
  static Status Open(const std::string& dir, Options options, Wal* out);

  // Calls `apply` with every verified record of every existing segment, oldest first, and the
  // number of the segment it came from. Damage is skipped and reported, never fatal.
  ReplayReport Replay(
      const std::function<void(std::uint64_t segment, RecordType type, std::string_view payload)>& apply);

  // Appends one record of `type` per payload to the current segment (starting a new one when it is full or
  // broken). `bytes_written` is the file growth on success.
  Status Append(RecordType type, std::span<const std::string_view> payloads, std::uint64_t* bytes_written);
  Status Sync();
  // The next append starts a new segment (when the current one holds anything), so that the current
  // one can be deleted once its spans are in blocks.
  void RequestNewSegment() { rotate_requested_ = writer_.is_open() && writer_.size() > kSegmentHeaderSize; }

  // Deletes every segment numbered below `segment` (never the current one). The latest file this Wal
  // started among them is kept as the spare the next segment reuses (log_format.h).
  Status DeleteSegmentsBefore(std::uint64_t segment);

  // The segment the next append goes to.
  std::uint64_t current_segment() const { return current_number_; }
  std::size_t segment_count() const { return segments_.size(); }
  std::uint64_t segment_files_created() const { return segments_created_; }
  std::uint64_t unsynced_bytes() const { return unsynced_bytes_; }
  // Whether the current segment is written with direct I/O (Options::write_mode, where the file system takes it).
  bool writes_direct() const { return writer_.mode() == WriteMode::kDirect; }

 private:
  Status StartSegment();
  std::string SparePath() const { return dir_ + "/" + std::string(kSpareFileName); }

  std::string dir_;
  Options options_;
  std::vector<std::uint64_t> segments_;  // every segment on disk, ascending
  std::uint64_t current_number_ = 0;
  LogWriter writer_;
  std::uint64_t segments_created_ = 0;
  std::uint64_t unsynced_bytes_ = 0;
  bool rotate_requested_ = false;
  std::uint64_t first_own_segment_ = 1;
  bool spare_ = false;  // SparePath() holds a retired segment's file
};

// fsyncs a directory so that file creations, renames and deletions in it are durable.
Status SyncDirectory(const std::string& dir);

}  // namespace hoptrace::store::wal
