#include "http_test_receiver.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <algorithm>
#include <functional>
#include <optional>

#include "hoptrace/sdk/exporters/otlp/gzip.h"

namespace hoptrace::sdk::exporters::otlp::testing {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr std::size_t kMaxRequestBodyBytes = 64 * 1024 * 1024;

}  // namespace

std::string ReceivedHttpRequest::Header(std::string_view name) const {
  return std::string(FindHeader(headers, name));
}

std::string ReceivedHttpRequest::DecodedBody() const {
  if (Header("Content-Encoding") != "gzip") return body;
  return GzipDecompress(body).value_or("<invalid gzip>");
}

struct HttpTestReceiver::Server {
  net::io_context io;
  tcp::acceptor acceptor{io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)};
};

namespace {

// One connection: read a request, answer it (after the scripted delay), repeat while keep-alive.
class Session : public std::enable_shared_from_this<Session> {
 public:
  using Recorder = std::function<ScriptedHttpResponse(ReceivedHttpRequest)>;
  Session(tcp::socket socket, Recorder record)
      : socket_(std::move(socket)), timer_(socket_.get_executor()), record_(std::move(record)) {}

  void Read() {
    parser_.emplace();
    parser_->body_limit(kMaxRequestBodyBytes);
    http::async_read(socket_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (!ec) self->Answer();
    });
  }

 private:
  void Answer() {
    http::request<http::string_body> request = parser_->release();
    ReceivedHttpRequest received{Clock::now(), std::string(request.method_string()), std::string(request.target()),
                                 {}, std::move(request.body())};
    for (const auto& field : request) {
      received.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    const bool json = received.Header("Content-Type") == "application/json";
    ScriptedHttpResponse scripted = record_(std::move(received));

    response_ = {};
    response_.version(11);
    response_.result(scripted.status);
    response_.set(http::field::content_type, json ? "application/json" : "application/x-protobuf");
    response_.keep_alive(request.keep_alive());
    for (const auto& [name, value] : scripted.headers) response_.set(name, value);  // may say Connection: close
    response_.body() = scripted.body.empty() && json ? "{}" : scripted.body;
    response_.prepare_payload();

    timer_.expires_after(scripted.delay);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->Write();
    });
  }

  void Write() {
    http::async_write(socket_, response_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;
      if (self->response_.keep_alive()) {
        self->Read();
      } else {
        self->socket_.shutdown(tcp::socket::shutdown_send, ec);
      }
    });
  }

  tcp::socket socket_;
  net::steady_timer timer_;
  Recorder record_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
};

}  // namespace

HttpTestReceiver::HttpTestReceiver() : server_(std::make_unique<Server>()) {
  port_ = server_->acceptor.local_endpoint().port();
  Accept();
  thread_ = std::thread([this] { server_->io.run(); });
}

void HttpTestReceiver::Accept() {
  server_->acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec) return;
    ++connections_accepted_;
    auto record = [this](ReceivedHttpRequest request) { return Record(std::move(request)); };
    std::make_shared<Session>(std::move(socket), std::move(record))->Read();
    Accept();
  });
}

HttpTestReceiver::~HttpTestReceiver() {
  server_->io.stop();
  thread_.join();
}

std::string HttpTestReceiver::Url(std::string_view path) const { return LoopbackUrl(port_, path); }

std::string LoopbackUrl(std::uint16_t port, std::string_view path) {
  return "http://127.0.0.1:" + std::to_string(port) + std::string(path);
}

}  // namespace hoptrace::sdk::exporters::otlp::testing
