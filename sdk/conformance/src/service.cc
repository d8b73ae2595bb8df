#include "hoptrace/sdk/conformance/service.h"

#include <simdjson.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "hoptrace/sdk/conformance/http_client.h"
#include "hoptrace/sdk/instrumentation/http.h"
#include "hoptrace/sdk/propagation/carriers.h"
#include "hoptrace/sdk/propagation/trace_context.h"
#include "socket_timeout.h"

namespace hoptrace::sdk::conformance {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

// An idle keep-alive connection is closed after this long.
constexpr std::chrono::seconds kIdleTimeout{60};

struct Call {
  std::string url;
  std::string arguments;  // JSON, forwarded as the request body
};

// The body is a JSON array of {"url": string, "arguments": any}; nullopt when it is not.
std::optional<std::vector<Call>> ParseCalls(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::array elements;
  if (parser.parse(body).get_array().get(elements) != simdjson::SUCCESS) return std::nullopt;
  std::vector<Call> calls;
  for (simdjson::dom::element element : elements) {
    std::string_view url;
    simdjson::dom::element arguments;
    if (element["url"].get_string().get(url) != simdjson::SUCCESS ||
        element["arguments"].get(arguments) != simdjson::SUCCESS) {
      return std::nullopt;
    }
    calls.push_back({std::string(url), simdjson::minify(arguments)});
  }
  return calls;
}

// Boost 1.74's Beast speaks boost::string_view.
std::string_view ToStd(beast::string_view text) {
  return {text.data(), text.size()};
}

// The request's header lines, for a carrier (repeated tracestate lines are joined by it).
HeaderList HeadersOf(const Request& request) {
  HeaderList headers;
  for (const auto& field : request) headers.emplace_back(ToStd(field.name_string()), ToStd(field.value()));
  return headers;
}

Response MakeResponse(const Request& request, http::status status, std::string body = {}) {
  Response response(status, request.version());
  response.keep_alive(request.keep_alive());
  if (!body.empty()) response.set(http::field::content_type, "text/plain");
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

}  // namespace

class TraceContextService::Impl {
 public:
  Impl(Tracer& tracer, ServiceOptions options)
      : tracer_(tracer),
        options_(std::move(options)),
        acceptor_(io_, tcp::endpoint(asio::ip::make_address(options_.host), options_.port)),
        port_(acceptor_.local_endpoint().port()) {
    Accept();
    accept_thread_ = std::thread([this] { io_.run(); });
  }

  ~Impl() { Stop(); }

  std::uint16_t port() const { return port_; }

  void Stop() {
    if (stopped_.exchange(true)) return;
    asio::post(io_, [this] { acceptor_.close(); });
    accept_thread_.join();
    std::list<Connection> connections;
    {
      std::lock_guard lock(connections_mutex_);
      // Unblocks the connection threads' reads; the sockets themselves are theirs to close.
      for (auto& connection : connections_) ::shutdown(connection.socket->native_handle(), SHUT_RDWR);
      connections.swap(connections_);
    }
    for (auto& connection : connections) connection.thread.join();
  }

 private:
  struct Connection {
    std::shared_ptr<tcp::socket> socket;
    std::shared_ptr<std::atomic<bool>> done;
    std::thread thread;
  };

  void Accept() {
    acceptor_.async_accept([this](boost::system::error_code error, tcp::socket socket) {
      if (error) return;  // the acceptor was closed
      StartConnection(std::make_shared<tcp::socket>(std::move(socket)));
      Accept();
    });
  }

  // A thread per connection: a handler blocks on its forwarded calls, which may come back here.
  void StartConnection(std::shared_ptr<tcp::socket> socket) {
    std::lock_guard lock(connections_mutex_);
    ReapFinishedConnections();
    auto done = std::make_shared<std::atomic<bool>>(false);
    std::thread thread([this, socket, done] {
      Serve(*socket);
      done->store(true);
    });
    connections_.push_back({std::move(socket), std::move(done), std::move(thread)});
  }

  void ReapFinishedConnections() {
    for (auto it = connections_.begin(); it != connections_.end();) {
      if (!it->done->load()) {
        ++it;
        continue;
      }
      it->thread.join();
      it = connections_.erase(it);
    }
  }

  void Serve(tcp::socket& socket) {
    SetSocketTimeouts(socket, kIdleTimeout);
    beast::flat_buffer buffer;
    boost::system::error_code error;
    while (!stopped_) {
      Request request;
      http::read(socket, buffer, request, error);
      if (error) break;  // closed, timed out, or not HTTP
      const Response response = Handle(request, socket);
      http::write(socket, response, error);
      if (error || !response.keep_alive()) break;
    }
    socket.shutdown(tcp::socket::shutdown_both, error);
  }

  Response Handle(const Request& request, const tcp::socket& socket) {
    if (request.method() != http::verb::post) {
      Response response = MakeResponse(request, http::status::method_not_allowed, "POST only\n");
      response.set(http::field::allow, "POST");
      return response;
    }
    const HeaderList headers = HeadersOf(request);
    const HeaderCarrier incoming(headers);
    boost::system::error_code ignored;
    const std::string client_address = socket.remote_endpoint(ignored).address().to_string();
    HttpSpan server = StartHttpServerSpan(tracer_, propagator_,
                                          {.method = ToStd(request.method_string()),
                                           .target = ToStd(request.target()),
                                           .headers = &incoming,
                                           .server_address = options_.host,
                                           .server_port = port(),
                                           .client_address = client_address});
    const auto calls = ParseCalls(request.body());
    if (!calls) {
      server.Finish(400);
      return MakeResponse(request, http::status::bad_request,
                          "expected a JSON array of {\"url\", \"arguments\"}\n");
    }
    for (const Call& call : *calls) Forward(call, server.context());
    server.Finish(200);
    return MakeResponse(request, http::status::ok);
  }

  void Forward(const Call& call, const SpanContext& parent) {
    HeaderList headers;
    HeaderCarrier outgoing(headers);
    HttpSpan client = StartHttpClientSpan(
        tracer_, propagator_, {.method = "POST", .url = call.url, .headers = &outgoing, .parent = parent});
    try {
      client.Finish(PostJson(call.url, call.arguments, headers).status);
    } catch (const std::exception& error) {
      client.FinishWithError(error);  // one failing call does not stop the others
    }
  }

  Tracer& tracer_;
  const ServiceOptions options_;
  const TraceContextPropagator propagator_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  const std::uint16_t port_;
  std::thread accept_thread_;
  std::atomic<bool> stopped_{false};
  std::mutex connections_mutex_;
  std::list<Connection> connections_;
};

TraceContextService::TraceContextService(Tracer& tracer, ServiceOptions options)
    : impl_(std::make_unique<Impl>(tracer, std::move(options))) {}

TraceContextService::~TraceContextService() = default;

std::uint16_t TraceContextService::port() const {
  return impl_->port();
}

void TraceContextService::Stop() {
  impl_->Stop();
}

}  // namespace hoptrace::sdk::conformance
