#pragma once
// Where the router's nodes come from: a static list of host:port, or a DNS name resolved
// periodically (every address it resolves to is a node, all on the configured port). A change of
// the resolved set rebuilds the router's ring; a failed or empty resolution keeps the last set.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "hoptrace/collector/routing/router.h"
#include "hoptrace/metrics/registry.h"

namespace hoptrace::collector::routing {

struct HostPort {
  std::string host;  // without brackets
  std::uint16_t port = 0;
  std::string ToString() const;  // "host:port", "[v6]:port"
};

// "host:port" or "[ipv6]:port"; nullopt with `error` for anything else (no port, port 0 or > 65535).
std::optional<HostPort> ParseHostPort(std::string_view text, std::string* error);
// Comma-separated host:port list (blanks around entries ignored); at least one entry.
std::optional<std::vector<std::string>> ParseNodeList(std::string_view text, std::string* error);

// Every address `host` resolves to (getaddrinfo, TCP), as "ip:port" / "[ip6]:port", sorted, unique.
// nullopt with `error` when resolution fails.
std::optional<std::vector<std::string>> ResolveNodes(const HostPort& name, std::string* error);

class DnsMembership {
 public:
  // Resolves at once (Start) and then every `interval`, and gives the router each new set.
  DnsMembership(Router& router, HostPort name, std::chrono::milliseconds interval, metrics::Registry& registry);
  ~DnsMembership();  // Stop()
  DnsMembership(const DnsMembership&) = delete;
  DnsMembership& operator=(const DnsMembership&) = delete;

  // The first resolution happens here; false with `error` when it yields no node (the thread keeps
  // trying, so a caller may go on and let the router answer UNAVAILABLE meanwhile).
  bool Start(std::string* error);
  void Stop();

 private:
  bool ResolveOnce(std::string* error);
  void Loop();

  Router& router_;
  const HostPort name_;
  const std::chrono::milliseconds interval_;
  metrics::Counter& resolutions_failed_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace hoptrace::collector::routing
