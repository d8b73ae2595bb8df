#pragma once
// The durable backlog between the receivers and ClickHouse: the embedded store's write-ahead log
// (store/src/wal), one OTLP request per record. A write is acknowledged once its record is appended
// (and fdatasync'ed when `fsync`); the shipper seals the current segment, inserts the records of the
// sealed ones and then deletes those segments. What a crash leaves is shipped again after restart.
//
// Group commit: concurrent appends queue up; the first in the queue writes every queued request as
// one append and one fdatasync, and the others return with its result. One sync costs a few ms on a
// real disk, so receivers writing in parallel share it instead of waiting for one sync each.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "hoptrace/store/store.h"
#include "wal/wal.h"

namespace hoptrace::store::clickhouse {

class Backlog {
 public:
  struct Options {
    std::string dir;
    std::uint64_t max_bytes = 1ull << 30;
    std::uint64_t segment_bytes = 8ull << 20;
    bool fsync = true;
  };

  static Status Open(Options options, Backlog* out);

  // Appends one serialized ExportTraceServiceRequest. kUnavailable while the backlog holds
  // max_bytes or more (ClickHouse is behind or down); kIoError when the disk fails.
  Status Append(std::string_view request);

  // Seals the current segment when it holds anything and returns every sealed segment, oldest first.
  std::vector<std::uint64_t> Seal();
  // Calls `record` with each verified record of a sealed segment. Damage is skipped and reported in
  // `problems` (a torn tail after a crash is expected and was never acknowledged).
  Status Read(std::uint64_t segment, const std::function<void(std::string_view)>& record,
              std::vector<std::string>* problems);
  // Deletes sealed segments up to and including `segment`: their records are in ClickHouse.
  Status Release(std::uint64_t segment);

  std::uint64_t bytes() const;
  // fdatasyncs done by appends: fewer than appends when writers shared them.
  std::uint64_t syncs() const;

 private:
  struct PendingAppend;
  // Writes `group` (the queue's first entries) as one WAL append and one sync.
  Status WriteGroup(const std::vector<PendingAppend*>& group, std::uint64_t* written);

  Options options_;
  std::mutex wal_mutex_;  // the WAL: held by the group's writer, Seal, Release; taken before mutex_
  mutable std::mutex mutex_;
  std::condition_variable done_;
  std::deque<PendingAppend*> queue_;  // under mutex_; the front one writes for the rest
  std::uint64_t syncs_ = 0;           // under mutex_
  wal::Wal wal_;
  std::map<std::uint64_t, std::uint64_t> segment_bytes_;  // every segment on disk and its size
  std::uint64_t total_bytes_ = 0;
};

}  // namespace hoptrace::store::clickhouse
