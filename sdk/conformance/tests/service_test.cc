#include "hoptrace/sdk/conformance/service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "hoptrace/sdk/conformance/http_client.h"
#include "hoptrace/sdk/in_memory_exporter.h"
#include "hoptrace/sdk/tracer_provider.h"

namespace hoptrace::sdk::conformance {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;

const std::string kTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
const std::string kParentId = "00f067aa0ba902b7";
const std::string kTraceParent = "00-" + kTraceId + "-" + kParentId + "-01";

struct ReceivedRequest {
  std::string traceparent;
  std::string tracestate;
  std::string body;
};

// Plays the test suite's side: records each request it receives and answers 200.
class Receiver {
 public:
  Receiver() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    thread_ = std::thread([this] { AcceptUntilStopped(); });
  }
  ~Receiver() {
    stopping_ = true;
    tcp::socket wake_up(io_);  // unblocks the accept
    wake_up.connect(acceptor_.local_endpoint());
    thread_.join();
  }

  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/";
  }
  std::vector<ReceivedRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  void AcceptUntilStopped() {
    while (true) {
      tcp::socket socket(io_);
      acceptor_.accept(socket);
      if (stopping_) return;
      boost::beast::flat_buffer buffer;
      http::request<http::string_body> request;
      http::read(socket, buffer, request);
      Record(request);
      http::response<http::string_body> response(http::status::ok, request.version());
      response.keep_alive(false);
      response.prepare_payload();
      http::write(socket, response);
    }
  }

  void Record(const http::request<http::string_body>& request) {
    auto header = [&](std::string_view name) {
      const auto value = request[boost::beast::string_view(name.data(), name.size())];
      return std::string(value.data(), value.size());
    };
    std::lock_guard lock(mutex_);
    requests_.push_back({header("traceparent"), header("tracestate"), request.body()});
  }

  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::vector<ReceivedRequest> requests_;
  std::thread thread_;
};

class ServiceTest : public ::testing::Test {
 protected:
  ServiceTest()
      : provider_(MakeOptions(store_)), service_(provider_.GetTracer("conformance-test"), {.port = 0}) {}

  static TracerProviderOptions MakeOptions(std::shared_ptr<InMemorySpanStore>& store) {
    auto exporter = std::make_unique<InMemorySpanExporter>();
    store = exporter->store();
    TracerProviderOptions options;
    options.processors.push_back(std::make_unique<SimpleSpanProcessor>(std::move(exporter)));
    return options;
  }

  std::string ServiceUrl() const { return "http://127.0.0.1:" + std::to_string(service_.port()) + "/test"; }
  std::string CallTo(const std::string& url, const std::string& arguments) const {
    return R"({"url": ")" + url + R"(", "arguments": )" + arguments + "}";
  }
  std::vector<model::Span> SpansOfKind(model::SpanKind kind) const {
    std::vector<model::Span> spans;
    for (const auto& exported : store_->Spans()) {
      if (exported.span.kind == kind) spans.push_back(exported.span);
    }
    return spans;
  }

  std::shared_ptr<InMemorySpanStore> store_;
  TracerProvider provider_;
  TraceContextService service_;
  Receiver receiver_;
};

std::string TraceIdOf(const std::string& traceparent) {
  return traceparent.substr(3, 32);
}
std::string ParentIdOf(const std::string& traceparent) {
  return traceparent.substr(36, 16);
}

