#pragma once
// A small HTTP/1.1 server for the collector's receivers and the query API (Boost.Beast).
//
// - A few I/O threads do all socket work asynchronously; handlers run on a separate worker pool, so
//   a handler that blocks (a durable write, a slow query) never stalls other connections' I/O.
// - Keep-alive; requests on one connection are answered in order, one at a time.
// - The body limit is enforced while reading: a Content-Length over the limit gets 413 right after
//   the header (the body is never read), a chunked body is cut off as soon as it passes the limit.
//   "Expect: 100-continue" is honoured, so clients do not send bodies that would be refused.
// - Timeouts: a request header must arrive within `idle_timeout` of the connection opening or the
//   previous response (slow or idle clients are closed), its body within `read_timeout` after the
//   header; a response must be written within `write_timeout`.
// - Stop() is graceful: no new connections, idle connections close, requests in flight are answered
//   (with Connection: close) for up to `stop_timeout`; then everything is closed.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "hoptrace/http/message.h"
#include "hoptrace/http/router.h"

namespace hoptrace::http {

namespace detail {
struct ServerImpl;
}  // namespace detail

// Called for errors the server answers itself (400 unparsable request, 404, 405, 408, 413, 500 from a
// throwing handler), so a protocol can shape the body (e.g. OTLP's google.rpc.Status). `request` holds
// what was read: method, target, path, headers (the body may be missing). The default writes
// `message` as text/plain.
using ErrorResponder = std::function<Response(const Request& request, unsigned status, std::string_view message)>;

// What an exchange came to, for metrics and logs. Called on an I/O thread once the response is ready,
// just before it is written: keep it cheap.
struct ExchangeRecord {
  std::string_view method;
  std::string_view path;
  std::string_view route;  // the matched pattern; empty when none matched
  unsigned status = 0;
  std::size_t request_body_bytes = 0;  // as read (a refused oversize body: what was read of it)
  std::size_t response_body_bytes = 0;
  std::chrono::nanoseconds duration{0};  // from the request header read to the response ready
};
using ExchangeObserver = std::function<void(const ExchangeRecord& record)>;

struct ServerOptions {
  std::string bind_address = "127.0.0.1";  // loopback by default; "0.0.0.0" / "::" to listen everywhere
  std::uint16_t port = 0;                  // 0: an ephemeral port, see Server::port()
  int io_threads = 1;
  int worker_threads = 2;  // handlers run here
  std::size_t max_body_bytes = 4 * 1024 * 1024;
  std::size_t max_header_bytes = 16 * 1024;
  std::chrono::milliseconds read_timeout{30'000};
  std::chrono::milliseconds write_timeout{30'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds stop_timeout{5'000};
  std::size_t max_connections = 1024;  // beyond this, new connections are closed at once
  std::string server_name = "hoptrace";  // the Server header
  ErrorResponder error_responder;        // null: text/plain
  ExchangeObserver observer;             // null: none
};

class Server {
 public:
  Server(ServerOptions options, Router router);
  ~Server();  // Stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds, listens and starts the threads. Returns false (with `error`) when the address cannot be
  // bound (in use, not local, malformed). Call once.
  bool Start(std::string* error);
  // The bound port (useful with port 0); 0 before Start.
  std::uint16_t port() const;
  const ServerOptions& options() const;

  // Graceful stop, see above. Idempotent; safe from any thread except a handler.
  void Stop();

  // Connections open now.
  std::size_t connection_count() const;

 private:
  std::unique_ptr<detail::ServerImpl> impl_;
};

}  // namespace hoptrace::http
