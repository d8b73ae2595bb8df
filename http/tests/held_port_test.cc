#include "held_port.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace hoptrace::http::testing {
namespace {

// errno of connect() or bind() to 127.0.0.1:port on a fresh socket (0: it succeeded); `then_listen`
// also listens after a bind, as a server does.
int ErrnoOf(int (*call)(int, const sockaddr*, socklen_t), std::uint16_t port, bool reuse_address = true,
            bool then_listen = false) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return errno;
  const int on = 1;  // as servers set it: binds a port whose last user is in TIME_WAIT
  if (reuse_address) ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  const bool done = call(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0 &&
                    (!then_listen || ::listen(fd, 1) == 0);
  const int error = done ? 0 : errno;
  ::close(fd);
  return error;
}

TEST(ClosedLocalPortTest, RefusesConnectionsAndNoOtherSocketCanTakeIt) {
  const ClosedLocalPort closed;
  ASSERT_NE(closed.port(), 0);
  EXPECT_EQ(ErrnoOf(::connect, closed.port()), ECONNREFUSED);
  EXPECT_EQ(ErrnoOf(::bind, closed.port()), EADDRINUSE);
}

TEST(SilentLocalPortTest, TakesConnectionsAndNoOtherSocketCanTakeIt) {
  const SilentLocalPort silent;
  ASSERT_NE(silent.port(), 0);
  EXPECT_EQ(ErrnoOf(::connect, silent.port()), 0);
  EXPECT_EQ(ErrnoOf(::bind, silent.port()), EADDRINUSE);
  EXPECT_EQ(silent.address(), "127.0.0.1:" + std::to_string(silent.port()));
}

TEST(ReservedLocalPortTest, RefusesConnectionsAndPlainBindsButLetsItsServerListen) {
  const auto reserved = ReservedLocalPort::TryReserve(0);
  ASSERT_NE(reserved, nullptr);
  ASSERT_NE(reserved->port(), 0);
  EXPECT_EQ(ErrnoOf(::connect, reserved->port()), ECONNREFUSED);
  EXPECT_EQ(ErrnoOf(::bind, reserved->port(), /*reuse_address=*/false), EADDRINUSE);
  EXPECT_EQ(ErrnoOf(::bind, reserved->port(), /*reuse_address=*/true, /*then_listen=*/true), 0);
}

TEST(ReservedLocalPortTest, APortInUseCannotBeReserved) {
  const ClosedLocalPort closed;
  EXPECT_EQ(ReservedLocalPort::TryReserve(closed.port()), nullptr);
}

}  // namespace
}  // namespace hoptrace::http::testing
