#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <latch>
#include <mutex>
#include <thread>

#include "hoptrace/sdk/in_memory_exporter.h"
#include "hoptrace/sdk/span_processor.h"
#include "hoptrace/sdk/tracer_provider.h"

namespace hoptrace::sdk {
namespace {

using namespace std::chrono_literals;

// Counts spans and, when asked, holds each export for a while to let the queue fill up.
class CountingExporter final : public SpanExporter {
 public:
  struct Counts {
    std::atomic<std::uint64_t> spans{0};
    std::atomic<std::uint64_t> batches{0};
    std::atomic<std::size_t> largest_batch{0};
  };
  CountingExporter(std::shared_ptr<Counts> counts, std::chrono::microseconds delay)
      : counts_(std::move(counts)), delay_(delay) {}

  ExportResult Export(std::span<const SpanRecordPtr> records) override {
    if (delay_.count() > 0) std::this_thread::sleep_for(delay_);
    counts_->spans += records.size();
    counts_->batches += 1;
    std::size_t largest = counts_->largest_batch.load();
    while (records.size() > largest &&
           !counts_->largest_batch.compare_exchange_weak(largest, records.size())) {
    }
    return ExportResult::kSuccess;
  }

 private:
  std::shared_ptr<Counts> counts_;
  std::chrono::microseconds delay_;
};

// Polls `done` until it holds or five seconds pass (room for a loaded machine); returns whether it holds.
template <typename Condition>
bool WaitUntil(Condition done) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!done() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  return done();
}

struct Harness {
  Harness(BatchSpanProcessorOptions options, std::chrono::microseconds export_delay = 0us) {
    counts = std::make_shared<CountingExporter::Counts>();
    auto processor_owner = std::make_unique<BatchSpanProcessor>(
        std::make_unique<CountingExporter>(counts, export_delay), options);
    processor = processor_owner.get();
    TracerProviderOptions provider_options;
    provider_options.sampler = AlwaysOnSampler();
    provider_options.processors.push_back(std::move(processor_owner));
    provider = std::make_unique<TracerProvider>(std::move(provider_options));
  }

  void EndSpans(int threads, int spans_per_thread) {
    std::latch start(threads);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&] {
        Tracer& tracer = provider->GetTracer("load");
        start.arrive_and_wait();
        for (int i = 0; i < spans_per_thread; ++i) {
          Span span = tracer.StartSpan("work");
          span.SetAttribute("i", std::int64_t{i});
        }
      });
    }
    for (auto& worker : workers) worker.join();
  }

  std::shared_ptr<CountingExporter::Counts> counts;
  BatchSpanProcessor* processor;
  std::unique_ptr<TracerProvider> provider;
};

TEST(BatchSpanProcessorTest, EightThreadsLoseNothingWhenTheQueueIsLargeEnough) {
  constexpr int kThreads = 8;
  constexpr int kSpansPerThread = 100'000;
  Harness harness(
      {.max_queue_size = kThreads * kSpansPerThread, .max_export_batch_size = 512, .schedule_delay = 50ms});
  harness.EndSpans(kThreads, kSpansPerThread);
  harness.provider->Shutdown();
  const auto stats = harness.processor->stats();
  EXPECT_EQ(stats.dropped, 0u);
  EXPECT_EQ(stats.queued, static_cast<std::uint64_t>(kThreads * kSpansPerThread));
  EXPECT_EQ(harness.counts->spans.load(), static_cast<std::uint64_t>(kThreads * kSpansPerThread));
  EXPECT_EQ(stats.exported, harness.counts->spans.load());
  EXPECT_LE(harness.counts->largest_batch.load(), 512u);
}

TEST(BatchSpanProcessorTest, DropsAreCountedExactlyWhenTheQueueIsFull) {
  constexpr int kThreads = 8;
  constexpr int kSpansPerThread = 20'000;
  Harness harness({.max_queue_size = 256, .max_export_batch_size = 64, .schedule_delay = 1ms}, 2ms);
  harness.EndSpans(kThreads, kSpansPerThread);
  harness.provider->Shutdown();
  const auto stats = harness.processor->stats();
  EXPECT_GT(stats.dropped, 0u);
  EXPECT_EQ(stats.queued + stats.dropped, static_cast<std::uint64_t>(kThreads * kSpansPerThread));
  EXPECT_EQ(harness.counts->spans.load(), stats.queued);  // everything queued was exported
  EXPECT_EQ(stats.exported, stats.queued);
}

TEST(BatchSpanProcessorTest, ShutdownFlushesEverythingQueued) {
  Harness harness({.max_queue_size = 4096, .max_export_batch_size = 2048, .schedule_delay = 1h});
  harness.EndSpans(1, 1000);
  EXPECT_LT(harness.counts->spans.load(), 1000u);  // the schedule delay has not passed
  harness.provider->Shutdown();
  EXPECT_EQ(harness.counts->spans.load(), 1000u);
  // After shutdown, spans are neither recorded nor queued.
  harness.EndSpans(1, 10);
  EXPECT_EQ(harness.processor->stats().queued, 1000u);
}

