#include "hoptrace/sdk/exporters/otlp/http_client.h"

#include <gtest/gtest.h>

#include <thread>

#include "held_port.h"
#include "hoptrace/sdk/exporters/otlp/gzip.h"
#include "http_test_receiver.h"

namespace hoptrace::sdk::exporters::otlp {
namespace {

using std::chrono::milliseconds;
using testing::HttpTestReceiver;
using testing::ScriptedHttpResponse;

HttpUrl MustParse(std::string_view text) {
  std::string error;
  std::optional<HttpUrl> url = HttpUrl::Parse(text, &error);
  EXPECT_TRUE(url.has_value()) << error;
  return url.value_or(HttpUrl{});
}

TEST(GzipTest, RoundTrips) {
  std::string data;
  for (int i = 0; i < 10000; ++i) data += "span " + std::to_string(i) + ";";
  const std::string compressed = GzipCompress(data);
  EXPECT_LT(compressed.size(), data.size() / 3);
  EXPECT_EQ(static_cast<unsigned char>(compressed[0]), 0x1f);  // gzip magic
  EXPECT_EQ(GzipDecompress(compressed), data);
  EXPECT_EQ(GzipDecompress(GzipCompress("")), "");
  EXPECT_EQ(GzipDecompress("not gzip at all"), std::nullopt);
}

TEST(HttpUrlTest, ParsesTheParts) {
  const HttpUrl url = MustParse("http://collector.example:4318/v1/traces");
  EXPECT_EQ(url.scheme, "http");
  EXPECT_EQ(url.host, "collector.example");
  EXPECT_EQ(url.port, "4318");
  EXPECT_EQ(url.target, "/v1/traces");
  EXPECT_EQ(url.HostHeader(), "collector.example:4318");

  const HttpUrl defaults = MustParse("HTTP://localhost");
  EXPECT_EQ(defaults.scheme, "http");
  EXPECT_EQ(defaults.port, "80");
  EXPECT_EQ(defaults.target, "/");

  const HttpUrl ipv6 = MustParse("http://[::1]:4318/x?y=1");
  EXPECT_EQ(ipv6.host, "::1");
  EXPECT_EQ(ipv6.port, "4318");
  EXPECT_EQ(ipv6.target, "/x?y=1");
  EXPECT_EQ(ipv6.HostHeader(), "[::1]:4318");
}

TEST(HttpUrlTest, RejectsMalformedUrls) {
  std::string error;
  EXPECT_FALSE(HttpUrl::Parse("localhost:4318", &error));
  EXPECT_FALSE(HttpUrl::Parse("ftp://host/x", &error));
  EXPECT_FALSE(HttpUrl::Parse("http://:4318/x", &error));
  EXPECT_FALSE(HttpUrl::Parse("http://host:port/x", &error));
  EXPECT_FALSE(error.empty());
}

TEST(RetryAfterTest, ParsesSecondsAndHttpDates) {
  const auto now = std::chrono::system_clock::from_time_t(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
  EXPECT_EQ(ParseRetryAfter("1", now), std::chrono::seconds(1));
  EXPECT_EQ(ParseRetryAfter(" 120 ", now), std::chrono::seconds(120));
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:40 GMT", now), std::chrono::seconds(3));
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:00:00 GMT", now), milliseconds(0));  // already past
  EXPECT_EQ(ParseRetryAfter("", now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("soon", now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("-5", now), std::nullopt);
}

TEST(HttpClientTest, PostsAndReusesTheConnection) {
  HttpTestReceiver receiver;
  HttpClient client(MustParse(receiver.Url()), milliseconds(2000));
  for (int i = 0; i < 3; ++i) {
    std::string error;
    const std::optional<HttpResponse> response =
        client.Post({{"Content-Type", "application/x-protobuf"}, {"X-Tenant", "acme"}}, "payload " + std::to_string(i),
                    Clock::now() + milliseconds(2000), &error);
    ASSERT_TRUE(response) << error;
    EXPECT_EQ(response->status, 200u);
  }
  const auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[2].method, "POST");
  EXPECT_EQ(requests[2].target, "/v1/traces");
  EXPECT_EQ(requests[2].body, "payload 2");
  EXPECT_EQ(requests[2].Header("x-tenant"), "acme");
  EXPECT_EQ(requests[2].Header("Host"), "127.0.0.1:" + std::to_string(receiver.port()));
  EXPECT_EQ(receiver.connections_accepted(), 1);
  EXPECT_EQ(client.connections_opened(), 1);
}

TEST(HttpClientTest, ReconnectsWhenTheServerClosesTheConnection) {
  HttpTestReceiver receiver;
  HttpClient client(MustParse(receiver.Url()), milliseconds(2000));
  receiver.Respond({.status = 200, .headers = {{"Connection", "close"}}});
  std::string error;
  ASSERT_TRUE(client.Post({}, "a", Clock::now() + milliseconds(2000), &error)) << error;
  ASSERT_TRUE(client.Post({}, "b", Clock::now() + milliseconds(2000), &error)) << error;
  EXPECT_EQ(receiver.requests().size(), 2u);
  EXPECT_EQ(client.connections_opened(), 2);
}

TEST(HttpClientTest, ConnectionRefusedFailsFast) {
  const hoptrace::http::testing::ClosedLocalPort closed;
  HttpClient client(MustParse(testing::LoopbackUrl(closed.port())), milliseconds(10000));
  const auto start = Clock::now();
  std::string error;
  EXPECT_FALSE(client.Post({}, "x", start + milliseconds(10000), &error));
  // Fails at once rather than at the deadline (10 s); the rest is room for a loaded machine.
  EXPECT_LT(Clock::now() - start, milliseconds(5000));
  EXPECT_NE(error.find("connect to 127.0.0.1"), std::string::npos) << error;
}

TEST(HttpClientTest, SlowServerTimesOutAtTheDeadline) {
  HttpTestReceiver receiver;
  receiver.Respond({.status = 200, .delay = milliseconds(3000)});
  HttpClient client(MustParse(receiver.Url()), milliseconds(2000));
  const auto start = Clock::now();
  std::string error;
  EXPECT_FALSE(client.Post({}, "x", start + milliseconds(300), &error));
  const auto elapsed = Clock::now() - start;
  EXPECT_GE(elapsed, milliseconds(250));
  EXPECT_LT(elapsed, milliseconds(1500));
  EXPECT_NE(error.find("receive from"), std::string::npos) << error;
}

TEST(HttpClientTest, CancelAbortsTheRequestInFlight) {
  HttpTestReceiver receiver;
  receiver.Respond({.status = 200, .delay = milliseconds(5000)});
  HttpClient client(MustParse(receiver.Url()), milliseconds(2000));
  std::thread canceller([&] {
    receiver.WaitForRequests(1, milliseconds(2000));
    client.Cancel();
  });
  const auto start = Clock::now();
  std::string error;
  EXPECT_FALSE(client.Post({}, "x", start + milliseconds(10000), &error));
  canceller.join();
  EXPECT_LT(Clock::now() - start, milliseconds(2000));
  // Once cancelled, the client stays cancelled.
  EXPECT_FALSE(client.Post({}, "y", Clock::now() + milliseconds(1000), &error));
  EXPECT_EQ(receiver.requests().size(), 1u);
}

}  // namespace
}  // namespace hoptrace::sdk::exporters::otlp
