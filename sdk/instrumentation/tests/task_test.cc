#include "hoptrace/sdk/instrumentation/task.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "recording_provider.h"

namespace hoptrace::sdk {
namespace {

using testing::RecordingProvider;

// A minimal single-worker pool: tasks run on a thread other than the submitter's.
class WorkerThread {
 public:
  WorkerThread() : worker_([this] { Run(); }) {}
  ~WorkerThread() {
    Submit(nullptr);
    worker_.join();
  }
  void Submit(std::function<void()> task) {
    std::lock_guard lock(mutex_);
    tasks_.push_back(std::move(task));
    ready_.notify_one();
  }

 private:
  void Run() {
    while (true) {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [this] { return !tasks_.empty(); });
      std::function<void()> task = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      if (!task) return;
      task();
    }
  }

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> tasks_;
  std::thread worker_;
};

class TaskTest : public ::testing::Test {
 protected:
  RecordingProvider provider_;
};

TEST_F(TaskTest, SpansInAWrappedTaskNestUnderTheSubmitter) {
  WorkerThread pool;
  std::promise<void> done;
  Span request = provider_.tracer().StartSpan("request");
  {
    Scope scope(request.context());
    pool.Submit(Wrap([&] {
      provider_.tracer().StartSpan("background").End();
      done.set_value();
    }));
  }
  done.get_future().wait();
  request.End();
  const auto spans = provider_.Spans();
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0].name, "background");
  EXPECT_TRUE(testing::IsChildOf(spans[0], spans[1]));
}

TEST_F(TaskTest, WorkerContextIsRestoredAfterTheTask) {
  Span request = provider_.tracer().StartSpan("request");
  SpanContext during, after;
  std::thread worker;
  {
    Scope scope(request.context());
    worker = std::thread([task = Wrap([&] { during = CurrentContext(); }), &after]() mutable {
      task();
      after = CurrentContext();
    });
  }
  worker.join();
  EXPECT_EQ(during, request.context());
  EXPECT_FALSE(after.IsValid());
}

TEST_F(TaskTest, MoveOnlyTasksAndResults) {
  Span request = provider_.tracer().StartSpan("request");
  Scope scope(request.context());
  auto payload = std::make_unique<int>(41);
  auto task = Wrap([payload = std::move(payload)](int add) { return *payload + add; });
  static_assert(!std::is_copy_constructible_v<decltype(task)>);
  std::packaged_task<int(int)> packaged(std::move(task));
  std::future<int> result = packaged.get_future();
  std::thread worker(std::move(packaged), 1);
  worker.join();
  EXPECT_EQ(result.get(), 42);
}

TEST_F(TaskTest, CapturesAtWrapTimeNotAtRunTime) {
  Span first = provider_.tracer().StartSpan("first");
  std::function<SpanContext()> task;
  {
    Scope scope(first.context());
    task = Wrap([] { return CurrentContext(); });
  }
  Span second = provider_.tracer().StartSpan("second");
  Scope scope(second.context());
  EXPECT_EQ(task(), first.context());
  EXPECT_EQ(CurrentContext(), second.context());
}

TEST_F(TaskTest, TasksWithoutContextRunWithoutOne) {
  std::vector<SpanContext> seen;
  auto task = Wrap([&] { seen.push_back(CurrentContext()); });
  std::thread(task).join();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_FALSE(seen[0].IsValid());
}

}  // namespace
}  // namespace hoptrace::sdk
