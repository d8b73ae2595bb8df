#include "hoptrace/http/server.h"

#include <algorithm>
#include <atomic>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "hoptrace/http/url.h"

namespace hoptrace::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// After answering a request the server will not read further (413, 400, timeouts), it keeps reading
// and discarding for this long before closing, so a client still sending its body sees the answer
// rather than a connection reset.
constexpr std::chrono::milliseconds kLingerTimeout{2000};
constexpr std::size_t kLingerChunkBytes = 64 * 1024;
// A connection keeps its last request body's storage for the next request up to this size.
constexpr std::size_t kKeptBodyBytes = 1 << 20;

// Boost 1.74's Beast speaks boost::string_view.
std::string ToString(boost::string_view text) { return std::string(text.data(), text.size()); }

Response DefaultErrorResponse(const Request&, unsigned status, std::string_view message) {
  return Response::Text(status, std::string(message) + "\n");
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

class ServerSession;

struct detail::ServerImpl {
  ServerImpl(ServerOptions server_options, Router server_router)
      : options(std::move(server_options)),
        router(std::move(server_router)),
        io(std::max(1, options.io_threads)),
        work(io.get_executor()),
        acceptor(asio::make_strand(io)),
        workers(static_cast<std::size_t>(std::max(1, options.worker_threads))) {
    if (!options.error_responder) options.error_responder = DefaultErrorResponse;
  }

  void Accept();
  void Register(const std::shared_ptr<ServerSession>& session);
  void Unregister(ServerSession* session);
  std::vector<std::shared_ptr<ServerSession>> LiveSessions();

  // Declared before `io`: sessions destroyed with the io_context unregister here.
  ServerOptions options;
  Router router;
  mutable std::mutex sessions_mutex;
  std::condition_variable sessions_gone;
  std::unordered_map<ServerSession*, std::weak_ptr<ServerSession>> sessions;
  std::atomic<bool> stopping{false};
  std::atomic<std::uint16_t> bound_port{0};

  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work;
  tcp::acceptor acceptor;  // on its own strand: Stop() closes it from outside
  asio::thread_pool workers;  // handlers run here
  std::vector<std::thread> io_threads;
  bool started = false;
  bool stopped = false;
};

// One connection: read a request, hand it to a worker, write the answer, repeat while keep-alive.
// Every socket operation runs on the connection's strand.
class ServerSession : public std::enable_shared_from_this<ServerSession> {
 public:
  ServerSession(detail::ServerImpl& server, tcp::socket socket)
      : server_(server), stream_(std::move(socket)), body_deadline_(stream_.get_executor()) {}
  ~ServerSession() { server_.Unregister(this); }

  void Start() {
    beast::error_code ignored;
    const tcp::endpoint remote = stream_.socket().remote_endpoint(ignored);
    if (!ignored) remote_address_ = remote.address().to_string();  // once: not a getpeername call per request
    server_.Register(shared_from_this());
    ReadHeader();
  }

  // Stop(): an idle connection closes now; a busy one closes after its response.
  void OnStop() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->state_ == State::kIdle) self->Close();
    });
  }

  void ForceClose() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] { self->Close(); });
  }

 private:
  enum class State { kIdle, kReading, kHandling, kWriting, kClosing };

  const ServerOptions& options() const { return server_.options; }

  void ReadHeader() {
    if (server_.stopping.load()) return Close();
    state_ = State::kIdle;
    // The last body's storage takes the next one: a large body costs no allocation (and no fresh pages)
    // per request on a keep-alive connection. Its bytes stay, so that sizing it for the next body of
    // known length zero-fills only what that body adds (the read overwrites the rest).
    spare_body_ = std::move(request_.body);
    if (spare_body_.capacity() > kKeptBodyBytes) spare_body_ = {};
    request_ = Request{};
    route_ = {};
    sized_body_read_ = false;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(options().max_header_bytes));
    parser_->body_limit(options().max_body_bytes);
    stream_.expires_after(options().idle_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    started_at_ = Clock::now();
    state_ = State::kReading;
    CopyHeader();
    if (ec) return OnReadError(ec, /*header_complete=*/ec == bhttp::error::body_limit);
    if (EqualsIgnoreCase(request_.Header("Expect"), "100-continue") && !parser_->is_done()) {
      continue_.emplace(bhttp::status::continue_, 11);
      stream_.expires_after(options().write_timeout);
      bhttp::async_write(stream_, *continue_, [self = shared_from_this()](beast::error_code write_ec, std::size_t) {
        if (write_ec) return self->Close();
        self->ReadBody();
      });
      return;
    }
    ReadBody();
  }

  void CopyHeader() {
    const auto& message = parser_->get();
    request_.method = ToString(message.method_string());
    request_.target = ToString(message.target());
    const auto [path, query] = SplitTarget(request_.target);
    request_.path = std::string(path);
    request_.query = std::string(query);
    for (const auto& field : message) {
      request_.headers.emplace_back(ToString(field.name_string()), ToString(field.value()));
    }
    request_.remote_address = remote_address_;
  }

  // The body's deadline is a timer of its own rather than the stream's expiry, which would close the
  // socket: a client that stalls mid-body gets a 408 it can read.
  void ReadBody() {
    if (parser_->is_done()) return OnBody({});
    stream_.expires_never();
    body_timed_out_ = false;
    body_deadline_.expires_after(options().read_timeout);
    body_deadline_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec) return;  // cancelled: the body arrived
      self->body_timed_out_ = true;
      self->stream_.socket().cancel(ec);
    });
    const auto length = parser_->content_length();
    if (length && !parser_->chunked()) return ReadSizedBody(*length);
    spare_body_.clear();
    parser_->get().body() = std::move(spare_body_);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnBody(ec); });
  }

  // A body of known length (the limit was checked with the header) is read straight into the request's
  // storage, each read as large as what is left: Beast's parser reads into buffer_ at most
  // max(512, buffer_'s spare capacity) bytes at a time (512 on a warm connection: 350 recvmsg per
  // OTLP request of 512 spans) and copies from there.
  void ReadSizedBody(std::uint64_t length) {
    std::string& body = request_.body;
    body = std::move(spare_body_);
    body.resize(length);
    const std::size_t buffered = std::min<std::size_t>(length, buffer_.size());
    asio::buffer_copy(asio::buffer(body.data(), buffered), buffer_.data());
    buffer_.consume(buffered);
    asio::async_read(stream_, asio::buffer(body.data() + buffered, length - buffered),
                     [self = shared_from_this(), buffered](beast::error_code ec, std::size_t read) {
                       self->OnSizedBody(ec, buffered + read);
                     });
  }

  void OnSizedBody(beast::error_code ec, std::size_t read) {
    body_deadline_.cancel();
    if (body_timed_out_) ec = beast::error::timeout;
    if (ec == asio::error::eof) ec = bhttp::error::partial_message;  // as Beast's parser words a cut-off body
    if (ec) {
      request_.body.resize(read);
      return OnReadError(ec, /*header_complete=*/true);
    }
    sized_body_read_ = true;
    Dispatch();
  }

  void OnBody(beast::error_code ec) {
    body_deadline_.cancel();
    if (body_timed_out_) ec = beast::error::timeout;
    if (ec) return OnReadError(ec, /*header_complete=*/true);
    request_.body = std::move(parser_->get().body());
    Dispatch();
  }

  bool RequestFullyRead() const { return sized_body_read_ || parser_->is_done(); }

  // A request that could not be read completely: answer when there is someone to answer, then close.
  void OnReadError(beast::error_code ec, bool header_complete) {
    if (ec == bhttp::error::end_of_stream || ec == asio::error::operation_aborted ||
        ec == asio::error::connection_reset || ec == asio::error::eof) {
      return Close();
    }
    if (ec == beast::error::timeout) {
      // Nothing of a next request arrived: an idle keep-alive connection, just close it.
      if (!header_complete && !parser_->got_some()) return Close();
      return RespondWithError(408, "request not received within the read timeout", /*close=*/true);
    }
    if (ec == bhttp::error::body_limit) {
      return RespondWithError(413, "request body exceeds the limit of " + std::to_string(options().max_body_bytes) +
                                       " bytes",
                              /*close=*/true);
    }
    if (ec == bhttp::error::header_limit) {
      return RespondWithError(431, "request header exceeds the limit of " +
                                       std::to_string(options().max_header_bytes) + " bytes",
                              /*close=*/true);
    }
    RespondWithError(400, "malformed HTTP request: " + ec.message(), /*close=*/true);
  }

  void Dispatch() {
    state_ = State::kHandling;
    Router::Match match = server_.router.Find(request_.method, request_.path);
    switch (match.kind) {
      case Router::Match::Kind::kNotFound:
        return RespondWithError(404, "no route for " + request_.path, /*close=*/false);
      case Router::Match::Kind::kBadPath:
        return RespondWithError(400, "malformed percent-escape in path " + request_.path, /*close=*/false);
      case Router::Match::Kind::kMethodNotAllowed: {
        Response response = server_.options.error_responder(
            request_, 405, "method " + request_.method + " not allowed for " + request_.path);
        response.SetHeader("Allow", match.allow);
        return Write(std::move(response), /*close=*/false);
      }
      case Router::Match::Kind::kFound:
        break;
    }
    route_ = match.pattern;
    request_.path_params = std::move(match.params);
    stream_.expires_never();  // the handler's time is its own; the write gets a fresh timeout
    asio::post(server_.workers, [self = shared_from_this(), handler = match.handler] {
      Response response = self->RunHandler(*handler);
      asio::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
        self->Write(std::move(response), /*close=*/false);
      });
    });
  }

  Response RunHandler(const Handler& handler) {
    try {
      return handler(request_);
    } catch (const std::exception& error) {
      return server_.options.error_responder(request_, 500, std::string("internal error: ") + error.what());
    } catch (...) {
      return server_.options.error_responder(request_, 500, "internal error");
    }
  }

  void RespondWithError(unsigned status, const std::string& message, bool close) {
    Write(server_.options.error_responder(request_, status, message), close);
  }

  void Write(Response response, bool close) {
    if (state_ == State::kClosing) return;
    state_ = State::kWriting;
    close_after_write_ = close || server_.stopping.load() || !parser_->get().keep_alive();
    response_ = {};
    response_.version(11);
    response_.result(response.status);
    for (auto& [name, value] : response.headers) response_.set(name, value);
    response_.set(bhttp::field::server, options().server_name);
    response_.keep_alive(!close_after_write_);
    response_.body() = std::move(response.body);
    response_.prepare_payload();
    Observe();
    stream_.expires_after(options().write_timeout);
    bhttp::async_write(stream_, response_,
                       [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnWrite(ec); });
  }

  void OnWrite(beast::error_code ec) {
    if (ec) return Close();
    if (!close_after_write_) return ReadHeader();
    // Half-close, then drain what the client may still be sending (bounded), then close.
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (RequestFullyRead()) return Close();
    state_ = State::kClosing;
    linger_buffer_.resize(kLingerChunkBytes);
    stream_.expires_after(std::min(kLingerTimeout, options().read_timeout));
    Linger();
  }

  void Linger() {
    stream_.async_read_some(asio::buffer(linger_buffer_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->Close();
      self->Linger();
    });
  }

  void Observe() {
    if (!options().observer) return;
    ExchangeRecord record;
    record.method = request_.method;
    record.path = request_.path;
    record.route = route_;
    record.status = response_.result_int();
    record.request_body_bytes = request_.body.empty() ? BodyBytesRead() : request_.body.size();
    record.response_body_bytes = response_.body().size();
    record.duration = Clock::now() - started_at_;
    options().observer(record);
  }

  std::size_t BodyBytesRead() const {
    const auto& body = parser_->get().body();
    return body.size();
  }

  void Close() {
    state_ = State::kClosing;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  detail::ServerImpl& server_;
  beast::tcp_stream stream_;
  asio::steady_timer body_deadline_;
  bool body_timed_out_ = false;
  bool sized_body_read_ = false;  // the body was read by ReadSizedBody, past the parser
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::response<bhttp::empty_body>> continue_;
  bhttp::response<bhttp::string_body> response_;
  std::vector<char> linger_buffer_;
  Request request_;
  std::string remote_address_;  // the peer's IP, empty when it could not be read
  std::string spare_body_;  // the last request's body storage, contents and all, for the next body
  std::string_view route_;
  State state_ = State::kIdle;
  bool close_after_write_ = false;
  Clock::time_point started_at_ = Clock::now();
};

