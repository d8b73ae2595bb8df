#include "hoptrace/sdk/exporters/otlp/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/version.hpp>
#include <algorithm>
#include <cctype>
#include <ctime>
#include <iomanip>
#include <locale>
#include <sstream>

namespace hoptrace::sdk::exporters::otlp {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr std::size_t kMaxResponseBodyBytes = 4 * 1024 * 1024;
constexpr const char* kUserAgent = "hoptrace-otlp-cpp/0.1";

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

}  // namespace

std::optional<HttpUrl> HttpUrl::Parse(std::string_view url, std::string* error) {
  HttpUrl out;
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    *error = "endpoint '" + std::string(url) + "' has no scheme (expected http://host:port/path)";
    return std::nullopt;
  }
  out.scheme = std::string(url.substr(0, scheme_end));
  std::transform(out.scheme.begin(), out.scheme.end(), out.scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (out.scheme != "http" && out.scheme != "https") {
    *error = "endpoint '" + std::string(url) + "' has unsupported scheme '" + out.scheme + "'";
    return std::nullopt;
  }
  std::string_view rest = url.substr(scheme_end + 3);
  const std::size_t path_start = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, path_start);
  out.target = path_start == std::string_view::npos ? "/" : std::string(rest.substr(path_start));
  if (out.target.front() == '?') out.target.insert(0, "/");

  std::string_view host = authority;
  std::string_view port;
  if (authority.starts_with('[')) {  // [IPv6]:port
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      *error = "endpoint '" + std::string(url) + "' has an unterminated IPv6 address";
      return std::nullopt;
    }
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') port = authority.substr(close + 2);
  } else if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) {
    *error = "endpoint '" + std::string(url) + "' has no host";
    return std::nullopt;
  }
  if (!port.empty() && !std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); })) {
    *error = "endpoint '" + std::string(url) + "' has an invalid port";
    return std::nullopt;
  }
  out.host = std::string(host);
  out.port = port.empty() ? (out.scheme == "https" ? "443" : "80") : std::string(port);
  return out;
}

std::string HttpUrl::HostHeader() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + port;
}

std::string_view FindHeader(const HttpHeaders& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return {};
}

std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value,
                                                         std::chrono::system_clock::time_point now) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c); })) {
    if (value.size() > 9) return std::nullopt;  // absurd; also keeps the arithmetic in range
    return std::chrono::seconds(std::stoll(std::string(value)));
  }
  std::tm date{};
  std::istringstream in{std::string(value)};
  in.imbue(std::locale::classic());
  in >> std::get_time(&date, "%a, %d %b %Y %H:%M:%S GMT");
  if (in.fail()) return std::nullopt;
  const auto at = std::chrono::system_clock::from_time_t(timegm(&date));
  return std::max(std::chrono::milliseconds(0), std::chrono::duration_cast<std::chrono::milliseconds>(at - now));
}

// The socket and the io_context that drives it. Every operation is started asynchronously and
// the io_context is run until it completes or the deadline passes, which gives the synchronous
// caller timeouts (Beast's blocking calls have none) and lets Cancel() stop it from outside.
struct HttpClient::Connection {
  net::io_context io;
  tcp::resolver resolver{io};
  tcp::socket socket{io};
  beast::flat_buffer buffer;
  std::atomic<bool> cancelled{false};

  template <typename Start>
  beast::error_code Run(Start&& start, Clock::time_point deadline) {
    beast::error_code result;
    bool done = false;
    start([&](const beast::error_code& ec, auto&&...) {
      result = ec;
      done = true;
    });
    io.restart();  // clears a stop() from Cancel(), so check `cancelled` after it
    if (!cancelled) io.run_until(deadline);
    if (done) return result;
    Close();
    return cancelled ? beast::error_code(net::error::operation_aborted) : beast::error_code(beast::error::timeout);
  }

  // Closes the socket and drains the handlers of aborted operations.
  void Close() {
    resolver.cancel();
    beast::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
    buffer.clear();
    io.restart();
    io.run();
  }

  beast::error_code Connect(const HttpUrl& url, Clock::time_point deadline) {
    tcp::resolver::results_type endpoints;
    beast::error_code ec = Run(
        [&](auto handler) {
          resolver.async_resolve(url.host, url.port,
                                 [&endpoints, handler](const beast::error_code& error, tcp::resolver::results_type found) {
                                   endpoints = std::move(found);
                                   handler(error);
                                 });
        },
        deadline);
    if (ec) return ec;
    ec = Run([&](auto handler) { net::async_connect(socket, endpoints, handler); }, deadline);
    if (!ec) socket.set_option(tcp::no_delay(true), ec);
    return ec;
  }
};

HttpClient::HttpClient(HttpUrl url, std::chrono::milliseconds connect_timeout)
    : url_(std::move(url)), connect_timeout_(connect_timeout), connection_(std::make_unique<Connection>()) {}

HttpClient::~HttpClient() { connection_->Close(); }

void HttpClient::Cancel() {
  connection_->cancelled = true;
  connection_->io.stop();
}

std::optional<HttpResponse> HttpClient::Post(const HttpHeaders& headers, std::string_view body,
                                             Clock::time_point deadline, std::string* error) {
  Connection& c = *connection_;
  http::request<http::string_body> request{http::verb::post, url_.target, 11};
  request.set(http::field::host, url_.HostHeader());
  request.set(http::field::user_agent, kUserAgent);
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = std::string(body);
  request.keep_alive(true);
  request.prepare_payload();

  // A reused keep-alive connection may have been closed by the server while idle; that shows as
  // a failed send or receive, and deserves one more try on a fresh connection.
  for (int try_number = 0; try_number < 2; ++try_number) {
    const bool reused = c.socket.is_open();
    std::string_view step = "connect to";
    beast::error_code ec;
    if (!reused) {
      ec = c.Connect(url_, std::min(deadline, Clock::now() + connect_timeout_));
      if (!ec) ++connections_opened_;
    }
    if (!ec) {
      step = "send to";
      ec = c.Run([&](auto handler) { http::async_write(c.socket, request, handler); }, deadline);
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxResponseBodyBytes);
    if (!ec) {
      step = "receive from";
      ec = c.Run([&](auto handler) { http::async_read(c.socket, c.buffer, parser, handler); }, deadline);
    }
    if (!ec) {
      http::response<http::string_body> message = parser.release();
      if (!message.keep_alive()) c.Close();
      HttpResponse response;
      response.status = message.result_int();
      for (const auto& field : message) {
        response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
      }
      response.body = std::move(message.body());
      return response;
    }
    c.Close();
    const bool stale_connection = reused && ec != beast::error::timeout && !c.cancelled;
    if (!stale_connection) {
      *error = std::string(step) + " " + url_.HostHeader() + ": " + ec.message();
      return std::nullopt;
    }
  }
  *error = "connection to " + url_.HostHeader() + " closed twice in a row";
  return std::nullopt;
}

}  // namespace hoptrace::sdk::exporters::otlp