TEST(BatchSpanProcessorTest, ForceFlushExportsWithoutWaitingForTheSchedule) {
  Harness harness({.max_queue_size = 4096, .max_export_batch_size = 512, .schedule_delay = 1h});
  harness.EndSpans(1, 10);
  EXPECT_TRUE(harness.provider->ForceFlush(5s));
  EXPECT_EQ(harness.counts->spans.load(), 10u);
}

TEST(BatchSpanProcessorTest, ExportsOnScheduleWithoutAFlush) {
  Harness harness({.max_queue_size = 4096, .max_export_batch_size = 512, .schedule_delay = 20ms});
  harness.EndSpans(1, 5);
  WaitUntil([&] { return harness.counts->spans.load() >= 5; });
  EXPECT_EQ(harness.counts->spans.load(), 5u);
}

TEST(BatchSpanProcessorTest, ExportsAFullBatchWithoutWaitingForTheSchedule) {
  // Two threads, so two stripes of the queue where there are two cores: each fills a batch.
  Harness harness({.max_queue_size = 4096, .max_export_batch_size = 256, .schedule_delay = 1h});
  harness.EndSpans(2, 1000);
  EXPECT_TRUE(WaitUntil([&] { return harness.counts->spans.load() >= 256; })) << harness.counts->spans.load();
  EXPECT_LE(harness.counts->largest_batch.load(), 256u);
}

// A producer can wake the worker for a batch the worker has just taken; the worker must then still be
// woken for the next batch rather than sleep until the schedule delay with its queue filling up.
TEST(BatchSpanProcessorTest, TheWorkerIsWokenForEveryFullBatchAfterAWakeUpForNothing) {
  Harness harness({.max_queue_size = 1 << 16, .max_export_batch_size = 64, .schedule_delay = 1h});
  constexpr int kRounds = 100;
  for (int round = 0; round < kRounds; ++round) {
    harness.EndSpans(1, 20'000);
    // Everything but the last, incomplete batch of each stripe gets exported without a flush.
    const auto caught_up = [&] {
      const auto stats = harness.processor->stats();
      return stats.queued - harness.counts->spans.load() < 64u * std::thread::hardware_concurrency();
    };
    ASSERT_TRUE(WaitUntil(caught_up)) << "round " << round << ": the worker slept with full batches queued";
  }
}

TEST(BatchSpanProcessorTest, ASlowExporterNeverBlocksTheApplication) {
  Harness harness({.max_queue_size = 2048, .max_export_batch_size = 512, .schedule_delay = 1ms}, 500ms);
  const auto start = std::chrono::steady_clock::now();
  harness.EndSpans(1, 10'000);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  // Waiting for the exporter even once per batch would take (10'000 - 2'048) / 512 * 500 ms ≈ 7.5 s;
  // the bound leaves room for a sanitizer build under ctest -j on a loaded machine.
  EXPECT_LT(elapsed, 3s) << "ending spans waited for the exporter";
  EXPECT_GT(harness.processor->stats().dropped, 0u);
}

// An exporter stuck until shut down, like an OTLP exporter retrying against a collector that is down.
class StuckExporter final : public SpanExporter {
 public:
  ExportResult Export(std::span<const SpanRecordPtr>) override {
    std::unique_lock lock(mutex_);
    released_.wait(lock, [&] { return shut_down_; });
    return ExportResult::kFailure;
  }
  void Shutdown(std::chrono::milliseconds) override {
    std::lock_guard lock(mutex_);
    shut_down_ = true;
    released_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable released_;
  bool shut_down_ = false;
};

TEST(BatchSpanProcessorTest, ShutdownIsBoundedByItsTimeoutWhenTheExporterHangs) {
  auto processor = std::make_unique<BatchSpanProcessor>(
      std::make_unique<StuckExporter>(),
      BatchSpanProcessorOptions{.max_queue_size = 4096, .max_export_batch_size = 10, .schedule_delay = 1ms});
  auto* raw = processor.get();
  TracerProviderOptions options;
  options.sampler = AlwaysOnSampler();
  options.processors.push_back(std::move(processor));
  TracerProvider provider(std::move(options));
  for (int i = 0; i < 100; ++i) provider.GetTracer("t").StartSpan("op");
  const auto start = std::chrono::steady_clock::now();
  provider.Shutdown(200ms);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, 150ms);
  EXPECT_LT(elapsed, 2s);
  EXPECT_EQ(raw->stats().exported, 0u);
  EXPECT_GT(raw->stats().failed, 0u);
}

}  // namespace
}  // namespace hoptrace::sdk