void detail::ServerImpl::Accept() {
  acceptor.async_accept(asio::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;  // Stop()
    if (!ec) {
      bool full = false;
      {
        std::lock_guard lock(sessions_mutex);
        full = sessions.size() >= options.max_connections;
      }
      if (full || stopping.load()) {
        socket.close(ec);
      } else {
        std::make_shared<ServerSession>(*this, std::move(socket))->Start();
      }
    }
    Accept();
  });
}

void detail::ServerImpl::Register(const std::shared_ptr<ServerSession>& session) {
  std::lock_guard lock(sessions_mutex);
  sessions.emplace(session.get(), session);
}

void detail::ServerImpl::Unregister(ServerSession* session) {
  std::lock_guard lock(sessions_mutex);
  sessions.erase(session);
  if (sessions.empty()) sessions_gone.notify_all();
}

std::vector<std::shared_ptr<ServerSession>> detail::ServerImpl::LiveSessions() {
  std::vector<std::shared_ptr<ServerSession>> live;
  std::lock_guard lock(sessions_mutex);
  for (const auto& [pointer, weak] : sessions) {
    if (auto session = weak.lock()) live.push_back(std::move(session));
  }
  return live;
}

Server::Server(ServerOptions options, Router router)
    : impl_(std::make_unique<detail::ServerImpl>(std::move(options), std::move(router))) {}

