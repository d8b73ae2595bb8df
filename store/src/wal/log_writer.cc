#include "wal/log_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "io/write_fully.h"

namespace hoptrace::store::wal {
namespace {

Status IoError(const std::string& what, const std::string& path, int error) {
  return Status::Error(Status::Code::kIoError, what + " " + path + ": " + std::strerror(error));
}

void PutFixed32(char* out, std::uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8) *out++ = static_cast<char>((value >> shift) & 0xff);
}

std::uint64_t RoundDownToBlock(std::uint64_t bytes) {
  return bytes / kDirectBlockSize * kDirectBlockSize;
}
std::uint64_t RoundUpToBlock(std::uint64_t bytes) {
  return RoundDownToBlock(bytes + kDirectBlockSize - 1);
}

}  // namespace

Status LogWriter::Create(const std::string& path, std::uint64_t number, LogWriter* out,
                         const std::string& reuse, WriteMode mode, LogWriter* previous) {
  const bool reused = !reuse.empty() && ::rename(reuse.c_str(), path.c_str()) == 0;
  // A reused file keeps its length: the header and records overwrite its start.
  const int flags = O_WRONLY | O_CLOEXEC | (reused ? 0 : O_CREAT | O_TRUNC);
  int fd = mode == WriteMode::kDirect ? ::open(path.c_str(), flags | O_DIRECT, 0644) : -1;
  if (fd < 0) {
    if (mode == WriteMode::kDirect && errno != EINVAL) return IoError("cannot open", path, errno);
    mode = WriteMode::kBuffered;  // EINVAL: a file system without direct I/O
    fd = ::open(path.c_str(), flags, 0644);
    if (fd < 0) return IoError("cannot open", path, errno);
  }
  LogWriter writer;
  writer.fd_ = fd;
  writer.mode_ = mode;
  writer.path_ = path;
  PutFixed32(writer.segment_, static_cast<std::uint32_t>(number));
  std::string header = SegmentHeader(number);
  writer.pieces_.push_back({header.data(), header.size()});
  if (int error = 0; !writer.Write(&error)) return IoError("cannot write the header of", path, error);
  writer.Advance(header.size());
  if (mode == WriteMode::kDirect && previous != nullptr && previous->staged_capacity_ > writer.staged_capacity_) {
    std::memcpy(previous->staged_.get(), writer.staged_.get(), header.size());  // the staged header
    writer.staged_ = std::move(previous->staged_);
    writer.staged_capacity_ = std::exchange(previous->staged_capacity_, 0);
  }
  *out = std::move(writer);
  return Status::Ok();
}

LogWriter::LogWriter(LogWriter&& other) noexcept { *this = std::move(other); }

LogWriter& LogWriter::operator=(LogWriter&& other) noexcept {
  if (this != &other) {
    Close();
    fd_ = std::exchange(other.fd_, -1);
    mode_ = other.mode_;
    size_ = std::exchange(other.size_, 0);
    std::memcpy(segment_, other.segment_, sizeof segment_);
    broken_ = std::exchange(other.broken_, false);
    path_ = std::move(other.path_);
    headers_ = std::move(other.headers_);
    pieces_ = std::move(other.pieces_);
    staged_ = std::move(other.staged_);
    staged_capacity_ = std::exchange(other.staged_capacity_, 0);
  }
  return *this;
}

LogWriter::~LogWriter() { Close(); }

void LogWriter::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void LogWriter::AlignedFree::operator()(char* block) const { std::free(block); }

void LogWriter::PutHeader(char* header, RecordType type, std::string_view payload) const {
  PutFixed32(header + 4, static_cast<std::uint32_t>(payload.size()));
  header[8] = static_cast<char>(type);
  std::memcpy(header + 9, segment_, sizeof segment_);
  const std::uint64_t fields_hash = RecordFieldsHash(header + 4);
  PutFixed32(header + 13, static_cast<std::uint32_t>(fields_hash));
  PutFixed32(header, RecordChecksum(fields_hash, payload));
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
    PutHeader(header, type, payload);
    pieces_.push_back({header, kRecordHeaderSize});
    if (!payload.empty()) pieces_.push_back({const_cast<char*>(payload.data()), payload.size()});
    bytes += kRecordHeaderSize + payload.size();
  }
  if (int error = 0; !Write(&error)) {
    if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0) broken_ = true;
    return IoError("cannot append to", path_, error);
  }
  Advance(bytes);
  return Status::Ok();
}

bool LogWriter::Write(int* error) {
  return mode_ == WriteMode::kDirect ? WriteStaged(error) : io::WriteFullyAt(fd_, pieces_, size_, error);
}

bool LogWriter::ReserveStaged(std::size_t bytes, std::size_t kept, int* error) {
  if (bytes <= staged_capacity_) return true;
  const std::size_t capacity = std::max(bytes, 2 * staged_capacity_);
  std::unique_ptr<char[], AlignedFree> grown(
      static_cast<char*>(std::aligned_alloc(kDirectBlockSize, capacity)));
  if (!grown) {
    *error = ENOMEM;
    return false;
  }
  if (kept > 0) std::memcpy(grown.get(), staged_.get(), kept);
  staged_ = std::move(grown);
  staged_capacity_ = capacity;
  return true;
}

bool LogWriter::WriteStaged(int* error) {
  const std::uint64_t block_start = RoundDownToBlock(size_);
  const auto kept = static_cast<std::size_t>(size_ - block_start);  // the last partial block's bytes
  std::size_t end = kept;
  for (const iovec& piece : pieces_) end += piece.iov_len;
  auto padded = static_cast<std::size_t>(RoundUpToBlock(end));
  if (padded != end && padded - end < kRecordHeaderSize) padded += kDirectBlockSize;
  if (!ReserveStaged(padded, kept, error)) return false;
  char* at = staged_.get() + kept;
  for (const iovec& piece : pieces_) {
    std::memcpy(at, piece.iov_base, piece.iov_len);
    at += piece.iov_len;
  }
  if (padded != end) {
    // The padding record: zeros to the block boundary, which the next append overwrites.
    std::memset(at, 0, padded - end);
    PutHeader(at, RecordType::kPadding,
              std::string_view(at + kRecordHeaderSize, padded - end - kRecordHeaderSize));
  }
  iovec whole{staged_.get(), padded};
  return io::WriteFullyAt(fd_, {&whole, 1}, block_start, error);
}

void LogWriter::Advance(std::uint64_t bytes) {
  const std::uint64_t block_start = RoundDownToBlock(size_);
  size_ += bytes;
  if (mode_ != WriteMode::kDirect) return;
  const auto whole_blocks = static_cast<std::size_t>(RoundDownToBlock(size_) - block_start);
  std::memmove(staged_.get(), staged_.get() + whole_blocks,
               static_cast<std::size_t>(size_ - block_start) - whole_blocks);
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
