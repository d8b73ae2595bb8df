#pragma once
// A TCP forwarder on 127.0.0.1 that counts the bytes clients send upstream. Lets a test see what
// actually crossed the wire, e.g. that gRPC compression shrank the request.

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>

namespace hoptrace::sdk::exporters::otlp::testing {

class ByteCountingProxy {
 public:
  explicit ByteCountingProxy(std::uint16_t target_port);
  ~ByteCountingProxy();
  ByteCountingProxy(const ByteCountingProxy&) = delete;
  ByteCountingProxy& operator=(const ByteCountingProxy&) = delete;

  std::uint16_t port() const { return port_; }
  std::size_t upstream_bytes() const { return upstream_bytes_.load(); }

 private:
  struct Server;
  void Accept();

  std::unique_ptr<Server> server_;
  const std::uint16_t target_port_;
  std::uint16_t port_ = 0;
  std::atomic<std::size_t> upstream_bytes_{0};
  std::thread thread_;
};

}  // namespace hoptrace::sdk::exporters::otlp::testing
