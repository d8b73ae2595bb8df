#include "backlog.h"

#include <filesystem>

#include "wal/log_format.h"
#include "wal/log_reader.h"

namespace hoptrace::store::clickhouse {
namespace fs = std::filesystem;

Status Backlog::Open(Options options, Backlog* out) {
  out->options_ = std::move(options);
  Status status = wal::Wal::Open(out->options_.dir, {.segment_bytes = out->options_.segment_bytes}, &out->wal_);
  if (!status.ok()) return status;
  std::error_code error;
  for (const fs::directory_entry& entry : fs::directory_iterator(out->options_.dir, error)) {
    const std::uint64_t number = wal::ParseSegmentFileName(entry.path().filename().string());
    if (number == 0) continue;
    const std::uint64_t size = entry.file_size(error);
    out->segment_bytes_[number] = error ? 0 : size;
    out->total_bytes_ += error ? 0 : size;
  }
  return Status::Ok();
}

struct Backlog::PendingAppend {
  std::string_view request;
  bool done = false;
  Status status;
};

Status Backlog::Append(std::string_view request) {
  std::unique_lock lock(mutex_);
  if (total_bytes_ >= options_.max_bytes) {
    return Status::Error(Status::Code::kUnavailable, "the ClickHouse backlog is full (" +
                                                          std::to_string(total_bytes_) + " bytes): ClickHouse is behind or down");
  }
  PendingAppend me{request};
  queue_.push_back(&me);
  done_.wait(lock, [&] { return me.done || queue_.front() == &me; });
  if (me.done) return me.status;
  // This append leads: it writes everything queued so far, while later ones queue behind it.
  const std::vector<PendingAppend*> group(queue_.begin(), queue_.end());
  lock.unlock();
  std::uint64_t written = 0;
  Status status;
  {
    std::lock_guard wal_lock(wal_mutex_);
    status = WriteGroup(group, &written);
    lock.lock();  // before the WAL lock goes: Seal must not see the segment before its bytes count
  }
  if (status.ok()) {
    segment_bytes_[wal_.current_segment()] += written;
    total_bytes_ += written;
  }
  if (status.ok() && options_.fsync) ++syncs_;
  for (PendingAppend* pending : group) {
    pending->status = status;
    pending->done = true;
    queue_.pop_front();
  }
  done_.notify_all();
  return status;
}

Status Backlog::WriteGroup(const std::vector<PendingAppend*>& group, std::uint64_t* written) {
  std::vector<std::string_view> payloads;
  payloads.reserve(group.size());
  for (const PendingAppend* pending : group) payloads.push_back(pending->request);
  Status status = wal_.Append(wal::RecordType::kOtlpRequest, payloads, written);
  if (status.ok() && options_.fsync) status = wal_.Sync();
  return status;
}

std::vector<std::uint64_t> Backlog::Seal() {
  std::lock_guard wal_lock(wal_mutex_);
  std::lock_guard lock(mutex_);
  wal_.RequestNewSegment();
  std::uint64_t written = 0;
  // An append of nothing starts the requested segment, which seals (and syncs) the one before.
  wal_.Append(wal::RecordType::kOtlpRequest, {}, &written);
  std::vector<std::uint64_t> sealed;
  for (const auto& [number, size] : segment_bytes_) {
    if (number < wal_.current_segment()) sealed.push_back(number);
  }
  return sealed;
}

Status Backlog::Read(std::uint64_t segment, const std::function<void(std::string_view)>& record,
                     std::vector<std::string>* problems) {
  wal::LogReader reader;
  Status status = wal::LogReader::Open(options_.dir + "/" + wal::SegmentFileName(segment), &reader);
  if (!status.ok()) return status;
  wal::RecordType type;
  std::string_view payload;
  while (reader.ReadRecord(&type, &payload)) {
    if (type == wal::RecordType::kOtlpRequest) record(payload);
  }
  problems->insert(problems->end(), reader.report().problems.begin(), reader.report().problems.end());
  return Status::Ok();
}

Status Backlog::Release(std::uint64_t segment) {
  std::lock_guard wal_lock(wal_mutex_);
  std::lock_guard lock(mutex_);
  Status status = wal_.DeleteSegmentsBefore(segment + 1);
  for (auto it = segment_bytes_.begin(); it != segment_bytes_.end() && it->first <= segment;) {
    if (it->first >= wal_.current_segment()) break;
    total_bytes_ -= it->second;
    it = segment_bytes_.erase(it);
  }
  return status;
}

std::uint64_t Backlog::bytes() const {
  std::lock_guard lock(mutex_);
  return total_bytes_;
}

std::uint64_t Backlog::syncs() const {
  std::lock_guard lock(mutex_);
  return syncs_;
}

}  // namespace hoptrace::store::clickhouse
