// The backlog's group commit on a real disk: appends from many threads all come back from the
// sealed segments, each once, and they share fdatasyncs instead of taking one each.

#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <set>
#include <thread>

#include "backlog.h"

namespace hoptrace::store::clickhouse {
namespace {

namespace fs = std::filesystem;

class BacklogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("hoptrace-backlog-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    ASSERT_TRUE(Backlog::Open({.dir = dir_.string(), .fsync = true}, &backlog_).ok());
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Appends `per_thread` requests from each of `threads` threads at once; returns appends per second.
  double AppendConcurrently(int threads, int per_thread) {
    const auto started = std::chrono::steady_clock::now();
    std::vector<std::thread> writers;
    for (int t = 0; t < threads; ++t) {
      writers.emplace_back([this, t, per_thread] {
        for (int n = 0; n < per_thread; ++n) {
          if (!backlog_.Append(Request(t, n)).ok()) ++failed_;
        }
      });
    }
    for (std::thread& writer : writers) writer.join();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return threads * per_thread / seconds;
  }

  static std::string Request(int thread, int n) {
    return "request " + std::to_string(thread) + "/" + std::to_string(n) + std::string(1000, 'x');
  }

  std::multiset<std::string> ReadEverything() {
    std::multiset<std::string> records;
    for (const std::uint64_t segment : backlog_.Seal()) {
      std::vector<std::string> problems;
      EXPECT_TRUE(backlog_.Read(segment, [&](std::string_view record) { records.emplace(record); }, &problems).ok());
      EXPECT_TRUE(problems.empty());
    }
    return records;
  }

  fs::path dir_;
  Backlog backlog_;
  std::atomic<int> failed_ = 0;
};

TEST_F(BacklogTest, ConcurrentAppendsAreEachStoredOnceAndShareSyncs) {
  constexpr int kThreads = 8, kPerThread = 40;
  const double rate = AppendConcurrently(kThreads, kPerThread);
  EXPECT_EQ(failed_, 0);
  const std::multiset<std::string> records = ReadEverything();
  ASSERT_EQ(records.size(), std::size_t{kThreads * kPerThread});
  for (int t = 0; t < kThreads; ++t) {
    for (int n = 0; n < kPerThread; ++n) EXPECT_EQ(records.count(Request(t, n)), 1u);
  }
  EXPECT_GE(backlog_.syncs(), 1u);
  EXPECT_LE(backlog_.syncs(), std::uint64_t{kThreads * kPerThread});
  std::cout << kThreads * kPerThread << " appends from " << kThreads << " threads: " << backlog_.syncs()
            << " fdatasyncs, " << rate << " appends/s\n";
}

TEST_F(BacklogTest, OneWriterSyncsEveryAppend) {
  constexpr int kAppends = 40;
  const double rate = AppendConcurrently(1, kAppends);
  EXPECT_EQ(backlog_.syncs(), std::uint64_t{kAppends});  // nothing to share: durable before it returns
  EXPECT_EQ(ReadEverything().size(), std::size_t{kAppends});
  std::cout << kAppends << " appends from one thread: " << rate << " appends/s\n";
}

}  // namespace
}  // namespace hoptrace::store::clickhouse
