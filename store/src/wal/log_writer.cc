#include "wal/log_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <utility>

namespace hoptrace::store::wal {
namespace {

Status IoError(const std::string& what, const std::string& path, int error) {
  return Status::Error(Status::Code::kIoError, what + " " + path + ": " + std::strerror(error));
}

void PutFixed32(char* out, std::uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8) *out++ = static_cast<char>((value >> shift) & 0xff);
}

}  // namespace

Status LogWriter::Create(const std::string& path, std::uint64_t number, LogWriter* out,
                         const std::string& reuse) {
  const bool reused = !reuse.empty() && ::rename(reuse.c_str(), path.c_str()) == 0;
  // A reused file keeps its length: the header and records overwrite its start.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | (reused ? 0 : O_CREAT | O_TRUNC), 0644);
  if (fd < 0) return IoError("cannot open", path, errno);
  LogWriter writer;
  writer.fd_ = fd;
  writer.path_ = path;
  PutFixed32(writer.segment_, static_cast<std::uint32_t>(number));
  const std::string header = SegmentHeader(number);
  if (const ssize_t n = ::pwrite(fd, header.data(), header.size(), 0);
      n != static_cast<ssize_t>(header.size())) {
    return IoError("cannot write the header of", path, n < 0 ? errno : ENOSPC);
  }
  writer.size_ = header.size();
  *out = std::move(writer);
  return Status::Ok();
}

LogWriter::LogWriter(LogWriter&& other) noexcept { *this = std::move(other); }

LogWriter& LogWriter::operator=(LogWriter&& other) noexcept {
  if (this != &other) {
    Close();
    fd_ = std::exchange(other.fd_, -1);
    size_ = std::exchange(other.size_, 0);
    std::memcpy(segment_, other.segment_, sizeof segment_);
    broken_ = std::exchange(other.broken_, false);
    path_ = std::move(other.path_);
    headers_ = std::move(other.headers_);
    pieces_ = std::move(other.pieces_);
  }
  return *this;
}

LogWriter::~LogWriter() { Close(); }

void LogWriter::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Status LogWriter::AddRecords(RecordType type, std::span<const std::string_view> payloads) {
  if (fd_ < 0 || broken_) return Status::Error(Status::Code::kIoError, "WAL segment " + path_ + " is not writable");
  headers_.resize(payloads.size() * kRecordHeaderSize);  // sized first: the pieces point into it
  pieces_.clear();
  std::uint64_t bytes = 0;
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    const std::string_view payload = payloads[i];
    if (payload.size() > kMaxRecordSize) {
      return Status::Error(Status::Code::kInvalidArgument,
                           "WAL record of " + std::to_string(payload.size()) + " bytes exceeds the limit");
    }
    char* header = headers_.data() + i * kRecordHeaderSize;
    PutFixed32(header + 4, static_cast<std::uint32_t>(payload.size()));
    header[8] = static_cast<char>(type);
    std::memcpy(header + 9, segment_, sizeof segment_);
    const std::uint64_t fields_hash = RecordFieldsHash(header + 4);
    PutFixed32(header + 13, static_cast<std::uint32_t>(fields_hash));
    PutFixed32(header, RecordChecksum(fields_hash, payload));
    pieces_.push_back({header, kRecordHeaderSize});
    if (!payload.empty()) pieces_.push_back({const_cast<char*>(payload.data()), payload.size()});
    bytes += kRecordHeaderSize + payload.size();
  }
  if (int error = 0; !WriteAll(&error)) {
    if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0) broken_ = true;
    return IoError("cannot append to", path_, error);
  }
  size_ += bytes;
  return Status::Ok();
}

bool LogWriter::WriteAll(int* error) {
  std::size_t first = 0;
  auto offset = static_cast<off_t>(size_);
  while (first < pieces_.size()) {
    const int count = static_cast<int>(std::min<std::size_t>(pieces_.size() - first, IOV_MAX));
    const ssize_t n = ::pwritev(fd_, &pieces_[first], count, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error = n < 0 ? errno : ENOSPC;  // a zero-byte write means no space
      return false;
    }
    offset += n;
    auto left = static_cast<std::size_t>(n);
    while (first < pieces_.size() && left >= pieces_[first].iov_len) left -= pieces_[first++].iov_len;
    if (left > 0) {
      pieces_[first].iov_base = static_cast<char*>(pieces_[first].iov_base) + left;
      pieces_[first].iov_len -= left;
    }
  }
  return true;
}

Status LogWriter::Sync() {
  if (fd_ < 0 || broken_) return Status::Error(Status::Code::kIoError, "WAL segment " + path_ + " is not writable");
  if (::fdatasync(fd_) != 0) {
    broken_ = true;
    return IoError("cannot fdatasync", path_, errno);
  }
  return Status::Ok();
}

}  // namespace hoptrace::store::wal
