#pragma once
// Loopback TCP ports a test holds for as long as it needs them, for tests of what a client or a
// server does when the other side is down, mute, or already there.

#include <cstdint>
#include <memory>
#include <string>

namespace hoptrace::http::testing {

// A 127.0.0.1 port bound by a socket of this test: held rather than picked free and released, so that
// the kernel cannot hand it to a parallel test's server meanwhile, which would then answer.
class HeldLocalPort {
 public:
  ~HeldLocalPort();
  HeldLocalPort(const HeldLocalPort&) = delete;
  HeldLocalPort& operator=(const HeldLocalPort&) = delete;

  std::uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 protected:
  explicit HeldLocalPort(bool listen);  // throws std::system_error when no port can be held
  HeldLocalPort(int socket, std::uint16_t port);  // takes a socket bound to `port`

 private:
  int socket_ = -1;
  std::uint16_t port_ = 0;
};

// Connections are refused: the socket is bound and never listens.
class ClosedLocalPort : public HeldLocalPort {
 public:
  ClosedLocalPort() : HeldLocalPort(/*listen=*/false) {}
};

// Connections open (the kernel completes them into the backlog) and nothing ever answers: the socket
// listens and never accepts.
class SilentLocalPort : public HeldLocalPort {
 public:
  SilentLocalPort() : HeldLocalPort(/*listen=*/true) {}
};

// A given port kept from the kernel's picks while the server that owns it is down (connections are
// refused), yet open to that server's own bind when it comes back: with SO_REUSEADDR on both, a socket
// that only binds lets another listen beside it, while a bind without it (port 0 or this port) fails.
class ReservedLocalPort : public HeldLocalPort {
 public:
  // nullptr when the port is in use; port 0 reserves one the kernel picks.
  static std::unique_ptr<ReservedLocalPort> TryReserve(std::uint16_t port);

 private:
  ReservedLocalPort(int socket, std::uint16_t port) : HeldLocalPort(socket, port) {}
};

}  // namespace hoptrace::http::testing
