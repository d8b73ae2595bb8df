#include "test_client.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace hoptrace::http::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

void SetSocketTimeouts(tcp::socket& socket, std::chrono::milliseconds timeout) {
  timeval value{};
  value.tv_sec = static_cast<decltype(value.tv_sec)>(timeout.count() / 1000);
  value.tv_usec = static_cast<decltype(value.tv_usec)>((timeout.count() % 1000) * 1000);
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &value, sizeof value);
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &value, sizeof value);
}

std::string ToString(boost::string_view text) { return std::string(text.data(), text.size()); }

}  // namespace

struct TestConnection::State {
  asio::io_context io;
  tcp::socket socket{io};
  beast::flat_buffer buffer;
};

TestConnection::TestConnection(std::uint16_t port, std::chrono::milliseconds timeout)
    : state_(std::make_unique<State>()) {
  beast::error_code ec;
  state_->socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  SetSocketTimeouts(state_->socket, timeout);
}

TestConnection::~TestConnection() = default;

std::optional<ClientResponse> TestConnection::Send(std::string_view method, std::string_view target,
                                                   std::string_view body, const Headers& headers) {
  bhttp::request<bhttp::string_body> request;
  request.method_string(boost::string_view(method.data(), method.size()));
  request.target(boost::string_view(target.data(), target.size()));
  request.version(11);
  request.set(bhttp::field::host, "127.0.0.1");
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = std::string(body);
  request.prepare_payload();
  beast::error_code ec;
  bhttp::write(state_->socket, request, ec);
  if (ec) return std::nullopt;
  return ReadResponse();
}

bool TestConnection::WriteRaw(std::string_view bytes) {
  beast::error_code ec;
  asio::write(state_->socket, asio::buffer(bytes.data(), bytes.size()), ec);
  return !ec;
}

std::optional<ClientResponse> TestConnection::ReadResponse() {
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(1ULL << 30);
  beast::error_code ec;
  bhttp::read(state_->socket, state_->buffer, parser, ec);
  if (ec) return std::nullopt;
  const auto& message = parser.get();
  ClientResponse response;
  response.status = message.result_int();
  for (const auto& field : message) {
    response.headers.emplace_back(ToString(field.name_string()), ToString(field.value()));
  }
  response.body = message.body();
  response.keep_alive = message.keep_alive();
  return response;
}

bool TestConnection::WaitForClose() {
  char byte;
  beast::error_code ec;
  while (true) {
    state_->socket.read_some(asio::buffer(&byte, 1), ec);
    if (!ec) continue;  // discard whatever is still in flight
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }
}

std::optional<ClientResponse> Fetch(std::uint16_t port, std::string_view method, std::string_view target,
                                    std::string_view body, const Headers& headers) {
  TestConnection connection(port);
  return connection.Send(method, target, body, headers);
}

}  // namespace hoptrace::http::testing
