#include <algorithm>

#include "hoptrace/sdk/span_processor.h"
#include "striped_queue.h"
#include "thread_index.h"

namespace hoptrace::sdk {

class BatchSpanProcessor::Queue : public internal::StripedQueue<SpanRecord> {
 public:
  using StripedQueue::StripedQueue;
};

namespace {

// Each stripe holds at least a whole batch, so that one thread alone still fills a batch before its
// stripe spills over: the worker wakes as often as with a single queue.
std::size_t StripeCount(const BatchSpanProcessorOptions& options) {
  return std::clamp<std::size_t>(options.max_queue_size / options.max_export_batch_size, 1,
                                 internal::DefaultStripeCount());
}

// Gives exported records back to their pool. Where a record goes back to is on its last cache line,
// which, when the exporter did not read the whole record, is still on the core of the thread that
// recorded the span: fetching the lines a few records ahead lets those misses overlap instead of each
// costing a full round trip between cores.
void ReleaseExported(std::vector<SpanRecordPtr>& batch) {
  constexpr std::size_t kAhead = 8;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (i + kAhead < batch.size()) __builtin_prefetch(&batch[i + kAhead]->pool);
    batch[i].reset();
  }
  batch.clear();
}

}  // namespace

BatchSpanProcessor::BatchSpanProcessor(std::unique_ptr<SpanExporter> exporter,
                                       BatchSpanProcessorOptions options)
    : options_([&] {
        options.max_queue_size = std::max<std::size_t>(options.max_queue_size, 1);
        options.max_export_batch_size =
            std::clamp<std::size_t>(options.max_export_batch_size, 1, options.max_queue_size);
        return options;
      }()),
      exporter_(std::move(exporter)),
      queue_(std::make_unique<Queue>(options_.max_queue_size, StripeCount(options_))),
      worker_([this] { Run(); }) {}

BatchSpanProcessor::~BatchSpanProcessor() {
  Shutdown(options_.export_timeout);
  // Spans that raced with shutdown go back to their pool unexported.
  std::size_t stripe = 0;
  while (SpanRecord* record = queue_->TryPop(stripe)) SpanRecordPtr discard(record);
}

void BatchSpanProcessor::OnEnd(SpanRecordPtr record) {
  // The stripe's limit makes the configured queue size the limit users see (rings are powers of two).
  std::size_t stripe = internal::ThisThreadIndex();
  if (shut_down_.load(std::memory_order_relaxed) || !queue_->TryPush(record.get(), stripe)) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return;  // `record` goes back to the pool
  }
  record.release();  // now owned by the queue
  if (queue_->SizeAtLeast(stripe, BatchSize(stripe))) WakeWorker();
}

std::size_t BatchSpanProcessor::BatchSize(std::size_t stripe) const {
  return std::min(options_.max_export_batch_size, queue_->limit(stripe));
}

bool BatchSpanProcessor::AnyBatchReady() const {
  for (std::size_t stripe = 0; stripe < queue_->stripe_count(); ++stripe) {
    if (queue_->SizeApprox(stripe) >= BatchSize(stripe)) return true;
  }
  return false;
}

void BatchSpanProcessor::WakeWorker() {
  // Pairs with the fence in WaitForWork(): either the worker sees the new size or we see it idle. Only the
  // thread that flips the flag wakes the worker, so the others do not queue up on the mutex while
  // the woken worker is still being scheduled.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (worker_idle_.load(std::memory_order_relaxed) && worker_idle_.exchange(false)) {
    std::lock_guard lock(mutex_);
    wake_worker_.notify_one();
  }
}

std::size_t BatchSpanProcessor::ExportAvailable(std::vector<SpanRecord*>& taken, std::vector<SpanRecordPtr>& batch) {
  std::size_t stripe = 0;
  taken.resize(options_.max_export_batch_size);  // within its reserved capacity: no allocation
  taken.resize(queue_->TryPopMany(taken, stripe));
  for (SpanRecord* record : taken) batch.emplace_back(record);
  const std::size_t count = batch.size();
  if (count == 0) return 0;
  const ExportResult result = exporter_->Export(batch);
  (result == ExportResult::kSuccess ? exported_ : failed_).fetch_add(count, std::memory_order_relaxed);
  ReleaseExported(batch);
  return count;
}

void BatchSpanProcessor::WaitForWork(std::unique_lock<std::mutex>& lock) {
  const auto deadline = std::chrono::steady_clock::now() + options_.schedule_delay;
  const auto work_pending = [&] { return stopping_ || flush_requests_ != flushes_done_ || AnyBatchReady(); };
  // Idle is set again after every wake-up that finds nothing to do. A producer can see a batch ready
  // (its read of the queue's head is older than the worker's last pops), find the worker idle, clear
  // the flag and wake it for nothing; if the worker then slept on with the flag cleared, no producer
  // would wake it again and the queue would fill up and drop spans until the schedule delay passed.
  for (;;) {
    worker_idle_.store(true, std::memory_order_relaxed);
    // Pairs with the fence in WakeWorker(): either the producer sees the flag or we see its span.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (work_pending() || wake_worker_.wait_until(lock, deadline) == std::cv_status::timeout) break;
  }
}

void BatchSpanProcessor::Run() {
  std::vector<SpanRecord*> taken;  // what a batch is popped into, before the records are owned again
  taken.reserve(options_.max_export_batch_size);
  std::vector<SpanRecordPtr> batch;
  batch.reserve(options_.max_export_batch_size);
  for (;;) {
    bool stop = false;
    std::uint64_t flush_target = 0;
    {
      std::unique_lock lock(mutex_);
      WaitForWork(lock);
      worker_idle_.store(false, std::memory_order_relaxed);
      stop = stopping_;
      flush_target = flush_requests_;
    }
    while (ExportAvailable(taken, batch) == options_.max_export_batch_size) {
    }
    {
      std::lock_guard lock(mutex_);
      if (flushes_done_ != flush_target) {
        flushes_done_ = flush_target;
        flushed_.notify_all();
      }
    }
    if (stop) break;
  }
  std::lock_guard lock(mutex_);
  worker_finished_ = true;
  flushed_.notify_all();
}

bool BatchSpanProcessor::ForceFlush(std::chrono::milliseconds timeout) {
  if (shut_down_.load()) return false;
  std::unique_lock lock(mutex_);
  const std::uint64_t target = ++flush_requests_;
  wake_worker_.notify_one();
  const bool drained = flushed_.wait_for(lock, timeout, [&] { return flushes_done_ >= target; });
  lock.unlock();
  return drained && exporter_->ForceFlush(timeout);
}

void BatchSpanProcessor::Shutdown(std::chrono::milliseconds timeout) {
  if (shut_down_.exchange(true)) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_worker_.notify_one();
  }
  {
    std::unique_lock lock(mutex_);
    flushed_.wait_for(lock, timeout, [&] { return worker_finished_; });
  }
  exporter_->Shutdown(timeout);
  if (worker_.joinable()) worker_.join();
}

BatchSpanProcessorStats BatchSpanProcessor::stats() const {
  return {queue_->PushCount(), dropped_.load(), exported_.load(), failed_.load()};
}

}  // namespace hoptrace::sdk
