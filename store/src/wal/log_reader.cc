#include "wal/log_reader.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace hoptrace::store::wal {
namespace {

std::uint32_t GetFixed32(const char* bytes) {
  std::uint32_t value = 0;
  for (int i = 3; i >= 0; --i) value = (value << 8) | static_cast<std::uint8_t>(bytes[i]);
  return value;
}

}  // namespace

Status LogReader::Open(const std::string& path, LogReader* out) {
  // Sized and read in one call: recovery reads every segment whole, and copying through a stream
  // iterator cost about 13 instructions a byte.
  std::error_code error;
  const std::uintmax_t size = std::filesystem::file_size(path, error);  // an error for a directory too
  if (error) {
    return Status::Error(Status::Code::kIoError, "cannot size WAL segment " + path + ": " + error.message());
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) return Status::Error(Status::Code::kIoError, "cannot open WAL segment " + path);
  std::string contents(size, '\0');
  if (!file.read(contents.data(), static_cast<std::streamsize>(size))) {
    return Status::Error(Status::Code::kIoError, "cannot read WAL segment " + path);
  }
  *out = LogReader(std::move(contents), path);
  return Status::Ok();
}

bool LogReader::RecordAt(std::size_t offset, RecordType* type, std::string_view* payload) const {
  if (contents_.size() - offset < kHeaderSize) return false;
  const char* header = contents_.data() + offset;
  const std::uint32_t checksum = GetFixed32(header);
  const std::uint32_t length = GetFixed32(header + 4);
  const auto record_type = static_cast<RecordType>(static_cast<std::uint8_t>(header[8]));
  if (length > kMaxRecordSize || contents_.size() - offset - kHeaderSize < length) return false;
  const std::string_view body(contents_.data() + offset + kHeaderSize, length);
  if (RecordChecksum(record_type, body) != checksum) return false;
  *type = record_type;
  *payload = body;
  return true;
}

std::size_t LogReader::Resynchronize(std::size_t offset) const {
  RecordType type;
  std::string_view payload;
  for (std::size_t candidate = offset + 1; candidate + kHeaderSize <= contents_.size(); ++candidate) {
    if (RecordAt(candidate, &type, &payload)) return candidate;
  }
  return contents_.size();
}

void LogReader::Skip(std::size_t from, std::size_t to, std::string_view reason, bool at_tail) {
  const std::size_t bytes = to - from;
  report_.skipped_bytes += bytes;
  if (at_tail) {
    ++report_.torn_tail_records;
  } else {
    ++report_.corrupt_regions;
  }
  std::ostringstream line;
  line << name_ << ": skipped " << bytes << " bytes at offset " << from << " (" << reason << ")";
  report_.problems.push_back(line.str());
}

bool LogReader::ReadRecord(RecordType* type, std::string_view* payload) {
  while (offset_ < contents_.size()) {
    if (!RecordAt(offset_, type, payload)) {
      const std::size_t next = Resynchronize(offset_);
      const bool at_tail = next == contents_.size();
      Skip(offset_, next, at_tail ? "torn or corrupt tail record" : "corrupt record", at_tail);
      offset_ = next;
      continue;
    }
    offset_ += kHeaderSize + payload->size();
    if (!IsKnownRecordType(*type)) {
      // A verified record of a type this version does not know: written by a newer version.
      Skip(offset_ - kHeaderSize - payload->size(), offset_, "record of unknown type", false);
      continue;
    }
    ++report_.records;
    return true;
  }
  return false;
}

}  // namespace hoptrace::store::wal
