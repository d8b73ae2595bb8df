// queue: a small message broker over HTTP. POST /queues/{name} enqueues a message (opaque bytes; the
// demo's messages carry their own headers inside), GET /queues/{name}/next?wait_ms=N hands out the
// oldest one (waiting up to N ms, 204 when none came), GET /queues/{name}/depth counts them.
// Bounded: 16 queues, 10,000 messages each, 64 KiB per message; beyond that, 503 or 413.
// The broker traces nothing itself, like most brokers: the producer and consumer spans say it all.

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>

#include "hoptrace/http/url.h"
#include "service.h"

namespace hoptrace::demo {
namespace {

constexpr std::size_t kMaxQueues = 16;
constexpr std::size_t kMaxMessages = 10'000;
constexpr std::size_t kMaxMessageBytes = 64 * 1024;
constexpr long kMaxWaitMillis = 5'000;

class Broker {
 public:
  enum class Put { kOk, kFull, kTooManyQueues };

  Put Enqueue(std::string_view queue, std::string message) {
    std::lock_guard lock(mutex_);
    auto it = queues_.find(queue);
    if (it == queues_.end()) {
      if (queues_.size() >= kMaxQueues) return Put::kTooManyQueues;
      it = queues_.emplace(std::string(queue), std::deque<std::string>()).first;
    }
    if (it->second.size() >= kMaxMessages) return Put::kFull;
    it->second.push_back(std::move(message));
    arrived_.notify_all();
    return Put::kOk;
  }

  std::optional<std::string> Dequeue(std::string_view queue, std::chrono::milliseconds wait) {
    std::unique_lock lock(mutex_);
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (true) {
      const auto it = queues_.find(queue);
      if (it != queues_.end() && !it->second.empty()) {
        std::string message = std::move(it->second.front());
        it->second.pop_front();
        return message;
      }
      if (arrived_.wait_until(lock, deadline) == std::cv_status::timeout) return std::nullopt;
    }
  }

  std::size_t Depth(std::string_view queue) {
    std::lock_guard lock(mutex_);
    const auto it = queues_.find(queue);
    return it == queues_.end() ? 0 : it->second.size();
  }

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::map<std::string, std::deque<std::string>, std::less<>> queues_;
};

long WaitMillis(const http::Request& request) {
  const auto params = http::QueryParams::Parse(request.query);
  const auto text = params ? params->Get("wait_ms") : std::nullopt;
  if (!text) return 0;
  char* end = nullptr;
  const std::string value(*text);
  const long millis = std::strtol(value.c_str(), &end, 10);
  return *end == '\0' && millis >= 0 ? std::min(millis, kMaxWaitMillis) : -1;
}

}  // namespace
}  // namespace hoptrace::demo

int main(int argc, char** argv) {
  using namespace hoptrace::demo;
  namespace http = hoptrace::http;
  Service service("queue", argc, argv);
  Broker broker;
  service.PlainRoute("POST", "/queues/{name}", [&](http::Request& request) {
    if (request.body.empty() || request.body.size() > kMaxMessageBytes) {
      service.CountBadRequest();
      return http::Response::Text(413, "queue: a message is 1 byte to 64 KiB\n");
    }
    switch (broker.Enqueue(request.PathParam("name"), std::move(request.body))) {
      case Broker::Put::kOk: return http::Response::Text(202, "");
      case Broker::Put::kFull: return http::Response::Text(503, "queue: full\n");
      case Broker::Put::kTooManyQueues: break;
    }
    service.CountBadRequest();
    return http::Response::Text(503, "queue: too many queues\n");
  });
  service.PlainRoute("GET", "/queues/{name}/next", [&](http::Request& request) {
    const long wait = WaitMillis(request);
    if (wait < 0) {
      service.CountBadRequest();
      return http::Response::Text(400, "queue: wait_ms must be a whole number of milliseconds\n");
    }
    auto message = broker.Dequeue(request.PathParam("name"), std::chrono::milliseconds(wait));
    return message ? http::Response::Json(200, std::move(*message)) : http::Response::Text(204, "");
  });
  service.PlainRoute("GET", "/queues/{name}/depth", [&](http::Request& request) {
    return http::Response::Json(200, std::to_string(broker.Depth(request.PathParam("name"))));
  });
  return service.Run();
}