TEST_F(ServiceTest, ForwardsTheContextFromAClientSpanUnderTheServerSpan) {
  const std::string body =
      "[" + CallTo(receiver_.url(), R"([1, {"a": "b"}])") + ", " + CallTo(receiver_.url(), "{}") + "]";
  // Two tracestate lines: the service must combine them, as HTTP does.
  const auto response = PostJson(
      ServiceUrl(), body, {{"traceparent", kTraceParent}, {"tracestate", "foo=1"}, {"tracestate", "bar=2"}});
  EXPECT_EQ(response.status, 200);

  const auto received = receiver_.requests();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[0].body, R"([1,{"a":"b"}])");
  EXPECT_EQ(received[1].body, "{}");
  const auto servers = SpansOfKind(model::SpanKind::kServer);
  const auto clients = SpansOfKind(model::SpanKind::kClient);
  ASSERT_EQ(servers.size(), 1u);
  ASSERT_EQ(clients.size(), 2u);
  EXPECT_EQ(servers[0].trace_id.ToHex(), kTraceId);
  EXPECT_EQ(servers[0].parent_span_id.ToHex(), kParentId);
  for (std::size_t i = 0; i < received.size(); ++i) {
    const std::string& traceparent = received[i].traceparent;
    ASSERT_EQ(traceparent.size(), 55u) << traceparent;
    EXPECT_EQ(traceparent.substr(0, 3), "00-");
    EXPECT_EQ(TraceIdOf(traceparent), kTraceId);
    EXPECT_NE(ParentIdOf(traceparent), kParentId);
    EXPECT_EQ(traceparent.substr(53), "01");
    EXPECT_EQ(received[i].tracestate, "foo=1,bar=2");
    EXPECT_EQ(ParentIdOf(traceparent), clients[i].span_id.ToHex()) << "the CLIENT span is the new parent";
    EXPECT_EQ(clients[i].parent_span_id, servers[0].span_id);
  }
}

TEST_F(ServiceTest, HandlesCallsBackIntoItselfWhileARequestIsOpen) {
  const std::string nested = "[" + CallTo(receiver_.url(), "[]") + "]";
  const auto response =
      PostJson(ServiceUrl(), "[" + CallTo(ServiceUrl(), nested) + "]", {{"traceparent", kTraceParent}});
  EXPECT_EQ(response.status, 200);
  const auto received = receiver_.requests();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(TraceIdOf(received[0].traceparent), kTraceId);
  EXPECT_EQ(SpansOfKind(model::SpanKind::kServer).size(), 2u);
}

TEST_F(ServiceTest, InvalidTraceParentStartsANewTraceAndDropsTraceState) {
  const std::string upper_case =
      "00-" + std::string("4BF92F3577B34DA6A3CE929D0E0E4736") + "-" + kParentId + "-01";
  PostJson(ServiceUrl(), "[" + CallTo(receiver_.url(), "[]") + "]",
           {{"traceparent", upper_case}, {"tracestate", "foo=1"}});
  const auto received = receiver_.requests();
  ASSERT_EQ(received.size(), 1u);
  ASSERT_EQ(received[0].traceparent.size(), 55u);
  EXPECT_NE(TraceIdOf(received[0].traceparent), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(received[0].tracestate, "");
}

TEST_F(ServiceTest, MalformedBodiesAreBadRequests) {
  for (const std::string body : {"[{", "not json", R"({"url": "x"})", R"([{"arguments": []}])",
                                 R"([{"url": 5, "arguments": []}])", R"([{"url": "http://x/"}])"}) {
    EXPECT_EQ(PostJson(ServiceUrl(), body).status, 400) << body;
  }
  EXPECT_TRUE(receiver_.requests().empty());
}

TEST_F(ServiceTest, AFailedCallIsAnErrorSpanAndTheRestStillRun) {
  const std::string body = "[" + CallTo("http://127.0.0.1:1/", "[]") + ", " +
                           CallTo("https://example.invalid/", "[]") + ", " + CallTo(receiver_.url(), "[]") +
                           "]";
  EXPECT_EQ(PostJson(ServiceUrl(), body).status, 200);
  EXPECT_EQ(receiver_.requests().size(), 1u);
  const auto clients = SpansOfKind(model::SpanKind::kClient);
  ASSERT_EQ(clients.size(), 3u);
  EXPECT_EQ(clients[0].status.code, model::StatusCode::kError);
  EXPECT_EQ(clients[1].status.code, model::StatusCode::kError);
  EXPECT_EQ(clients[2].status.code, model::StatusCode::kUnset);
}

TEST_F(ServiceTest, OnlyPostIsAllowed) {
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), service_.port()));
  http::request<http::empty_body> request(http::verb::get, "/", 11);
  http::write(socket, request);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(socket, buffer, response);
  EXPECT_EQ(response.result(), http::status::method_not_allowed);
}

}  // namespace
}  // namespace hoptrace::sdk::conformance
