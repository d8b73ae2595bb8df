#pragma once
// A loopback TCP port nothing answers on, for tests of what a client does when its server is down.

#include <cstdint>

namespace hoptrace::http::testing {

// Connections to port() are refused while this object lives: its socket is bound and never listens.
// Held rather than picked free and released, so that the kernel cannot hand the port to a parallel
// test's server meanwhile, which would then answer.
class ClosedLocalPort {
 public:
  ClosedLocalPort();  // throws std::system_error when no port can be bound
  ~ClosedLocalPort();
  ClosedLocalPort(const ClosedLocalPort&) = delete;
  ClosedLocalPort& operator=(const ClosedLocalPort&) = delete;

  std::uint16_t port() const { return port_; }

 private:
  int socket_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace hoptrace::http::testing
