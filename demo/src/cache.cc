// cache: a small key-value cache process (GET/PUT /cache/{key}), bounded in entries; the oldest
// entry goes when it is full.

#include <deque>
#include <map>
#include <mutex>

#include "service.h"

namespace hoptrace::demo {
namespace {

constexpr std::size_t kMaxEntries = 10'000;
constexpr std::size_t kMaxValueBytes = 64 * 1024;

class BoundedCache {
 public:
  std::optional<std::string> Get(std::string_view key) {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    return it->second;
  }
  void Put(std::string key, std::string value) {
    std::lock_guard lock(mutex_);
    const auto [it, inserted] = entries_.insert_or_assign(key, std::move(value));
    if (!inserted) return;
    order_.push_back(std::move(key));
    if (order_.size() > kMaxEntries) {
      entries_.erase(order_.front());
      order_.pop_front();
    }
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::string, std::less<>> entries_;
  std::deque<std::string> order_;  // insertion order, for eviction
};

}  // namespace
}  // namespace hoptrace::demo

int main(int argc, char** argv) {
  using namespace hoptrace::demo;
  namespace http = hoptrace::http;
  Service service("cache", argc, argv);
  BoundedCache cache;
  service.Route("GET", "/cache/{key}", [&](const http::Request& request, RequestContext& context) {
    const auto value = cache.Get(request.PathParam("key"));
    context.server_span->span().SetAttributes({{"cache.operation", std::string_view("get")}, {"cache.hit", value.has_value()}});
    // A miss is an ordinary answer, not an error: "null".
    return http::Response::Json(200, value ? *value : std::string("null"));
  });
  service.Route("PUT", "/cache/{key}", [&](const http::Request& request, RequestContext& context) {
    context.server_span->span().SetAttribute("cache.operation", std::string_view("set"));
    if (request.body.size() > kMaxValueBytes) {
      service.CountBadRequest();
      return http::Response::Text(413, "cache: values are limited to 64 KiB\n");
    }
    cache.Put(std::string(request.PathParam("key")), request.body);
    return http::Response::Text(204, "");
  });
  return service.Run();
}
