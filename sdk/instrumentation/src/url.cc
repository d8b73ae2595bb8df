#include "hoptrace/sdk/instrumentation/url.h"

#include <algorithm>
#include <array>
#include <charconv>

namespace hoptrace::sdk {
namespace {

constexpr std::string_view kRedacted = "REDACTED";
constexpr std::array<std::string_view, 4> kSensitiveQueryKeys = {"AWSAccessKeyId", "Signature", "sig",
                                                                 "X-Goog-Signature"};

std::optional<std::uint16_t> DefaultPort(std::string_view scheme) {
  if (scheme == "http") return 80;
  if (scheme == "https") return 443;
  return std::nullopt;
}

std::optional<std::uint16_t> ParsePort(std::string_view digits) {
  std::uint16_t port = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (digits.empty() || error != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return port;
}

// host, [v6], host:port or [v6]:port into `url`.
bool ParseHostPort(std::string_view host_port, HttpUrl& url) {
  std::string_view port_text;
  if (host_port.starts_with('[')) {
    const std::size_t close = host_port.find(']');
    if (close == std::string_view::npos) return false;
    url.host = host_port.substr(1, close - 1);
    const std::string_view rest = host_port.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':')) return false;
    if (!rest.empty()) port_text = rest.substr(1);
  } else {
    const std::size_t colon = host_port.rfind(':');
    url.host = host_port.substr(0, colon);
    if (colon != std::string_view::npos) port_text = host_port.substr(colon + 1);
  }
  if (url.host.empty()) return false;
  if (!port_text.empty()) {
    const auto port = ParsePort(port_text);
    if (!port) return false;
    url.port = *port;
  }
  return true;
}

}  // namespace

std::optional<HttpUrl> ParseHttpUrl(std::string_view text) {
  HttpUrl url;
  const std::size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  url.scheme = text.substr(0, scheme_end);
  const auto default_port = DefaultPort(url.scheme);
  if (!default_port) return std::nullopt;
  url.port = *default_port;
  std::string_view rest = text.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find('#'));
  const std::size_t authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  url.target = authority_end == std::string_view::npos ? std::string_view("/") : rest.substr(authority_end);
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    url.userinfo = authority.substr(0, at);
    authority.remove_prefix(at + 1);
  }
  if (!ParseHostPort(authority, url)) return std::nullopt;
  const std::size_t question = url.target.find('?');
  url.path = url.target.substr(0, question);
  if (question != std::string_view::npos) url.query = url.target.substr(question + 1);
  return url;
}

std::string RedactQuery(std::string_view query) {
  std::string redacted;
  redacted.reserve(query.size());
  while (true) {
    const std::size_t amp = query.find('&');
    const std::string_view parameter = query.substr(0, amp);
    const std::size_t equals = parameter.find('=');
    const std::string_view key = parameter.substr(0, equals);
    const bool sensitive =
        equals != std::string_view::npos &&
        std::find(kSensitiveQueryKeys.begin(), kSensitiveQueryKeys.end(), key) != kSensitiveQueryKeys.end();
    if (sensitive) {
      redacted.append(key).append(1, '=').append(kRedacted);
    } else {
      redacted.append(parameter);
    }
    if (amp == std::string_view::npos) break;
    redacted += '&';
    query.remove_prefix(amp + 1);
  }
  return redacted;
}

std::string RedactUrl(std::string_view text) {
  const auto url = ParseHttpUrl(text);
  if (!url) return std::string(text.substr(0, text.find('#')));
  // Rebuilt from the original text so host, port and path keep their exact spelling.
  const std::string_view authority_and_path = text.substr(url->scheme.size() + 3);
  std::string_view after_userinfo = authority_and_path;
  std::string redacted(url->scheme);
  redacted += "://";
  if (!url->userinfo.empty()) {
    redacted.append(kRedacted).append(1, ':').append(kRedacted).append(1, '@');
    after_userinfo.remove_prefix(url->userinfo.size() + 1);
  }
  const std::size_t target_start = after_userinfo.find_first_of("/?#");
  redacted.append(after_userinfo.substr(0, target_start));
  if (target_start != std::string_view::npos && after_userinfo[target_start] != '#')
    redacted.append(url->path);
  if (!url->query.empty()) redacted.append(1, '?').append(RedactQuery(url->query));
  return redacted;
}

}  // namespace hoptrace::sdk
