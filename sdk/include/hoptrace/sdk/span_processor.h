#pragma once
// Processors see spans start and end and hand ended spans to an exporter.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "hoptrace/sdk/span_exporter.h"

namespace hoptrace::sdk {

class SpanProcessor {
 public:
  virtual ~SpanProcessor() = default;
  virtual void OnStart(SpanRecord& /*record*/) {}
  // Takes the ended span. Called on the application thread: must be quick and must not block.
  virtual void OnEnd(SpanRecordPtr record) = 0;
  virtual bool ForceFlush(std::chrono::milliseconds timeout) = 0;
  virtual void Shutdown(std::chrono::milliseconds timeout) = 0;
};

// Exports each span as it ends, on the calling thread. For tests and debugging.
class SimpleSpanProcessor final : public SpanProcessor {
 public:
  explicit SimpleSpanProcessor(std::unique_ptr<SpanExporter> exporter);
  void OnEnd(SpanRecordPtr record) override;
  bool ForceFlush(std::chrono::milliseconds timeout) override;
  void Shutdown(std::chrono::milliseconds timeout) override;

 private:
  std::mutex mutex_;  // exporters are called from one thread at a time
  std::unique_ptr<SpanExporter> exporter_;
  bool shut_down_ = false;
};

struct BatchSpanProcessorOptions {
  std::size_t max_queue_size = 2048;
  std::size_t max_export_batch_size = 512;
  std::chrono::milliseconds schedule_delay{5000};
  std::chrono::milliseconds export_timeout{30000};
};

struct BatchSpanProcessorStats {
  std::uint64_t queued = 0;
  std::uint64_t dropped = 0;   // queue full when the span ended
  std::uint64_t exported = 0;  // handed to the exporter with kSuccess
  std::uint64_t failed = 0;    // handed to the exporter with kFailure
};

// Queues ended spans in a bounded lock-free queue; a worker thread exports them in batches.
// The application thread never blocks: when the queue is full the span is dropped and counted.
// The queue is split into stripes by thread (see docs/architecture.md, "The SDK's hot path"), so
// threads ending spans at the same time do not contend on one queue; the worker exports a batch when
// one stripe holds max_export_batch_size spans, or when the schedule delay has passed.
class BatchSpanProcessor final : public SpanProcessor {
 public:
  BatchSpanProcessor(std::unique_ptr<SpanExporter> exporter, BatchSpanProcessorOptions options = {});
  ~BatchSpanProcessor() override;

  void OnEnd(SpanRecordPtr record) override;
  bool ForceFlush(std::chrono::milliseconds timeout) override;
  // Exports what is queued, waiting at most `timeout`; then shuts the exporter down, which makes an
  // export still in flight (a collector that is down, retrying) give up, and the rest is dropped.
  void Shutdown(std::chrono::milliseconds timeout) override;
  BatchSpanProcessorStats stats() const;

 private:
  class Queue;
  void Run();
  std::size_t BatchSize(std::size_t stripe) const;  // what makes a stripe worth waking the worker for
  bool AnyBatchReady() const;
  void WakeWorker();
  void WaitForWork(std::unique_lock<std::mutex>& lock);  // returns with worker_idle_ still set
  struct ExportBuffers;
  std::size_t ExportAvailable(ExportBuffers& buffers);
  void ReleaseExported(ExportBuffers& buffers, std::size_t first, std::size_t count, std::size_t stripe);
  SpanRecordPool* HomePool(const SpanRecord& record);

  // Read on every span and written at most once: kept off the cache lines the worker and the
  // counters write, which would otherwise be pulled away from every application thread's core.
  const BatchSpanProcessorOptions options_;
  std::unique_ptr<SpanExporter> exporter_;
  std::unique_ptr<Queue> queue_;
  std::atomic<bool> shut_down_{false};
  std::atomic<SpanRecordPool*> home_pool_{nullptr};  // where most records go back to (HomePool)

  alignas(64) std::mutex mutex_;
  std::condition_variable wake_worker_;
  std::condition_variable flushed_;   // also signalled when the worker has finished
  bool worker_finished_ = false;      // guarded by mutex_
  std::uint64_t flush_requests_ = 0;  // guarded by mutex_
  std::uint64_t flushes_done_ = 0;    // guarded by mutex_
  bool stopping_ = false;             // guarded by mutex_
  std::atomic<bool> worker_idle_{false};

  alignas(64) std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> exported_{0};
  std::atomic<std::uint64_t> failed_{0};
  std::thread worker_;
};

// Hands every span to each of several processors (copies for all but the last).
class MultiSpanProcessor final : public SpanProcessor {
 public:
  explicit MultiSpanProcessor(std::vector<std::unique_ptr<SpanProcessor>> processors);
  void OnStart(SpanRecord& record) override;
  void OnEnd(SpanRecordPtr record) override;
  bool ForceFlush(std::chrono::milliseconds timeout) override;
  void Shutdown(std::chrono::milliseconds timeout) override;

 private:
  std::vector<std::unique_ptr<SpanProcessor>> processors_;
};

}  // namespace hoptrace::sdk
