#pragma once
// Appends records (log_format.h) to one WAL segment file.

#include <sys/uio.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hoptrace/store/store.h"
#include "wal/log_format.h"

namespace hoptrace::store::wal {

class LogWriter {
 public:
  // Starts segment `number` (log_format.h): in a new file at `path` or, when `reuse` names a retired
  // segment's file, in that file renamed to `path` and overwritten from the start (a new file when
  // the rename fails). The caller makes the directory entry durable.
  static Status Create(const std::string& path, std::uint64_t number, LogWriter* out,
                       const std::string& reuse = "");

  LogWriter() = default;
  LogWriter(LogWriter&& other) noexcept;
  LogWriter& operator=(LogWriter&& other) noexcept;
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;
  ~LogWriter();

  // Appends one record per payload with a single pwritev (the payloads are not copied; more than
  // IOV_MAX pieces take several). On any error the file is cut back to the segment's size before the
  // call, so a failed append leaves no partial record behind (when even that fails the writer
  // reports itself broken and the caller starts a new segment).
  Status AddRecords(RecordType type, std::span<const std::string_view> payloads);
  Status AddRecord(RecordType type, std::string_view payload) { return AddRecords(type, {&payload, 1}); }

  // fdatasync. After a failed sync the kernel may have dropped the dirty pages, so the writer is
  // broken from then on: nothing written to it since the last good sync may be trusted.
  Status Sync();

  bool is_open() const { return fd_ >= 0; }
  bool broken() const { return broken_; }
  // The segment's bytes, header included (a reused file is longer: an earlier use's records follow).
  std::uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  void Close();
  // Writes every piece, resuming after short writes; false with the errno on failure.
  bool WriteAll(int* error);

  int fd_ = -1;
  std::uint64_t size_ = 0;
  char segment_[4] = {};  // the records' segment field
  bool broken_ = false;
  std::string path_;
  std::string headers_;        // the records' headers; reused across appends
  std::vector<iovec> pieces_;  // header, payload, header, ...; reused across appends
};

}  // namespace hoptrace::store::wal
