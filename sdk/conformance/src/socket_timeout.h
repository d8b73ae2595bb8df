#pragma once
// Send/receive timeouts for blocking sockets: Beast's own timeouts apply to asynchronous
// operations only, and a peer that never answers must not hold a thread forever.

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/ip/tcp.hpp>
#include <chrono>

namespace hoptrace::sdk::conformance {

inline void SetSocketTimeouts(boost::asio::ip::tcp::socket& socket, std::chrono::milliseconds timeout) {
  timeval value{};
  value.tv_sec = static_cast<decltype(value.tv_sec)>(timeout.count() / 1000);
  value.tv_usec = static_cast<decltype(value.tv_usec)>((timeout.count() % 1000) * 1000);
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &value, sizeof value);
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &value, sizeof value);
}

}  // namespace hoptrace::sdk::conformance
