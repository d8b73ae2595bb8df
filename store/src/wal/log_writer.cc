#include "wal/log_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace hoptrace::store::wal {
namespace {

Status IoError(const std::string& what, const std::string& path, int error) {
  return Status::Error(Status::Code::kIoError, what + " " + path + ": " + std::strerror(error));
}

void PutFixed32(std::string& out, std::uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<char>((value >> shift) & 0xff));
}

}  // namespace

Status LogWriter::Open(const std::string& path, LogWriter* out) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return IoError("cannot open", path, errno);
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    const int error = errno;
    ::close(fd);
    return IoError("cannot stat", path, error);
  }
  LogWriter writer;
  writer.fd_ = fd;
  writer.size_ = static_cast<std::uint64_t>(info.st_size);
  writer.path_ = path;
  *out = std::move(writer);
  return Status::Ok();
}

LogWriter::LogWriter(LogWriter&& other) noexcept { *this = std::move(other); }

LogWriter& LogWriter::operator=(LogWriter&& other) noexcept {
  if (this != &other) {
    Close();
    fd_ = std::exchange(other.fd_, -1);
    size_ = std::exchange(other.size_, 0);
    broken_ = std::exchange(other.broken_, false);
    path_ = std::move(other.path_);
    buffer_ = std::move(other.buffer_);
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
  buffer_.clear();
  for (std::string_view payload : payloads) {
    if (payload.size() > kMaxRecordSize) {
      return Status::Error(Status::Code::kInvalidArgument,
                           "WAL record of " + std::to_string(payload.size()) + " bytes exceeds the limit");
    }
    PutFixed32(buffer_, RecordChecksum(type, payload));
    PutFixed32(buffer_, static_cast<std::uint32_t>(payload.size()));
    buffer_.push_back(static_cast<char>(type));
    buffer_.append(payload);
  }
  std::size_t written = 0;
  while (written < buffer_.size()) {
    const ssize_t n = ::write(fd_, buffer_.data() + written, buffer_.size() - written);
    if (n > 0) {
      written += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    const int error = n < 0 ? errno : ENOSPC;  // a zero-byte write means no space
    if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0) broken_ = true;
    return IoError("cannot append to", path_, error);
  }
  size_ += buffer_.size();
  return Status::Ok();
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
