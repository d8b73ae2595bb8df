#pragma once
// Splitting and redacting http(s) URLs, for the HTTP helpers' attributes and for simple clients.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hoptrace::sdk {

struct HttpUrl {
  std::string_view scheme;    // "http" or "https", as written
  std::string_view userinfo;  // "user:password" before '@'; empty when absent
  std::string_view host;      // without the brackets of an IPv6 literal
  std::uint16_t port = 0;     // as written, else the scheme's default
  std::string_view target;    // path and query, "/" when the URL has no path; no fragment
  std::string_view path;
  std::string_view query;  // after '?'; empty when absent
};

// Parses an absolute http:// or https:// URL; nullopt for other schemes or a malformed authority.
std::optional<HttpUrl> ParseHttpUrl(std::string_view url);

// A query string with the values of sensitive parameters (AWSAccessKeyId, Signature, sig,
// X-Goog-Signature) replaced by "REDACTED", as the HTTP semantic conventions ask.
std::string RedactQuery(std::string_view query);

// The URL for `url.full`: credentials become "REDACTED:REDACTED", sensitive query values are
// redacted and the fragment is dropped.
std::string RedactUrl(std::string_view url);

}  // namespace hoptrace::sdk
