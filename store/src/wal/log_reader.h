#pragma once
// Reads the records of one WAL segment (log_format.h), skipping and reporting damage instead of
// failing: a torn last record (crash mid-append) and corrupt records (bit rot, a zeroed page) are
// stepped over and every record that still verifies is returned.

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
  // Reads the whole segment into memory (segments are bounded by the WAL's rotation size).
  static Status Open(const std::string& path, LogReader* out);
  // Reads records from bytes already in memory (tests, and Open).
  explicit LogReader(std::string contents, std::string name = "segment")
      : contents_(std::move(contents)), name_(std::move(name)) {}
  LogReader() = default;

  // The next good record; false at the end. `payload` stays valid as long as the reader.
  bool ReadRecord(RecordType* type, std::string_view* payload);

  const ReadReport& report() const { return report_; }

 private:
  // Whether a whole, verified record starts at `offset`; fills type/payload when it does.
  bool RecordAt(std::size_t offset, RecordType* type, std::string_view* payload) const;
  // The first offset after `offset` where a verified record starts, or the end of the contents.
  std::size_t Resynchronize(std::size_t offset) const;
  void Skip(std::size_t from, std::size_t to, std::string_view reason, bool at_tail);

  std::string contents_;
  std::string name_;
  std::size_t offset_ = 0;
  ReadReport report_;
};

}  // namespace hoptrace::store::wal
