#include "hoptrace/http/client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace hoptrace::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

constexpr std::uint64_t kMaxResponseBodyBytes = 1ull << 30;  // bounds what one answer may take in memory

}  // namespace

std::optional<Url> ParseHttpUrl(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) return std::nullopt;
  url.remove_prefix(kScheme.size());
  Url parsed;
  const auto slash = url.find('/');
  const std::string_view authority = url.substr(0, slash);
  if (slash != std::string_view::npos) parsed.target = std::string(url.substr(slash));
  const auto colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']') == std::string_view::npos) {
    parsed.host = std::string(authority.substr(0, colon));
    parsed.port = std::string(authority.substr(colon + 1));
  } else {
    parsed.host = std::string(authority);
  }
  if (parsed.host.empty() || parsed.port.empty()) return std::nullopt;
  return parsed;
}

struct Client::Connection {
  asio::io_context io;
  beast::tcp_stream stream{io};
  bool open = false;
};

Client::Client(std::string_view base_url, std::chrono::milliseconds timeout)
    : base_(ParseHttpUrl(base_url)), timeout_(timeout), connection_(std::make_unique<Connection>()) {}

Client::~Client() = default;

std::optional<Response> Client::Get(std::string_view target, std::string* error) {
  return Send("GET", target, {}, {}, {}, error);
}

std::optional<Response> Client::Post(std::string_view target, std::string_view body, std::string_view content_type,
                                     std::string* error) {
  return Send("POST", target, body, content_type, {}, error);
}

std::optional<Response> Client::Post(std::string_view target, std::string_view body, std::string_view content_type,
                                     const Headers& headers, std::string* error) {
  return Send("POST", target, body, content_type, headers, error);
}

std::optional<Response> Client::Send(std::string_view method, std::string_view target, std::string_view body,
                                     std::string_view content_type, const Headers& headers, std::string* error) {
  if (!base_) {
    *error = "not an http://host:port URL";
    return std::nullopt;
  }
  Connection& connection = *connection_;
  // One retry on a fresh connection: the server may have closed an idle keep-alive connection.
  for (int attempt = 0; attempt < 2; ++attempt) {
    beast::error_code code;
    const bool reused = connection.open;
    if (!connection.open) {
      asio::ip::tcp::resolver resolver(connection.io);
      auto endpoints = resolver.resolve(base_->host, base_->port, code);
      connection.stream.expires_after(timeout_);
      if (!code) connection.stream.connect(endpoints, code);
      if (code) {
        *error = "cannot connect to " + base_->host + ":" + base_->port + ": " + code.message();
        return std::nullopt;
      }
      connection.open = true;
    }
    bhttp::request<bhttp::string_body> request{bhttp::string_to_verb(std::string(method)), std::string(target), 11};
    request.set(bhttp::field::host, base_->host);
    request.set(bhttp::field::user_agent, "hoptrace-cli");
    if (!content_type.empty()) request.set(bhttp::field::content_type, std::string(content_type));
    for (const auto& [name, value] : headers) request.set(name, value);
    request.body() = std::string(body);
    request.prepare_payload();
    connection.stream.expires_after(timeout_);
    bhttp::write(connection.stream, request, code);
    beast::flat_buffer buffer;
    // Beast refuses response bodies over 8 MiB by default; a page of ClickHouse rows is larger.
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(kMaxResponseBodyBytes);
    if (!code) bhttp::read(connection.stream, buffer, parser, code);
    bhttp::response<bhttp::string_body>& response = parser.get();
    if (code) {
      connection.stream.socket().close(code);
      connection.open = false;
      if (reused) continue;
      *error = "request to " + base_->host + ":" + base_->port + " failed: " + code.message();
      return std::nullopt;
    }
    if (!response.keep_alive()) {
      connection.stream.socket().close(code);
      connection.open = false;
    }
    Response result;
    result.status = response.result_int();
    for (const auto& field : response) result.headers.emplace_back(field.name_string(), field.value());
    result.body = std::move(response.body());
    return result;
  }
  *error = "the connection was closed twice";
  return std::nullopt;
}

}  // namespace hoptrace::http
