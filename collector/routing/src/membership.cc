#include "hoptrace/collector/routing/membership.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>

namespace hoptrace::collector::routing {
namespace {

std::string_view Trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

std::string FormatAddress(const sockaddr* address, std::uint16_t port) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr, text, sizeof(text));
    return HostPort{text, port}.ToString();
  }
  inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(address)->sin_addr, text, sizeof(text));
  return HostPort{text, port}.ToString();
}

}  // namespace

std::string HostPort::ToString() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::optional<HostPort> ParseHostPort(std::string_view text, std::string* error) {
  text = Trim(text);
  const auto colon = text.rfind(':');
  std::string_view host = colon == std::string_view::npos ? std::string_view() : text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    host = {};  // an IPv6 address needs brackets to tell it from its port
  }
  const std::string_view digits = colon == std::string_view::npos ? std::string_view() : text.substr(colon + 1);
  unsigned port = 0;
  const auto [end, parsed] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (host.empty() || digits.empty() || parsed != std::errc() || end != digits.data() + digits.size() || port == 0 ||
      port > 65535) {
    error->assign(1, '\'');  // appended, not "'" + ...: GCC 12's -Wrestrict misfires on that at -O3
    error->append(text).append("' is not host:port (IPv6 as [address]:port, port 1-65535)");
    return std::nullopt;
  }
  return HostPort{std::string(host), static_cast<std::uint16_t>(port)};
}

std::optional<std::vector<std::string>> ParseNodeList(std::string_view text, std::string* error) {
  std::vector<std::string> nodes;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view entry = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (Trim(entry).empty()) continue;
    const auto node = ParseHostPort(entry, error);
    if (!node) return std::nullopt;
    nodes.push_back(node->ToString());
  }
  if (nodes.empty()) {
    *error = "no node given (expected host:port,host:port...)";
    return std::nullopt;
  }
  return nodes;
}

std::optional<std::vector<std::string>> ResolveNodes(const HostPort& name, std::string* error) {
  addrinfo hints = {};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* results = nullptr;
  if (const int code = getaddrinfo(name.host.c_str(), nullptr, &hints, &results); code != 0) {
    *error = "cannot resolve " + name.host + ": " + gai_strerror(code);
    return std::nullopt;
  }
  std::vector<std::string> nodes;
  for (const addrinfo* result = results; result != nullptr; result = result->ai_next) {
    if (result->ai_family == AF_INET || result->ai_family == AF_INET6) {
      nodes.push_back(FormatAddress(result->ai_addr, name.port));
    }
  }
  freeaddrinfo(results);
  std::sort(nodes.begin(), nodes.end());
  nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
  if (nodes.empty()) {
    *error = name.host + " resolves to no IP address";
    return std::nullopt;
  }
  return nodes;
}

DnsMembership::DnsMembership(Router& router, HostPort name, std::chrono::milliseconds interval,
                             metrics::Registry& registry)
    : router_(router),
      name_(std::move(name)),
      interval_(interval),
      resolutions_failed_(registry.GetCounter("hoptrace_router_dns_failures_total",
                                              "Resolutions of the node DNS name that failed (the last nodes stay)")) {}

DnsMembership::~DnsMembership() { Stop(); }

bool DnsMembership::ResolveOnce(std::string* error) {
  auto nodes = ResolveNodes(name_, error);
  if (!nodes) {
    resolutions_failed_.Increment();
    return false;
  }
  router_.SetNodes(std::move(*nodes));  // the router ignores an unchanged set
  return true;
}

bool DnsMembership::Start(std::string* error) {
  const bool resolved = ResolveOnce(error);
  thread_ = std::thread([this] { Loop(); });
  return resolved;
}

void DnsMembership::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DnsMembership::Loop() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    std::string ignored;  // counted; the last good set stays
    ResolveOnce(&ignored);
    lock.lock();
  }
}

}  // namespace hoptrace::collector::routing
