#pragma once
// A fixed set of buffers going round between one producer thread and one consumer thread: the
// producer fills a free buffer and publishes it, the consumer takes the published ones in order and
// releases each when done. The number of buffers bounds how far the producer runs ahead, and the
// buffers' contents are reused from round to round instead of being reallocated.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <vector>

namespace hoptrace::store::engine {

template <typename Buffer>
class BufferRing {
 public:
  explicit BufferRing(std::size_t buffers) : buffers_(buffers) {
    for (Buffer& buffer : buffers_) free_.push_back(&buffer);
  }

  // Producer: a free buffer, waiting for the consumer to release one; null once the consumer closed.
  Buffer* Fill() { return Take(free_, closed_, /*drain=*/false); }
  void Publish(Buffer* buffer) { Push(published_, buffer); }
  // Producer: nothing more will be published.
  void Finish() { Raise(finished_); }

  // Consumer: the next published buffer in order, waiting for it; null once the producer finished
  // and every published buffer was taken.
  Buffer* Next() { return Take(published_, finished_, /*drain=*/true); }
  void Release(Buffer* buffer) { Push(free_, buffer); }
  // Consumer: stops the producer (Fill answers null from now on).
  void Close() { Raise(closed_); }

 private:
  // Waits for a buffer in `queue` or for `ended`; once ended, takes one only when `drain`.
  Buffer* Take(std::deque<Buffer*>& queue, const bool& ended, bool drain) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return ended || !queue.empty(); });
    if (queue.empty() || (ended && !drain)) return nullptr;
    Buffer* buffer = queue.front();
    queue.pop_front();
    return buffer;
  }
  void Raise(bool& flag) {
    std::lock_guard lock(mutex_);
    flag = true;
    changed_.notify_all();
  }
  void Push(std::deque<Buffer*>& queue, Buffer* buffer) {
    std::lock_guard lock(mutex_);
    queue.push_back(buffer);
    changed_.notify_all();
  }

  std::vector<Buffer> buffers_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Buffer*> free_;
  std::deque<Buffer*> published_;
  bool finished_ = false;
  bool closed_ = false;
};

}  // namespace hoptrace::store::engine
