#include "byte_counting_proxy.h"

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

namespace hoptrace::sdk::exporters::otlp::testing {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using boost::system::error_code;

namespace {

// One proxied connection: bytes are pumped both ways until either side closes.
class Tunnel : public std::enable_shared_from_this<Tunnel> {
 public:
  Tunnel(tcp::socket client, tcp::socket server, std::atomic<std::size_t>& upstream_bytes)
      : client_(std::move(client)), server_(std::move(server)), upstream_bytes_(upstream_bytes) {}

  void Start() {
    Pump(client_, server_, upstream_buffer_, &upstream_bytes_);
    Pump(server_, client_, downstream_buffer_, nullptr);
  }

 private:
  using Buffer = std::array<char, 16 * 1024>;

  void Pump(tcp::socket& from, tcp::socket& to, Buffer& buffer, std::atomic<std::size_t>* counter) {
    from.async_read_some(net::buffer(buffer), [self = shared_from_this(), &from, &to, &buffer, counter](
                                                  error_code ec, std::size_t size) {
      if (ec) return self->Close();
      if (counter != nullptr) *counter += size;
      net::async_write(to, net::buffer(buffer.data(), size),
                       [self, &from, &to, &buffer, counter](error_code write_ec, std::size_t) {
                         if (write_ec) return self->Close();
                         self->Pump(from, to, buffer, counter);
                       });
    });
  }

  void Close() {
    error_code ignored;
    client_.close(ignored);
    server_.close(ignored);
  }

  tcp::socket client_;
  tcp::socket server_;
  std::atomic<std::size_t>& upstream_bytes_;
  Buffer upstream_buffer_;
  Buffer downstream_buffer_;
};

}  // namespace

struct ByteCountingProxy::Server {
  net::io_context io;
  tcp::acceptor acceptor{io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)};
};

ByteCountingProxy::ByteCountingProxy(std::uint16_t target_port)
    : server_(std::make_unique<Server>()), target_port_(target_port) {
  port_ = server_->acceptor.local_endpoint().port();
  Accept();
  thread_ = std::thread([this] { server_->io.run(); });
}

ByteCountingProxy::~ByteCountingProxy() {
  server_->io.stop();
  thread_.join();
}

void ByteCountingProxy::Accept() {
  server_->acceptor.async_accept([this](error_code ec, tcp::socket client) {
    if (ec) return;
    tcp::socket upstream(server_->io);
    upstream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), target_port_), ec);  // local: instant
    if (!ec) std::make_shared<Tunnel>(std::move(client), std::move(upstream), upstream_bytes_)->Start();
    Accept();
  });
}

}  // namespace hoptrace::sdk::exporters::otlp::testing
