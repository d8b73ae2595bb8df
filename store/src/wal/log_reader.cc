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

std::uint64_t GetFixed64(const char* bytes) {
  return GetFixed32(bytes) | (std::uint64_t{GetFixed32(bytes + 4)} << 32);
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
  const std::string name = std::filesystem::path(path).filename().string();
  *out = LogReader(std::move(contents), path, ParseSegmentFileName(name));
  return Status::Ok();
}

LogReader::LogReader(std::string contents, std::string name, std::uint64_t segment)
    : contents_(std::move(contents)), name_(std::move(name)) {
  if (contents_.size() < kSegmentHeaderSize || !contents_.starts_with(kSegmentMagic)) return;
  first_format_ = false;
  // A file renamed for reuse whose header was not yet rewritten holds only the earlier use's records.
  segment_ = static_cast<std::uint32_t>(segment != 0 ? segment
                                                     : GetFixed64(contents_.data() + kSegmentMagic.size()));
  header_size_ = kRecordHeaderSize;
  offset_ = kSegmentHeaderSize;
}

LogReader::Verdict LogReader::RecordAt(std::size_t offset, RecordType* type,
                                       std::string_view* payload) const {
  if (contents_.size() - offset < header_size_) return Verdict::kBad;
  const char* header = contents_.data() + offset;
  std::uint64_t fields_hash = 0;
  if (!first_format_) {
    fields_hash = RecordFieldsHash(header + 4);
    if (static_cast<std::uint32_t>(fields_hash) != GetFixed32(header + 13)) return Verdict::kBad;
  }
  const std::uint32_t checksum = GetFixed32(header);
  const std::uint32_t length = GetFixed32(header + 4);
  const auto record_type = static_cast<RecordType>(static_cast<std::uint8_t>(header[8]));
  if (length > kMaxRecordSize || contents_.size() - offset - header_size_ < length) return Verdict::kBad;
  const std::string_view body(header + header_size_, length);
  if (first_format_) {
    if (FirstFormatChecksum(record_type, body) != checksum) return Verdict::kBad;
  } else {
    if (RecordChecksum(fields_hash, body) != checksum) return Verdict::kBad;
    if (GetFixed32(header + 9) != segment_) return Verdict::kStale;
  }
  *type = record_type;
  *payload = body;
  return Verdict::kGood;
}

std::size_t LogReader::Resynchronize(std::size_t offset, Verdict* found) const {
  RecordType type;
  std::string_view payload;
  for (std::size_t candidate = offset + 1; candidate + header_size_ <= contents_.size(); ++candidate) {
    *found = RecordAt(candidate, &type, &payload);
    if (*found != Verdict::kBad) return candidate;
  }
  *found = Verdict::kBad;
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
    Verdict verdict = RecordAt(offset_, type, payload);
    if (verdict == Verdict::kBad) {
      const std::size_t next = Resynchronize(offset_, &verdict);
      if (verdict != Verdict::kStale) {
        const bool at_tail = verdict == Verdict::kBad;
        Skip(offset_, next, at_tail ? "torn or corrupt tail record" : "corrupt record", at_tail);
      }
      offset_ = next;
      continue;
    }
    // The file's earlier use, or where the last direct-I/O write ended (log_format.h).
    if (verdict == Verdict::kStale || *type == RecordType::kPadding) break;
    offset_ += header_size_ + payload->size();
    if (!IsKnownRecordType(*type)) {
      // A verified record of a type this version does not know: written by a newer version.
      Skip(offset_ - header_size_ - payload->size(), offset_, "record of unknown type", false);
      continue;
    }
    ++report_.records;
    return true;
  }
  offset_ = contents_.size();
  return false;
}

}  // namespace hoptrace::store::wal
