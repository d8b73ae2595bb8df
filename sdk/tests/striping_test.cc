// The per-thread stripes behind the hot path: thread indices, the striped queue of the
// BatchSpanProcessor and the span record pool.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <latch>
#include <set>
#include <string_view>
#include <thread>
#include <vector>

#include "bounded_queue.h"
#include "hoptrace/sdk/span_processor.h"
#include "span_record_pool.h"
#include "striped_queue.h"
#include "thread_index.h"

namespace hoptrace::sdk {
namespace {

TEST(ThreadIndexTest, ThreadsAliveTogetherHaveDistinctIndicesAndExitedOnesAreReused) {
  constexpr int kThreads = 6;
  std::vector<std::size_t> indices(kThreads);
  std::latch all_taken(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      indices[t] = internal::ThisThreadIndex();
      EXPECT_EQ(internal::ThisThreadIndex(), indices[t]);  // stable for the thread's life
      all_taken.arrive_and_wait();
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(std::set<std::size_t>(indices.begin(), indices.end()).size(), static_cast<std::size_t>(kThreads));

  // All six have exited: a new thread gets the lowest index not held by a live thread, which is
  // below what seven threads alive at once would need.
  std::size_t later = 0;
  std::thread([&] { later = internal::ThisThreadIndex(); }).join();
  EXPECT_LE(later, *std::max_element(indices.begin(), indices.end()));
}

TEST(StripedQueueTest, OneThreadFillsEveryStripeAndThePushAfterTheCapacityFails) {
  constexpr std::size_t kCapacity = 1000;  // not a power of two, not a multiple of the stripes
  internal::StripedQueue<int> queue(kCapacity, 3);
  ASSERT_EQ(queue.stripe_count(), 3u);
  EXPECT_EQ(queue.limit(0) + queue.limit(1) + queue.limit(2), kCapacity);
  std::vector<int> items(kCapacity + 1);
  for (std::size_t i = 0; i < kCapacity; ++i) {
    std::size_t stripe = 1;
    ASSERT_TRUE(queue.TryPush(&items[i], stripe)) << i;
  }
  std::size_t stripe = 1;
  EXPECT_FALSE(queue.TryPush(&items[kCapacity], stripe));
  EXPECT_EQ(queue.PushCount(), kCapacity);

  std::set<int*> popped;
  std::size_t from = 2;
  while (int* item = queue.TryPop(from)) popped.insert(item);
  EXPECT_EQ(popped.size(), kCapacity);
  EXPECT_EQ(popped.count(&items[kCapacity]), 0u);
}

TEST(StripedQueueTest, NeverMoreStripesThanItems) {
  internal::StripedQueue<int> queue(2, 8);
  EXPECT_EQ(queue.stripe_count(), 2u);
  int a = 0;
  int b = 0;
  int c = 0;
  std::size_t stripe = 7;
  EXPECT_TRUE(queue.TryPush(&a, stripe));
  EXPECT_TRUE(queue.TryPush(&b, stripe));
  EXPECT_FALSE(queue.TryPush(&c, stripe));
}

TEST(BoundedQueueTest, PopManyTakesABatchInOrderAndStopsAtTheEnd) {
  internal::BoundedQueue<int> queue(8);
  std::vector<int> items(6);
  for (int& item : items) ASSERT_TRUE(queue.TryPush(&item));
  std::vector<int*> out(4);
  ASSERT_EQ(queue.TryPopMany(out), 4u);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(out[i], &items[i]);
  EXPECT_EQ(queue.TryPopMany(out), 2u);
  EXPECT_EQ(out[0], &items[4]);
  EXPECT_EQ(out[1], &items[5]);
  EXPECT_EQ(queue.TryPopMany(out), 0u);
  for (int& item : items) EXPECT_TRUE(queue.TryPush(&item)) << "popped cells are free again";
}

TEST(BoundedQueueTest, PushManyFillsTheFreeCellsInOrderAndStopsWhenFull) {
  internal::BoundedQueue<int> queue(8);
  std::vector<int> items(10);
  std::vector<int*> pointers;
  for (int& item : items) pointers.push_back(&item);
  ASSERT_EQ(queue.TryPushMany(std::span(pointers).first(3)), 3u);
  ASSERT_EQ(queue.TryPushMany(std::span(pointers).subspan(3)), 5u) << "only 5 cells were free";
  EXPECT_EQ(queue.TryPushMany(std::span(pointers).subspan(8)), 0u);
  for (std::size_t i = 0; i < 8; ++i) EXPECT_EQ(queue.TryPop(), &items[i]);
  EXPECT_EQ(queue.TryPop(), nullptr);
}

TEST(BoundedQueueTest, ProducersAndConsumersOneAndManyAtATimeMoveEveryItemExactlyOnce) {
  constexpr int kPerProducer = 50000;
  constexpr int kProducers = 2;
  internal::BoundedQueue<int> queue(256);
  std::vector<int> items(kProducers * kPerProducer);
  std::vector<std::atomic<int>> popped(items.size());
  std::atomic<int> remaining(static_cast<int>(items.size()));
  const auto count = [&](int* item) {
    popped[static_cast<std::size_t>(item - items.data())].fetch_add(1);
    remaining.fetch_sub(1);
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::vector<std::thread> threads;
  for (int p = 0; p < kProducers; ++p) {
    threads.emplace_back([&, p] {
      std::vector<int*> mine;
      for (int i = 0; i < kPerProducer; ++i) mine.push_back(&items[static_cast<std::size_t>(p * kPerProducer + i)]);
      const std::size_t run = p == 0 ? 1 : 50;  // one at a time, and runs (TryPushMany)
      for (std::size_t i = 0; i < mine.size() && std::chrono::steady_clock::now() < deadline;) {
        const auto next = std::span(mine).subspan(i, std::min(run, mine.size() - i));
        i += run == 1 ? (queue.TryPush(next[0]) ? 1 : 0) : queue.TryPushMany(next);
      }
    });
  }
  threads.emplace_back([&] {
    std::vector<int*> out(64);
    while (remaining.load() > 0 && std::chrono::steady_clock::now() < deadline) {
      const std::size_t n = queue.TryPopMany(out);
      for (std::size_t i = 0; i < n; ++i) count(out[i]);
    }
  });
  threads.emplace_back([&] {
    while (remaining.load() > 0 && std::chrono::steady_clock::now() < deadline) {
      if (int* item = queue.TryPop()) count(item);
    }
  });
  for (auto& thread : threads) thread.join();
  ASSERT_EQ(remaining.load(), 0);
  for (const auto& times : popped) ASSERT_EQ(times.load(), 1);
}

TEST(SpanRecordPoolTest, ARecordGivenBackIsReusedClearedWithoutAllocating) {
  SpanRecordPool pool(4, 1);
  std::vector<SpanRecordPtr> taken;
  for (int i = 0; i < 4; ++i) taken.push_back(pool.Acquire());
  SpanRecord* given_back = taken.back().get();
  given_back->span.trace_state = "k=v";
  taken.pop_back();
  SpanRecordPtr again = pool.Acquire();
  EXPECT_EQ(again.get(), given_back);
  EXPECT_TRUE(again->span.trace_state.empty()) << "a record is cleared when it is taken";
  EXPECT_EQ(pool.allocated(), 4u);
}

TEST(SpanRecordPoolTest, RecordsOfThreadsThatCameAndWentAreReusedWithoutAllocating) {
  SpanRecordPool pool(64, 2);
  for (int round = 0; round < 10; ++round) {
    std::vector<SpanRecordPtr> held;
    std::thread([&] {
      for (int i = 0; i < 20; ++i) held.push_back(pool.Acquire());
    }).join();
    for (int i = 0; i < 20; ++i) held.push_back(pool.Acquire());
    held.push_back(SpanRecordPtr(new SpanRecord()));  // a copy without a pool, as MultiSpanProcessor makes
  }
  EXPECT_EQ(pool.allocated(), 64u);
}

TEST(SpanRecordPoolTest, AThreadCyclesThroughTheRecordsItNeedsNotThroughTheWholePool) {
  constexpr std::size_t kCapacity = 1 << 16;
  SpanRecordPool pool(kCapacity, 2);
  std::set<SpanRecord*> seen;
  for (int i = 0; i < 100000; ++i) seen.insert(pool.Acquire().get());  // one in flight at a time
  EXPECT_LE(seen.size(), 4096u) << "a thread with one span in flight walked through the whole pool";
  EXPECT_EQ(pool.allocated(), kCapacity);
}

TEST(SpanRecordPoolTest, AThreadWithMoreInFlightThanItsRingHoldsTakesFromTheReserveWithoutAllocating) {
  constexpr std::size_t kCapacity = 1 << 15;
  SpanRecordPool pool(kCapacity, 2);
  for (int round = 0; round < 3; ++round) {
    std::vector<SpanRecordPtr> in_flight;
    for (std::size_t i = 0; i < kCapacity; ++i) in_flight.push_back(pool.Acquire());
    EXPECT_EQ(pool.allocated(), kCapacity) << "round " << round;
  }
  std::vector<SpanRecordPtr> one_more;
  for (std::size_t i = 0; i <= kCapacity; ++i) one_more.push_back(pool.Acquire());
  EXPECT_EQ(pool.allocated(), kCapacity + 1);
}

// Gives records back in runs of one batch, as the export thread does.
void ReleaseInBatches(SpanRecordPool& pool, std::vector<SpanRecordPtr>& records, std::size_t batch) {
  std::vector<SpanRecord*> run;
  for (std::size_t first = 0; first < records.size(); first += batch) {
    run.clear();
    for (std::size_t i = first; i < std::min(first + batch, records.size()); ++i) run.push_back(records[i].release());
    pool.ReleaseMany(run, 0);
  }
  records.clear();
}

TEST(SpanRecordPoolTest, AfterABurstAThreadReusesTheRecordsGivenBackLastNotAllItHeld) {
  constexpr std::size_t kBurst = 16384;
  constexpr std::size_t kBatch = 512;
  SpanRecordPool pool(1 << 15, 1);
  std::vector<SpanRecordPtr> in_flight;
  for (std::size_t i = 0; i < kBurst; ++i) in_flight.push_back(pool.Acquire());
  std::vector<SpanRecord*> given_back;  // in the order they go back
  for (const SpanRecordPtr& record : in_flight) given_back.push_back(record.get());
  ReleaseInBatches(pool, in_flight, kBatch);
  const SpanRecordPool::FreeRecords after_burst = pool.FreeRecordsOf(0);
  EXPECT_GE(after_burst.recent + after_burst.older, kBurst) << "the burst's records went back to the stripe";
  ASSERT_GE(after_burst.recent, kBatch);
  EXPECT_LT(after_burst.recent, kBurst / 4) << "the recent ring holds a few batches, not the whole burst";

  // The next batch reuses records given back at the burst's end, in the order they went back.
  std::vector<SpanRecord*> reused;
  for (std::size_t i = 0; i < kBatch; ++i) reused.push_back(in_flight.emplace_back(pool.Acquire()).get());
  const auto last_given_back = given_back.end() - static_cast<std::ptrdiff_t>(after_burst.recent);
  EXPECT_TRUE(std::equal(reused.begin(), reused.end(), last_given_back)) << "the oldest records came first";
  // Steady state: a batch in flight at a time, for many laps of the recent ring.
  std::set<SpanRecord*> seen(reused.begin(), reused.end());
  for (int round = 0; round < 200; ++round) {
    ReleaseInBatches(pool, in_flight, kBatch);
    for (std::size_t i = 0; i < kBatch; ++i) seen.insert(in_flight.emplace_back(pool.Acquire()).get());
  }
  EXPECT_LE(seen.size(), after_burst.recent + kBatch) << "the thread cycled through the records of the burst";
  EXPECT_EQ(pool.allocated(), std::size_t{1} << 15);
}

TEST(SpanRecordPoolTest, RecordsFirstUsedLongAfterStartUpAlreadyHoldAttributeBuffers) {
  constexpr std::size_t kCapacity = 1 << 13;
  SpanRecordPool pool(kCapacity, 1);
  std::vector<SpanRecordPtr> in_flight;
  for (std::size_t i = 0; i < kCapacity; ++i) in_flight.push_back(pool.Acquire());
  // The last ones came from the reserve and were never used: their slots and keys were made with the pool.
  model::Attributes& attributes = in_flight.back()->span.attributes;
  ASSERT_TRUE(attributes.empty());
  for (int i = 0; i < 4; ++i) {
    EXPECT_GE(attributes.emplace_slot().key.capacity(), std::string_view("http.response.status_code").size()) << i;
  }
  EXPECT_EQ(pool.allocated(), kCapacity);
}

TEST(SpanRecordPoolTest, ManyThreadsTakingAndGivingBackLoseNoRecord) {
  constexpr int kThreads = 8;
  constexpr int kRounds = 2000;
  SpanRecordPool pool(256, 3);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      std::vector<SpanRecordPtr> held;
      for (int round = 0; round < kRounds; ++round) {
        for (int i = 0; i < 16; ++i) held.push_back(pool.Acquire());
        held.clear();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  // Every record the pool keeps can be taken out exactly once.
  const std::size_t kept = pool.allocated();
  std::vector<SpanRecordPtr> all;
  for (std::size_t i = 0; i < kept; ++i) all.push_back(pool.Acquire());
  EXPECT_EQ(pool.allocated(), kept) << "a record was lost: taking them all out allocated";
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << "a record handed out twice";
}

// Keeps the addresses of the records it exports.
class AddressExporter final : public SpanExporter {
 public:
  explicit AddressExporter(std::vector<const SpanRecord*>& exported) : exported_(exported) {}
  ExportResult Export(std::span<const SpanRecordPtr> records) override {
    for (const SpanRecordPtr& record : records) exported_.push_back(record.get());
    return ExportResult::kSuccess;
  }

 private:
  std::vector<const SpanRecord*>& exported_;
};

// Takes every record a thread's ring holds. A pool of 2 * kRingRecords starts each of its two rings
// with kRingRecords, in rings of 32 cells: a record given back to the wrong ring would fit there.
constexpr std::size_t kRingRecords = 20;
std::set<SpanRecord*> TakeWholeRing(SpanRecordPool& pool) {
  std::vector<SpanRecordPtr> taken;
  for (std::size_t i = 0; i < kRingRecords; ++i) taken.push_back(pool.Acquire());
  std::set<SpanRecord*> addresses;
  for (const SpanRecordPtr& record : taken) addresses.insert(record.get());
  return addresses;
}

TEST(BatchSpanProcessorStripesTest, ExportedRecordsGoBackToTheRingOfTheThreadThatTookThem) {
  SpanRecordPool pool(2 * kRingRecords, 2);
  std::vector<const SpanRecord*> exported;
  BatchSpanProcessor processor(std::make_unique<AddressExporter>(exported), {.max_queue_size = 1024});
  // Thread "a" takes records; some end on "a", some are handed to "b" and end there (a span started on
  // one thread and ended on another), and one copy without a pool ends on "b" too. "a" is alive while
  // "b" runs, so they have different thread indices and stripes.
  std::vector<SpanRecordPtr> handed_over;
  std::set<SpanRecord*> taken_by_a;
  std::thread([&] {
    for (int i = 0; i < 10; ++i) {
      SpanRecordPtr record = pool.Acquire();
      taken_by_a.insert(record.get());
      if (i % 2 == 0) {
        processor.OnEnd(std::move(record));
      } else {
        handed_over.push_back(std::move(record));
      }
    }
    std::thread([&] {
      for (SpanRecordPtr& record : handed_over) processor.OnEnd(std::move(record));
      processor.OnEnd(SpanRecordPtr(new SpanRecord()));
      ASSERT_TRUE(processor.ForceFlush(std::chrono::seconds(30)));
    }).join();
    ASSERT_EQ(exported.size(), 11u);
    // "a"'s ring holds exactly its kRingRecords again only if all ten came back to it.
    const std::set<SpanRecord*> ring = TakeWholeRing(pool);
    EXPECT_TRUE(std::includes(ring.begin(), ring.end(), taken_by_a.begin(), taken_by_a.end()));
  }).join();
  EXPECT_EQ(pool.allocated(), 2 * kRingRecords) << "records were deleted or made instead of reused";
}

}  // namespace
}  // namespace hoptrace::sdk
