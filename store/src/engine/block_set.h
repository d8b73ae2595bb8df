#pragma once
// The published blocks of the store. Queries take a snapshot (shared pointers), so a block that
// compaction or retention removes stays readable until the last query using it finishes; its file
// is deleted then.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <vector>

#include "block/block.h"

namespace hoptrace::store::engine {

class BlockHandle {
 public:
  // `written_unix_nanos` on the store's clock; 0 for a block found at start (older than this process).
  explicit BlockHandle(std::unique_ptr<block::BlockReader> reader, std::uint64_t written_unix_nanos = 0)
      : reader_(std::move(reader)), written_unix_nanos_(written_unix_nanos) {}
  ~BlockHandle();  // deletes the file when the block was removed from the set
  BlockHandle(const BlockHandle&) = delete;
  BlockHandle& operator=(const BlockHandle&) = delete;

  block::BlockReader& reader() const { return *reader_; }
  const block::BlockMeta& meta() const { return reader_->meta(); }
  bool Overlaps(const TimeRange& range) const {
    return meta().span_count > 0 && range.Overlaps(meta().min_start_unix_nano, meta().max_end_unix_nano);
  }
  void MarkObsolete() { obsolete_ = true; }
  std::uint64_t written_unix_nanos() const { return written_unix_nanos_; }

 private:
  std::unique_ptr<block::BlockReader> reader_;
  std::uint64_t written_unix_nanos_;
  std::atomic<bool> obsolete_{false};
};

using BlockPtr = std::shared_ptr<BlockHandle>;

class BlockSet {
 public:
  // Opens every *.block in `dir`; one that fails is moved to `quarantine_dir` and reported through
  // `on_quarantine(file, reason)`. Leftover *.tmp files of interrupted writes are deleted.
  void Load(const std::filesystem::path& dir, const std::filesystem::path& quarantine_dir,
            const std::function<void(const std::string& file, const std::string& reason)>& on_quarantine);

  // A fresh file name for a new block.
  std::filesystem::path NextPath();

  // The blocks, with `also` run under the same lock: what `also` reads of the head is consistent
  // with the returned list (a cut publishes its block and forgets its frozen spans atomically).
  std::vector<BlockPtr> Snapshot(const std::function<void()>& also = {}) const;
  // Adds `added`, removes `removed` (their files go when the last snapshot holding them does), and
  // runs `also` under the same lock.
  void Update(const std::vector<BlockPtr>& added, const std::vector<BlockPtr>& removed,
              const std::function<void()>& also = {});

  std::size_t count() const;
  // The blocks and their bytes on disk, and of them those still raw (cut, not compacted yet).
  struct Totals {
    std::size_t blocks = 0;
    std::uint64_t bytes = 0;
    std::size_t raw_blocks = 0;
    std::uint64_t raw_bytes = 0;
  };
  Totals totals() const;

 private:
  mutable std::shared_mutex mutex_;
  std::vector<BlockPtr> blocks_;
  std::filesystem::path dir_;
  std::atomic<std::uint64_t> next_number_{1};
};

}  // namespace hoptrace::store::engine
