#include "w3c_harness.h"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "hoptrace/sdk/conformance/http_client.h"

namespace hoptrace::sdk::conformance::w3c {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

constexpr auto kCallbackReadTimeout = std::chrono::seconds(5);

bool IsLowerHex(std::string_view text) {
  return text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

std::vector<std::string> LinesNamed(const HeaderLines& lines, std::string_view name) {
  std::vector<std::string> values;
  for (const auto& [key, value] : lines) {
    if (EqualsIgnoreCase(key, name)) values.push_back(value);
  }
  return values;
}

std::string_view TrimOws(std::string_view text) {
  const std::size_t first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

}  // namespace

std::optional<std::string> ReceivedTraceState::Get(const std::string& key) const {
  for (const auto& [member_key, value] : members) {
    if (member_key == key) return value;
  }
  return std::nullopt;
}

std::string ReceivedTraceState::Joined() const {
  std::string joined;
  for (const auto& [key, value] : members) joined += (joined.empty() ? "" : ",") + key + "=" + value;
  return joined;
}

std::optional<ReceivedTraceParent> TraceParentOf(const HeaderLines& callback, std::string* error) {
  const std::vector<std::string> values = LinesNamed(callback, "traceparent");
  if (values.size() != 1) {
    *error = "expected one traceparent line, got " + std::to_string(values.size());
    return std::nullopt;
  }
  const std::string& value = values.front();
  const bool shaped = value.size() == 55 && value[2] == '-' && value[35] == '-' && value[52] == '-';
  if (!shaped || value.substr(0, 2) != "00" || !IsLowerHex(value.substr(3, 32)) || !IsLowerHex(value.substr(36, 16)) ||
      !IsLowerHex(value.substr(53, 2))) {
    *error = "not a version-00 traceparent: '" + value + "'";
    return std::nullopt;
  }
  return ReceivedTraceParent{value.substr(3, 32), value.substr(36, 16), value.substr(53, 2)};
}

ReceivedTraceState TraceStateOf(const HeaderLines& callback) {
  ReceivedTraceState state;
  for (const std::string& line : LinesNamed(callback, "tracestate")) {
    std::string_view rest = line;
    while (!rest.empty()) {
      const std::size_t comma = rest.find(',');
      const std::string_view member = TrimOws(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      if (member.empty()) continue;
      const std::size_t equals = member.find('=');
      state.members.emplace_back(std::string(member.substr(0, equals)),
                                 equals == std::string_view::npos ? "" : std::string(member.substr(equals + 1)));
    }
  }
  return state;
}

Harness::Harness() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
  thread_ = std::thread([this] { AcceptUntilStopped(); });
}

Harness::~Harness() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  tcp::socket wake_up(io_);  // unblocks the accept
  boost::system::error_code ignored;
  wake_up.connect(acceptor_.local_endpoint(), ignored);
  thread_.join();
}

std::string Harness::CallbackUrl(int index) const {
  return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/" + std::to_string(index);
}

void Harness::AcceptUntilStopped() {
  while (true) {
    tcp::socket socket(io_);
    boost::system::error_code error;
    acceptor_.accept(socket, error);
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    if (error) continue;
    beast::tcp_stream stream(std::move(socket));
    stream.expires_after(kCallbackReadTimeout);
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    http::read(stream, buffer, request, error);
    if (error) continue;  // a service that sends garbage simply made no callback
    HeaderLines lines;
    for (const auto& field : request) {
      lines.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    {
      std::lock_guard lock(mutex_);
      received_[std::string(request.target())] = std::move(lines);
    }
    http::response<http::string_body> response(http::status::ok, request.version());
    response.keep_alive(false);
    response.prepare_payload();
    http::write(stream, response, error);
  }
}

std::vector<HeaderLines> Harness::Exchange(const std::string& service_url, const HeaderLines& headers, int callbacks) {
  {
    std::lock_guard lock(mutex_);
    received_.clear();
  }
  std::string body = "[";
  for (int i = 0; i < callbacks; ++i) {
    body += (i == 0 ? "" : ",") + std::string(R"({"url": ")") + CallbackUrl(i) + R"(", "arguments": []})";
  }
  body += "]";
  PostJson(service_url, body, headers);  // the service answers once every callback is done
  std::vector<HeaderLines> result;
  std::lock_guard lock(mutex_);
  for (int i = 0; i < callbacks; ++i) result.push_back(received_["/" + std::to_string(i)]);
  return result;
}

}  // namespace hoptrace::sdk::conformance::w3c
