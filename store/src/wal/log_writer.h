#pragma once
// Appends records (log_format.h) to one WAL segment file.

#include <sys/uio.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hoptrace/store/store.h"
#include "wal/log_format.h"

namespace hoptrace::store::wal {

// How a writer puts its records on disk.
enum class WriteMode : std::uint8_t {
  // O_DIRECT where the file system takes it (else kBuffered): each append writes whole blocks from the
  // writer's own buffer, rewriting the file's last partial block, and ends in a padding record
  // (log_format.h). The WAL, written once and read only at recovery, then takes no page cache: no
  // page to allocate (on a VM, often memory the host must fault in again) or to write back at sync.
  kDirect,
  kBuffered,  // through the page cache, the records' bytes as they are
};

class LogWriter {
 public:
  // Starts segment `number` (log_format.h): in a new file at `path` or, when `reuse` names a retired
  // segment's file, in that file renamed to `path` and overwritten from the start (a new file when
  // the rename fails). The caller makes the directory entry durable. A direct writer takes over the
  // buffer of `previous` (the segment before, done with: no more appends), so a rotation does not grow
  // one afresh.
  static Status Create(const std::string& path, std::uint64_t number, LogWriter* out,
                       const std::string& reuse = "", WriteMode mode = WriteMode::kDirect,
                       LogWriter* previous = nullptr);

  LogWriter() = default;
  LogWriter(LogWriter&& other) noexcept;
  LogWriter& operator=(LogWriter&& other) noexcept;
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;
  ~LogWriter();

  // Appends one record per payload with a single write (buffered: a pwritev of the payloads in place,
  // more than IOV_MAX pieces taking several). On any error the file is cut back to the segment's size
  // before the call, so a failed append leaves no partial record behind (when even that fails the
  // writer reports itself broken and the caller starts a new segment).
  Status AddRecords(RecordType type, std::span<const std::string_view> payloads);
  Status AddRecord(RecordType type, std::string_view payload) { return AddRecords(type, {&payload, 1}); }

  // fdatasync. After a failed sync the kernel may have dropped the dirty pages, so the writer is
  // broken from then on: nothing written to it since the last good sync may be trusted.
  Status Sync();

  bool is_open() const { return fd_ >= 0; }
  bool broken() const { return broken_; }
  // The mode in use: kBuffered also when kDirect was asked for and the file system refused it.
  WriteMode mode() const { return mode_; }
  // The segment's bytes, header included, padding not (a reused file is longer: an earlier use's
  // records follow).
  std::uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  struct AlignedFree {
    void operator()(char* block) const;
  };

  void Close();
  // Writes pieces_ after the segment's `size_` bytes; false with the errno on failure.
  bool Write(int* error);
  // Direct: the pieces copied into `staged_` after the last partial block, a padding record to the
  // next block boundary, and the whole written from that block's start.
  bool WriteStaged(int* error);
  bool ReserveStaged(std::size_t bytes, std::size_t kept, int* error);
  // After a good write: size_ grows by `bytes`, and the new last partial block moves to staged_'s start
  // (staged_ holds the file from size_'s block on).
  void Advance(std::uint64_t bytes);
  void PutHeader(char* header, RecordType type, std::string_view payload) const;

  int fd_ = -1;
  WriteMode mode_ = WriteMode::kBuffered;
  std::uint64_t size_ = 0;
  char segment_[4] = {};  // the records' segment field
  bool broken_ = false;
  std::string path_;
  std::string headers_;        // the records' headers; reused across appends
  std::vector<iovec> pieces_;  // header, payload, header, ...; reused across appends
  // Direct mode: the file from the start of size_'s block on, kept between appends (its capacity
  // grows to the largest append's).
  std::unique_ptr<char[], AlignedFree> staged_;
  std::size_t staged_capacity_ = 0;
};

}  // namespace hoptrace::store::wal
