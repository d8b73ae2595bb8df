#include "hoptrace/sdk/conformance/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <stdexcept>

#include "hoptrace/sdk/instrumentation/url.h"
#include "socket_timeout.h"

namespace hoptrace::sdk::conformance {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;

HttpResponse PostJson(std::string_view url, std::string_view body, const HeaderList& headers,
                      std::chrono::milliseconds timeout) {
  const auto parts = ParseHttpUrl(url);
  if (!parts) throw std::invalid_argument("not an http(s) URL: " + std::string(url));
  if (parts->scheme != "http") throw std::invalid_argument("only http:// is supported: " + std::string(url));

  asio::io_context io;
  tcp::socket socket(io);
  asio::connect(socket, tcp::resolver(io).resolve(std::string(parts->host), std::to_string(parts->port)));
  SetSocketTimeouts(socket, timeout);

  http::request<http::string_body> request(http::verb::post, std::string(parts->target), 11);
  request.set(http::field::host, std::string(parts->host) + ":" + std::to_string(parts->port));
  request.set(http::field::content_type, "application/json");
  for (const auto& [name, value] : headers) request.insert(name, value);
  request.body() = std::string(body);
  request.prepare_payload();
  http::write(socket, request);

  boost::beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(socket, buffer, response);
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  return {static_cast<int>(response.result_int()), std::move(response.body())};
}

}  // namespace hoptrace::sdk::conformance
