#include "held_port.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace hoptrace::http::testing {
namespace {

// A socket bound to 127.0.0.1:`port` (0: one the kernel picks), or -1 with errno set.
int BoundSocket(std::uint16_t port, bool listen, bool shared) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int on = 1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  if (fd < 0 || (shared && ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0) ||
      ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      (listen && ::listen(fd, 16) != 0)) {
    const int error = errno;
    if (fd >= 0) ::close(fd);
    errno = error;
    return -1;
  }
  return fd;
}

std::uint16_t PortOf(int socket) {
  sockaddr_in address{};
  socklen_t length = sizeof(address);
  if (::getsockname(socket, reinterpret_cast<sockaddr*>(&address), &length) != 0) return 0;
  return ntohs(address.sin_port);
}

}  // namespace

HeldLocalPort::HeldLocalPort(bool listen) : socket_(BoundSocket(0, listen, /*shared=*/false)) {
  port_ = socket_ < 0 ? 0 : PortOf(socket_);
  if (port_ == 0) {
    const int error = errno;
    if (socket_ >= 0) ::close(socket_);
    throw std::system_error(error, std::generic_category(), "holding a loopback port");
  }
}

HeldLocalPort::HeldLocalPort(int socket, std::uint16_t port) : socket_(socket), port_(port) {}

HeldLocalPort::~HeldLocalPort() {
  ::close(socket_);
}

std::unique_ptr<ReservedLocalPort> ReservedLocalPort::TryReserve(std::uint16_t port) {
  const int socket = BoundSocket(port, /*listen=*/false, /*shared=*/true);
  if (socket < 0) return nullptr;
  return std::unique_ptr<ReservedLocalPort>(new ReservedLocalPort(socket, PortOf(socket)));
}

}  // namespace hoptrace::http::testing
