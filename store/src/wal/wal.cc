#include "wal/wal.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace hoptrace::store::wal {
namespace fs = std::filesystem;

Status SyncDirectory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::Error(Status::Code::kIoError, "cannot open directory " + dir + ": " + std::strerror(errno));
  const int result = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (result != 0) return Status::Error(Status::Code::kIoError, "cannot fsync directory " + dir + ": " + std::strerror(error));
  return Status::Ok();
}

Status Wal::Open(const std::string& dir, Options options, Wal* out) {
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) return Status::Error(Status::Code::kIoError, "cannot create WAL directory " + dir + ": " + error.message());
  Wal wal;
  wal.dir_ = dir;
  wal.options_ = options;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, error)) {
    if (const std::uint64_t number = ParseSegmentFileName(entry.path().filename().string())) {
      wal.segments_.push_back(number);
    }
  }
  if (error) return Status::Error(Status::Code::kIoError, "cannot list WAL directory " + dir + ": " + error.message());
  std::sort(wal.segments_.begin(), wal.segments_.end());
  wal.current_number_ = wal.segments_.empty() ? 1 : wal.segments_.back() + 1;
  // Only files this Wal started are reused: their earlier records all carry lower segment numbers
  // than the ones it starts next (a spare from an earlier run might not).
  wal.first_own_segment_ = wal.current_number_;
  std::error_code ignored;  // a spare that stays is never reused: the next retired segment replaces it
  fs::remove(wal.SparePath(), ignored);
  *out = std::move(wal);
  return Status::Ok();
}

ReplayReport Wal::Replay(
    const std::function<void(std::uint64_t segment, RecordType type, std::string_view payload)>& apply) {
  ReplayReport report;
  for (const std::uint64_t number : segments_) {
    if (number >= current_number_) break;
    LogReader reader;
    const Status opened = LogReader::Open(dir_ + "/" + SegmentFileName(number), &reader);
    ++report.segments;
    if (!opened.ok()) {
      ++report.damage.corrupt_regions;
      report.damage.problems.push_back(opened.message());
      continue;
    }
    RecordType type;
    std::string_view payload;
    while (reader.ReadRecord(&type, &payload)) apply(number, type, payload);
    const ReadReport& damage = reader.report();
    report.records += damage.records;
    report.damage.records += damage.records;
    report.damage.corrupt_regions += damage.corrupt_regions;
    report.damage.torn_tail_records += damage.torn_tail_records;
    report.damage.skipped_bytes += damage.skipped_bytes;
    report.damage.problems.insert(report.damage.problems.end(), damage.problems.begin(), damage.problems.end());
  }
  return report;
}

Status Wal::StartSegment() {
  if (writer_.is_open() && !writer_.broken() && unsynced_bytes_ > 0) {
    // Under an interval or no-sync policy the old segment may hold acknowledged, unsynced records:
    // once we move on, nobody would sync them.
    Status status = writer_.Sync();
    if (!status.ok()) return status;
  }
  // The old segment stays for replay until deleted.
  const std::uint64_t number = writer_.is_open() ? current_number_ + 1 : current_number_;
  LogWriter writer;
  Status status =
      LogWriter::Create(dir_ + "/" + SegmentFileName(number), number, &writer, spare_ ? SparePath() : "",
                        options_.write_mode, &writer_);
  spare_ = false;  // reused, or (the rename failed) not usable
  if (!status.ok()) return status;
  if (segments_.empty() || segments_.back() != number) segments_.push_back(number);
  // The new file's directory entry must be durable before anything in it is acknowledged.
  status = SyncDirectory(dir_);
  if (!status.ok()) return status;
  writer_ = std::move(writer);
  current_number_ = number;
  rotate_requested_ = false;
  unsynced_bytes_ = 0;  // a broken segment's unsynced records were never acknowledged
  ++segments_created_;
  return Status::Ok();
}

Status Wal::Append(RecordType type, std::span<const std::string_view> payloads, std::uint64_t* bytes_written) {
  if (!writer_.is_open() || writer_.broken() || writer_.size() >= options_.segment_bytes || rotate_requested_) {
    // Anything unsynced in a broken segment was never acknowledged, so starting afresh loses nothing.
    Status status = StartSegment();
    if (!status.ok()) return status;
  }
  const std::uint64_t before = writer_.size();
  Status status = writer_.AddRecords(type, payloads);
  if (!status.ok()) return status;
  *bytes_written = writer_.size() - before;
  unsynced_bytes_ += *bytes_written;
  return Status::Ok();
}

Status Wal::Sync() {
  if (unsynced_bytes_ == 0) return Status::Ok();
  Status status = writer_.Sync();
  if (status.ok()) unsynced_bytes_ = 0;
  return status;
}

Status Wal::DeleteSegmentsBefore(std::uint64_t segment) {
  const std::uint64_t limit = std::min(segment, current_number_);
  Status result;
  std::vector<std::uint64_t> kept;
  for (const std::uint64_t number : segments_) {
    if (number >= limit) {
      kept.push_back(number);
      continue;
    }
    const std::string path = dir_ + "/" + SegmentFileName(number);
    if (number >= first_own_segment_ && ::rename(path.c_str(), SparePath().c_str()) == 0) {
      spare_ = true;  // the latest retired file (its pages the likeliest cached), replacing the spare before
      continue;
    }
    if (::unlink(path.c_str()) == 0 || errno == ENOENT) continue;
    if (result.ok()) {
      result = Status::Error(Status::Code::kIoError,
                             "cannot delete WAL segment " + SegmentFileName(number) + ": " + std::strerror(errno));
    }
    kept.push_back(number);
  }
  segments_ = std::move(kept);
  return result;
}

}  // namespace hoptrace::store::wal
