#pragma once
// What both test receivers share: the requests they received, and the responses a test scripted
// for the next requests (answered in order; beyond them, a default-constructed response).

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <vector>

namespace hoptrace::sdk::exporters::otlp::testing {

template <typename Request, typename Response>
class RecordedExchanges {
 public:
  void Respond(Response response) {
    std::lock_guard lock(mutex_);
    responses_.push_back(std::move(response));
  }

  std::vector<Request> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

  bool WaitForRequests(std::size_t count, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return received_.wait_for(lock, timeout, [&] { return requests_.size() >= count; });
  }

 protected:
  // Called by the server for each request; returns the response to send.
  Response Record(Request request) {
    Response response{};
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(std::move(request));
      if (!responses_.empty()) {
        response = std::move(responses_.front());
        responses_.pop_front();
      }
    }
    received_.notify_all();
    return response;
  }

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable received_;
  std::vector<Request> requests_;       // guarded by mutex_
  std::deque<Response> responses_;      // guarded by mutex_
};

}  // namespace hoptrace::sdk::exporters::otlp::testing
