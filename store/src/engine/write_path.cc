// Write: the WAL record is the spans' OTLP request (as received when it holds exactly the spans
// written, else rebuilt from their encoded bytes in the caller's thread), then group commit (LevelDB's
// writer queue). The writer at the front of the queue leads: it appends every queued record to the
// WAL in one write, syncs once as the fsync policy says, adds the spans to the head, and wakes the
// writers it carried.

#include <chrono>

#include "engine/embedded_store_impl.h"
#include "hoptrace/otlp/proto_convert.h"
#include "hoptrace/otlp/wire.h"

namespace hoptrace::store {
namespace {

// A group stops growing at this many payload bytes so one slow leader does not carry everyone.
constexpr std::size_t kMaxGroupBytes = 4 << 20;

}  // namespace

// Model spans take the wire path too: encoded as an OTLP request and scanned.
Status EmbeddedStore::Impl::Write(const model::TraceBatch& batch) {
  if (batch.SpanCount() == 0) return Status::Ok();
  const std::string request = otlp::SerializeExportRequest(batch);
  otlp::wire::ScannedRequest scan;
  otlp::DecodeReport report;
  std::string error;
  if (!otlp::wire::Scan(request, {}, &scan, &report, &error)) {
    return Status::Error(Status::Code::kInvalidArgument, "the batch does not encode as an OTLP request: " + error);
  }
  if (report.rejected_spans > 0) {
    metrics_.write_errors.Increment();
    return Status::Error(Status::Code::kInvalidArgument, std::to_string(report.rejected_spans) +
                                                             " span(s) cannot be stored: " + report.first_error);
  }
  return WriteOtlp({.request = request, .scan = scan, .request_is_exact = true});
}

Status EmbeddedStore::Impl::WriteOtlp(const OtlpSpans& spans) {
  const auto started = std::chrono::steady_clock::now();
  const std::size_t span_count = spans.scan.spans.size();
  if (span_count == 0) return Status::Ok();
  if (!WaitForHeadRoom()) {
    metrics_.write_errors.Increment();
    return Status::Error(Status::Code::kResourceExhausted, "the store's head is full: cutting blocks has fallen behind");
  }
  Writer self;
  self.scan = &spans.scan;
  if (spans.request_is_exact) {
    self.payload = spans.request;
  } else {
    otlp::wire::RequestWriter writer;
    for (std::size_t i = 0; i < span_count; ++i) writer.Add(spans.scan, i);
    writer.Finish(&self.rebuilt);
    self.payload = self.rebuilt;
  }

  std::unique_lock lock(queue_mutex_);
  writers_.push_back(&self);
  self.ready.wait(lock, [&] { return self.done || writers_.front() == &self; });
  if (!self.done) {
    // Leader: take the queue's front as one group, commit it without holding the queue lock.
    std::vector<Writer*> group;
    std::size_t group_bytes = 0;
    for (Writer* writer : writers_) {
      if (!group.empty() && group_bytes + writer->payload.size() > kMaxGroupBytes) break;
      group.push_back(writer);
      group_bytes += writer->payload.size();
    }
    lock.unlock();
    const Status status = CommitGroup(group);
    lock.lock();
    for (Writer* writer : group) {
      writers_.pop_front();
      writer->status = status;
      writer->done = true;
      if (writer != &self) writer->ready.notify_one();
    }
    if (!writers_.empty()) writers_.front()->ready.notify_one();
  }
  lock.unlock();

  if (!self.status.ok()) {
    metrics_.write_errors.Increment();
    return self.status;
  }
  metrics_.spans_written.Increment(span_count);
  metrics_.write_seconds.Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  if (HeadOverLimits(1)) {
    std::lock_guard wake(background_mutex_);
    RequestCutLocked();
  }
  return Status::Ok();
}

bool EmbeddedStore::Impl::WaitForHeadRoom() {
  const auto has_room = [&] { return !HeadOverLimits(options_.head_backpressure_factor); };
  if (has_room()) return true;
  if (!options_.background || options_.head_full_wait.count() <= 0) return false;
  metrics_.writes_waited.Increment();
  std::unique_lock lock(background_mutex_);
  RequestCutLocked();
  return head_room_.wait_for(lock, options_.head_full_wait, [&] { return stopping_ || has_room(); }) && !stopping_;
}

void EmbeddedStore::Impl::RequestCutLocked() {
  cut_requested_ = true;
  background_wake_.notify_all();
}

Status EmbeddedStore::Impl::CommitGroup(const std::vector<Writer*>& group) {
  std::vector<std::string_view> payloads;
  payloads.reserve(group.size());
  for (const Writer* writer : group) payloads.push_back(writer->payload);

  std::lock_guard wal_lock(wal_mutex_);
  const std::uint64_t segments_before = wal_.segment_files_created();
  std::uint64_t bytes = 0;
  Status status = wal_.Append(wal::RecordType::kOtlpRequest, payloads, &bytes);
  metrics_.wal_segments_created.Increment(wal_.segment_files_created() - segments_before);
  if (status.ok()) {
    metrics_.wal_bytes.Increment(bytes);
    metrics_.wal_group_commits.Increment();
    status = SyncWalLocked(options_.fsync == FsyncPolicy::kEveryWrite);
  }
  if (!status.ok()) {
    Log("write failed, nothing acknowledged: " + status.message());
    return status;
  }
  const std::uint64_t segment = wal_.current_segment();
  const std::uint64_t now = Now();
  for (const Writer* writer : group) head_.Add(*writer->scan, segment, now);
  return Status::Ok();
}

// Syncs when forced or when the interval policy's time has come.
Status EmbeddedStore::Impl::SyncWalLocked(bool force) {
  if (wal_.unsynced_bytes() == 0) return Status::Ok();
  const std::uint64_t now = Now();
  const bool due = options_.fsync == FsyncPolicy::kInterval &&
                   now - std::min(now, last_sync_nanos_) >=
                       static_cast<std::uint64_t>(std::chrono::nanoseconds(options_.fsync_interval).count());
  if (!force && !due) return Status::Ok();
  const Status status = wal_.Sync();
  if (status.ok()) {
    metrics_.wal_fsyncs.Increment();
    last_sync_nanos_ = now;
  }
  return status;
}

}  // namespace hoptrace::store
