#include "hoptrace/sdk/instrumentation/url.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hoptrace::sdk {
namespace {

struct UrlCase {
  std::string url;
  bool valid;
  std::string host = {};
  std::uint16_t port = 0;
  std::string target = {};
  std::string query = {};
};

TEST(ParseHttpUrlTest, Cases) {
  const std::vector<UrlCase> cases = {
      {"http://example.com", true, "example.com", 80, "/"},
      {"https://example.com/a/b?x=1#frag", true, "example.com", 443, "/a/b?x=1", "x=1"},
      {"http://127.0.0.1:5000/test", true, "127.0.0.1", 5000, "/test"},
      {"http://user:pw@host:81/p", true, "host", 81, "/p"},
      {"http://[::1]:8080/p", true, "::1", 8080, "/p"},
      {"http://[::1]/p", true, "::1", 80, "/p"},
      {"http://host?q=1", true, "host", 80, "?q=1", "q=1"},
      {"ftp://host/", false},
      {"host/path", false},
      {"http:///path", false},
      {"http://host:99999/", false},
      {"http://host:8x/", false},
      {"http://[::1/", false},
  };
  for (const auto& c : cases) {
    const auto url = ParseHttpUrl(c.url);
    ASSERT_EQ(url.has_value(), c.valid) << c.url;
    if (!url) continue;
    EXPECT_EQ(url->host, c.host) << c.url;
    EXPECT_EQ(url->port, c.port) << c.url;
    EXPECT_EQ(url->target, c.target) << c.url;
    EXPECT_EQ(url->query, c.query) << c.url;
  }
}

TEST(RedactTest, Query) {
  EXPECT_EQ(RedactQuery("a=1&sig=secret&Signature=x&AWSAccessKeyId=k&X-Goog-Signature=g&b"),
            "a=1&sig=REDACTED&Signature=REDACTED&AWSAccessKeyId=REDACTED&X-Goog-Signature=REDACTED&b");
  EXPECT_EQ(RedactQuery(""), "");
  EXPECT_EQ(RedactQuery("signature=lowercase-is-not-listed"), "signature=lowercase-is-not-listed");
}

TEST(RedactTest, Url) {
  EXPECT_EQ(RedactUrl("https://user:pw@example.com:8443/p?sig=abc&x=1#frag"),
            "https://REDACTED:REDACTED@example.com:8443/p?sig=REDACTED&x=1");
  EXPECT_EQ(RedactUrl("http://example.com"), "http://example.com");
  EXPECT_EQ(RedactUrl("http://example.com#top"), "http://example.com");
  EXPECT_EQ(RedactUrl("http://[::1]:80/a"), "http://[::1]:80/a");
  EXPECT_EQ(RedactUrl("not a url#x"), "not a url");
}

}  // namespace
}  // namespace hoptrace::sdk
