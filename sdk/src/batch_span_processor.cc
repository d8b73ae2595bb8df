#include <algorithm>
#include <array>
#include <cstdint>
#include <span>

#include "hoptrace/sdk/span_processor.h"
#include "span_record_pool.h"
#include "striped_queue.h"
#include "thread_index.h"

namespace hoptrace::sdk {

namespace {

// A queued span: the record's address, its lowest bit set when the record goes back to the stripe of
// `home_pool_` numbered like the queue stripe it was queued in. The export thread then gives such
// records back a stripe's run at a time without reading them (SpanRecordPool::ReleaseMany): reading
// where a record goes back to would pull the line from the recording thread's core on every span,
// and the recording thread's next write to it would pull it back.
struct QueuedSpan;
static_assert(alignof(SpanRecord) >= 2, "the lowest bit of a record's address is the home mark");

QueuedSpan* Queued(SpanRecord* record, bool returns_home) {
  return reinterpret_cast<QueuedSpan*>(reinterpret_cast<std::uintptr_t>(record) | (returns_home ? 1u : 0u));
}

SpanRecord* RecordOf(QueuedSpan* queued) {
  return reinterpret_cast<SpanRecord*>(reinterpret_cast<std::uintptr_t>(queued) & ~std::uintptr_t{1});
}

bool ReturnsHome(QueuedSpan* queued) { return (reinterpret_cast<std::uintptr_t>(queued) & 1u) != 0; }

// Each stripe holds at least a whole batch, so that one thread alone still fills a batch before its
// stripe spills over: the worker wakes as often as with a single queue.
std::size_t StripeCount(const BatchSpanProcessorOptions& options) {
  return std::clamp<std::size_t>(options.max_queue_size / options.max_export_batch_size, 1,
                                 internal::DefaultStripeCount());
}

}  // namespace

class BatchSpanProcessor::Queue : public internal::StripedQueue<QueuedSpan> {
 public:
  using StripedQueue::StripedQueue;
};

// What the worker pops a batch into and gives records back from, sized once: exporting allocates nothing.
struct BatchSpanProcessor::ExportBuffers {
  explicit ExportBuffers(std::size_t batch_size) {
    taken.reserve(batch_size);
    batch.reserve(batch_size);
    returning_home.reserve(batch_size);
  }
  std::vector<QueuedSpan*> taken;
  std::vector<SpanRecordPtr> batch;
  std::vector<SpanRecord*> returning_home;
};

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
  while (QueuedSpan* queued = queue_->TryPop(stripe)) SpanRecordPtr discard(RecordOf(queued));
}

void BatchSpanProcessor::OnEnd(SpanRecordPtr record) {
  // The stripe's limit makes the configured queue size the limit users see (rings are powers of two).
  std::size_t stripe = internal::ThisThreadIndex();
  SpanRecordPool* const home_pool = HomePool(*record);
  const auto queued = [&](std::size_t queue_stripe) {
    return Queued(record.get(),
                  home_pool != nullptr && record->pool == home_pool && record->pool_stripe == queue_stripe);
  };
  if (shut_down_.load(std::memory_order_relaxed) || !queue_->TryPushMade(queued, stripe)) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return;  // `record` goes back to the pool
  }
  record.release();  // now owned by the queue
  if (queue_->SizeAtLeast(stripe, BatchSize(stripe))) WakeWorker();
}

// The pool of the first pooled record this processor sees: a processor belongs to one provider, so
// it is the pool of nearly every record. Set once, so the worker may read it for any record marked
// as going back to it.
SpanRecordPool* BatchSpanProcessor::HomePool(const SpanRecord& record) {
  SpanRecordPool* home = home_pool_.load(std::memory_order_relaxed);
  if (home == nullptr && record.pool != nullptr && !home_pool_.compare_exchange_strong(home, record.pool)) {
    return home;  // another thread set it first
  }
  return home != nullptr ? home : record.pool;
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

std::size_t BatchSpanProcessor::ExportAvailable(ExportBuffers& buffers) {
  std::array<std::size_t, internal::kMaxStripes> popped_from{};  // how many of `taken` came from each stripe
  buffers.taken.resize(options_.max_export_batch_size);  // within its reserved capacity: no allocation
  std::size_t count = 0;
  for (std::size_t stripe = 0; stripe < queue_->stripe_count() && count < buffers.taken.size(); ++stripe) {
    popped_from[stripe] = queue_->TryPopManyOwn(std::span(buffers.taken).subspan(count), stripe);
    count += popped_from[stripe];
  }
  if (count == 0) return 0;
  for (std::size_t i = 0; i < count; ++i) buffers.batch.emplace_back(RecordOf(buffers.taken[i]));
  const ExportResult result = exporter_->Export(buffers.batch);
  (result == ExportResult::kSuccess ? exported_ : failed_).fetch_add(count, std::memory_order_relaxed);
  std::size_t first = 0;
  for (std::size_t stripe = 0; first < count; first += popped_from[stripe++]) {
    ReleaseExported(buffers, first, popped_from[stripe], stripe);
  }
  buffers.batch.clear();
  return count;
}

// Gives back the records of `batch[first, first + count)`, popped from `stripe`: those marked as going
// back home in one run, the others one by one through their deleter.
void BatchSpanProcessor::ReleaseExported(ExportBuffers& buffers, std::size_t first, std::size_t count,
                                         std::size_t stripe) {
  buffers.returning_home.clear();
  for (std::size_t i = first; i < first + count; ++i) {
    if (ReturnsHome(buffers.taken[i])) {
      buffers.returning_home.push_back(buffers.batch[i].release());
    } else {
      buffers.batch[i].reset();
    }
  }
  if (!buffers.returning_home.empty()) {
    home_pool_.load(std::memory_order_relaxed)->ReleaseMany(buffers.returning_home, stripe);
  }
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
  ExportBuffers buffers(options_.max_export_batch_size);
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
    while (ExportAvailable(buffers) == options_.max_export_batch_size) {
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
