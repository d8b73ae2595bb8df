#pragma once
// Reads the records of one WAL segment (log_format.h), skipping and reporting damage instead of
// failing: a torn last record (crash mid-append) and corrupt records (bit rot, a zeroed page) are
// stepped over and every record that still verifies is returned. In a reused file, the first record
// of its earlier use ends the segment (a torn record just before it is not told apart from that end:
// neither was acknowledged), and so does a padding record (direct I/O's last write ended there).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hoptrace/store/store.h"
#include "wal/log_format.h"

namespace hoptrace::store::wal {

// What a reader skipped, in words and numbers, for the recovery log line and counters.
struct ReadReport {
  std::uint64_t records = 0;           // records returned
  std::uint64_t corrupt_regions = 0;   // stretches that failed verification before a good record
  std::uint64_t torn_tail_records = 0; // 1 when the segment ends in an incomplete or bad record
  std::uint64_t skipped_bytes = 0;
  std::vector<std::string> problems;   // one line per skipped stretch: offset, size and reason

  bool clean() const { return corrupt_regions == 0 && torn_tail_records == 0; }
};

class LogReader {
 public:
  // Reads the whole segment into memory (segments are bounded by the WAL's rotation size); its
  // number is the file name's.
  static Status Open(const std::string& path, LogReader* out);
  // Reads records from bytes already in memory (tests, and Open). `segment` is the segment's number:
  // records of another are an earlier use's (0: the one in the segment header).
  explicit LogReader(std::string contents, std::string name = "segment", std::uint64_t segment = 0);
  LogReader() = default;

  // The next good record; false at the end. `payload` stays valid as long as the reader.
  bool ReadRecord(RecordType* type, std::string_view* payload);

  const ReadReport& report() const { return report_; }

 private:
  enum class Verdict : std::uint8_t {
    kGood,   // a whole record of this segment
    kStale,  // a whole record of the file's earlier use: the end of this segment's records
    kBad,    // torn or corrupt
  };
  // What starts at `offset`; fills type/payload for a good record.
  Verdict RecordAt(std::size_t offset, RecordType* type, std::string_view* payload) const;
  // The first offset after `offset` where a whole record (good or stale) starts, and which it is;
  // the end of the contents (kBad) when there is none.
  std::size_t Resynchronize(std::size_t offset, Verdict* found) const;
  void Skip(std::size_t from, std::size_t to, std::string_view reason, bool at_tail);

  std::string contents_;
  std::string name_;
  bool first_format_ = true;   // no segment header (log_format.h)
  std::uint32_t segment_ = 0;  // the low 32 bits of the segment's number
  std::size_t header_size_ = kFirstFormatRecordHeaderSize;
  std::size_t offset_ = 0;
  ReadReport report_;
};

}  // namespace hoptrace::store::wal