Server::~Server() { Stop(); }

bool Server::Start(std::string* error) {
  if (impl_->started) {
    if (error) *error = "server already started";
    return false;
  }
  beast::error_code ec;
  const asio::ip::address address = asio::ip::make_address(impl_->options.bind_address, ec);
  if (ec) {
    if (error) *error = "invalid bind address '" + impl_->options.bind_address + "': " + ec.message();
    return false;
  }
  const tcp::endpoint endpoint(address, impl_->options.port);
  tcp::acceptor& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) impl_->bound_port = acceptor.local_endpoint(ec).port();
  if (ec) {
    if (error) {
      *error = "cannot listen on " + impl_->options.bind_address + ":" + std::to_string(impl_->options.port) + ": " +
               ec.message();
    }
    acceptor.close(ec);
    return false;
  }
  impl_->started = true;
  impl_->Accept();
  for (int i = 0; i < std::max(1, impl_->options.io_threads); ++i) {
    impl_->io_threads.emplace_back([impl = impl_.get()] { impl->io.run(); });
  }
  return true;
}

std::uint16_t Server::port() const { return impl_->bound_port.load(); }

const ServerOptions& Server::options() const { return impl_->options; }

std::size_t Server::connection_count() const {
  std::lock_guard lock(impl_->sessions_mutex);
  return impl_->sessions.size();
}

void Server::Stop() {
  detail::ServerImpl& impl = *impl_;
  if (impl.stopped) return;
  impl.stopped = true;
  impl.stopping = true;
  if (impl.started) {
    asio::post(impl.acceptor.get_executor(), [&impl] {
      beast::error_code ignored;
      impl.acceptor.close(ignored);
    });
    for (const auto& session : impl.LiveSessions()) session->OnStop();
    {
      std::unique_lock lock(impl.sessions_mutex);
      impl.sessions_gone.wait_for(lock, impl.options.stop_timeout, [&impl] { return impl.sessions.empty(); });
    }
    for (const auto& session : impl.LiveSessions()) session->ForceClose();
  }
  impl.workers.join();  // handlers in flight finish; their answers go nowhere once sockets are closed
  impl.work.reset();
  impl.io.stop();
  for (std::thread& thread : impl.io_threads) thread.join();
  impl.io_threads.clear();
}

}  // namespace hoptrace::http
