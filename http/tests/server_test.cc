// hoptrace::http::Server over real sockets on 127.0.0.1.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "hoptrace/http/server.h"
#include "hoptrace/http/url.h"
#include "test_client.h"

namespace hoptrace::http {
namespace {

using testing::ClientResponse;
using testing::Fetch;
using testing::TestConnection;
using namespace std::chrono_literals;

// A latch a handler can wait on, bounded so that a failing test cannot hang.
class Gate {
 public:
  void Open() { opened_.set_value(); }
  bool Wait() { return future_.wait_for(10s) == std::future_status::ready; }

 private:
  std::promise<void> opened_;
  std::shared_future<void> future_ = opened_.get_future().share();
};

class ServerTest : public ::testing::Test {
 protected:
  void StartServer(ServerOptions options = {}) {
    if (!options.observer) {
      options.observer = [this](const ExchangeRecord& record) {
        std::lock_guard lock(mutex_);
        records_.push_back({std::string(record.route), record.status, record.request_body_bytes});
      };
    }
    server_ = std::make_unique<Server>(std::move(options), std::move(router_));
    std::string error;
    ASSERT_TRUE(server_->Start(&error)) << error;
    ASSERT_NE(server_->port(), 0);
  }
  std::uint16_t port() const { return server_->port(); }

  struct Observed {
    std::string route;
    unsigned status;
    std::size_t body_bytes;
  };
  std::vector<Observed> records() {
    std::lock_guard lock(mutex_);
    return records_;
  }

  Router router_;
  std::mutex mutex_;
  std::vector<Observed> records_;
  std::unique_ptr<Server> server_;  // last: stopped before what its observer touches is gone
};

Handler Echo() {
  return [](Request& request) {
    const auto query = QueryParams::Parse(request.query);
    std::string body = request.method + " " + std::string(request.PathParam("id")) + " q=" +
                       std::string(query->Get("q").value_or("-")) + " body=" + request.body;
    Response response = Response::Text(200, std::move(body));
    response.SetHeader("X-Remote", request.remote_address);
    return response;
  };
}

TEST_F(ServerTest, RoutesWithParamsAndQueryOverOneKeepAliveConnection) {
  router_.Get("/api/traces/{id}", Echo()).Post("/api/traces/{id}", Echo());
  StartServer();

  TestConnection connection(port());
  const auto first = connection.Send("GET", "/api/traces/ab%20cd?q=x+y");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200u);
  EXPECT_EQ(first->body, "GET ab cd q=x y body=");
  EXPECT_EQ(first->Header("X-Remote"), "127.0.0.1");
  EXPECT_EQ(first->Header("Server"), "hoptrace");
  EXPECT_TRUE(first->keep_alive);

  const auto second = connection.Send("POST", "/api/traces/7", "payload");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->body, "POST 7 q=- body=payload");
  EXPECT_EQ(second->Header("X-Remote"), "127.0.0.1");
  EXPECT_EQ(server_->connection_count(), 1u);

  const auto observed = records();
  ASSERT_EQ(observed.size(), 2u);
  EXPECT_EQ(observed[1].route, "/api/traces/{id}");
  EXPECT_EQ(observed[1].body_bytes, 7u);
}

TEST_F(ServerTest, AnswersNotFoundAndMethodNotAllowedAndKeepsTheConnection) {
  router_.Post("/v1/traces", Echo());
  StartServer();
  TestConnection connection(port());
  const auto missing = connection.Send("GET", "/nope");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404u);
  const auto wrong_method = connection.Send("GET", "/v1/traces");
  ASSERT_TRUE(wrong_method);
  EXPECT_EQ(wrong_method->status, 405u);
  EXPECT_EQ(wrong_method->Header("Allow"), "POST");
  const auto allowed = connection.Send("POST", "/v1/traces");
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->status, 200u);
}

// Bodies of known length are read past Beast's parser, straight into the request: whole, however
// they arrive, without bytes of the next request or of a longer earlier body.
TEST_F(ServerTest, SizedBodiesArriveWholeInPiecesAndPipelined) {
  router_.Post("/upload", Echo());
  StartServer();
  TestConnection connection(port());
  std::string large(300 * 1024, ' ');
  for (std::size_t i = 0; i < large.size(); ++i) large[i] = static_cast<char>('a' + i % 26);
  const std::string header =
      "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(large.size()) + "\r\n\r\n";
  ASSERT_TRUE(connection.WriteRaw(header + large.substr(0, 100)));  // part of the body comes with the header
  ASSERT_TRUE(connection.WriteRaw(large.substr(100, 70'000)));
  ASSERT_TRUE(connection.WriteRaw(large.substr(70'100)));
  const auto whole = connection.ReadResponse();
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->status, 200u);
  EXPECT_TRUE(whole->body == "POST  q=- body=" + large) << whole->body.size();

  ASSERT_TRUE(connection.WriteRaw("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nfirst"
                                  "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nsecond"));
  const auto first = connection.ReadResponse();
  const auto second = connection.ReadResponse();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->body, "POST  q=- body=first");
  EXPECT_EQ(second->body, "POST  q=- body=second");

  const auto observed = records();
  ASSERT_EQ(observed.size(), 3u);
  EXPECT_EQ(observed[0].body_bytes, large.size());
  EXPECT_EQ(observed[1].body_bytes, 5u);
}

// A connection keeps its last body's storage, bytes included: no later body, sized, chunked or
// empty, shorter or longer, shows any of them.
TEST_F(ServerTest, BodiesOnOneConnectionShowNoBytesOfEarlierOnes) {
  router_.Post("/upload", Echo());
  StartServer();
  TestConnection connection(port());
  const std::string large(100 * 1024, 'x');
  const std::string chunked_request =
      "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
  const auto expect_body = [&](const std::optional<ClientResponse>& response, const std::string& body) {
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200u);
    EXPECT_TRUE(response->body == "POST  q=- body=" + body) << response->body.substr(0, 40) << " "
                                                             << response->body.size();
  };
  expect_body(connection.Send("POST", "/upload", large), large);
  expect_body(connection.Send("POST", "/upload", "short"), "short");
  ASSERT_TRUE(connection.WriteRaw(chunked_request));
  expect_body(connection.ReadResponse(), "abcde");
  expect_body(connection.Send("POST", "/upload"), "");
  expect_body(connection.Send("POST", "/upload", "longer than short"), "longer than short");
  expect_body(connection.Send("POST", "/upload", large.substr(0, 1000)), large.substr(0, 1000));
}

TEST_F(ServerTest, OversizeContentLengthIsRefusedBeforeTheBodyIsSent) {
  router_.Post("/upload", Echo());
  StartServer({.max_body_bytes = 1024});
  TestConnection connection(port());
  // Only the header is sent: the answer must come without the server waiting for 1 GiB.
  ASSERT_TRUE(connection.WriteRaw("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1073741824\r\n\r\n"));
  const auto response = connection.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 413u);
  EXPECT_NE(response->body.find("1024"), std::string::npos) << response->body;
  EXPECT_FALSE(response->keep_alive);

  const auto fine = Fetch(port(), "POST", "/upload", std::string(1024, 'x'));
  ASSERT_TRUE(fine);
  EXPECT_EQ(fine->status, 200u);
}

TEST_F(ServerTest, OversizeChunkedBodyIsCutOffWhileReading) {
  router_.Post("/upload", Echo());
  StartServer({.max_body_bytes = 1000});
  TestConnection connection(port());
  ASSERT_TRUE(connection.WriteRaw("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"));
  const std::string chunk = "258\r\n" + std::string(600, 'a') + "\r\n";  // 0x258 = 600 bytes
  ASSERT_TRUE(connection.WriteRaw(chunk));
  ASSERT_TRUE(connection.WriteRaw(chunk));  // 1200 > 1000; the terminating chunk never comes
  const auto response = connection.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 413u);
}

TEST_F(ServerTest, ExpectContinueGetsInterimResponseOnlyWhenTheBodyFits) {
  router_.Post("/upload", Echo());
  StartServer({.max_body_bytes = 100});
  {
    TestConnection connection(port());
    ASSERT_TRUE(connection.WriteRaw(
        "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
    const auto interim = connection.ReadResponse();
    ASSERT_TRUE(interim);
    EXPECT_EQ(interim->status, 100u);
    ASSERT_TRUE(connection.WriteRaw("hello"));
    const auto final_response = connection.ReadResponse();
    ASSERT_TRUE(final_response);
    EXPECT_EQ(final_response->status, 200u);
    EXPECT_EQ(final_response->body, "POST  q=- body=hello");
  }
  TestConnection connection(port());
  ASSERT_TRUE(connection.WriteRaw(
      "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\nExpect: 100-continue\r\n\r\n"));
  const auto refused = connection.ReadResponse();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 413u);
}

TEST_F(ServerTest, MalformedRequestGets400AndTheServerCarriesOn) {
  router_.Get("/ok", Echo());
  StartServer();
  TestConnection connection(port());
  ASSERT_TRUE(connection.WriteRaw("NOT HTTP AT ALL\r\n\r\n"));
  const auto response = connection.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 400u);
  EXPECT_TRUE(connection.WaitForClose());
  const auto fine = Fetch(port(), "GET", "/ok");
  ASSERT_TRUE(fine);
  EXPECT_EQ(fine->status, 200u);
}

TEST_F(ServerTest, OversizeHeaderGets431) {
  router_.Get("/ok", Echo());
  StartServer({.max_header_bytes = 512});
  const auto response = Fetch(port(), "GET", "/ok", "", {{"X-Big", std::string(2000, 'h')}});
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 431u);
}

TEST_F(ServerTest, ThrowingHandlerGets500) {
  router_.Get("/boom", [](Request&) -> Response { throw std::runtime_error("kaput"); });
  StartServer();
  const auto response = Fetch(port(), "GET", "/boom");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 500u);
  EXPECT_NE(response->body.find("kaput"), std::string::npos);
}

TEST_F(ServerTest, BlockingHandlerDoesNotStallOtherConnections) {
  Gate gate;
  std::atomic<bool> slow_finished{false};
  router_.Get("/slow", [&](Request&) {
    gate.Wait();
    slow_finished = true;
    return Response::Text(200, "slow");
  });
  router_.Get("/fast", [](Request&) { return Response::Text(200, "fast"); });
  StartServer({.io_threads = 1, .worker_threads = 2});

  auto slow = std::async(std::launch::async, [&] { return Fetch(port(), "GET", "/slow"); });
  const auto fast = Fetch(port(), "GET", "/fast");
  ASSERT_TRUE(fast);
  EXPECT_EQ(fast->body, "fast");
  EXPECT_FALSE(slow_finished.load());
  gate.Open();
  const auto slow_response = slow.get();
  ASSERT_TRUE(slow_response);
  EXPECT_EQ(slow_response->body, "slow");
}

TEST_F(ServerTest, IdleConnectionIsClosedAfterTheIdleTimeout) {
  router_.Get("/ok", Echo());
  StartServer({.idle_timeout = 200ms});
  TestConnection connection(port());
  ASSERT_TRUE(connection.Send("GET", "/ok"));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(connection.WaitForClose());
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, 150ms);
  EXPECT_LT(waited, 5s);
}

TEST_F(ServerTest, SlowBodyGets408AfterTheReadTimeout) {
  router_.Post("/upload", Echo());
  StartServer({.read_timeout = 200ms});
  TestConnection connection(port());
  ASSERT_TRUE(connection.WriteRaw("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"));
  const auto response = connection.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 408u);
}

TEST_F(ServerTest, CustomErrorResponderShapesServerErrors) {
  router_.Post("/v1/traces", Echo());
  StartServer({.max_body_bytes = 10,
               .error_responder = [](const Request& request, unsigned status, std::string_view message) {
                 return Response::Json(status, "{\"code\":" + std::to_string(status) + ",\"message\":\"" +
                                                   std::string(message) + "\",\"type\":\"" +
                                                   std::string(request.Header("Content-Type")) + "\"}");
               }});
  const auto response =
      Fetch(port(), "POST", "/v1/traces", std::string(11, 'x'), {{"Content-Type", "application/json"}});
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 413u);
  EXPECT_EQ(response->Header("Content-Type"), "application/json");
  EXPECT_NE(response->body.find("\"type\":\"application/json\""), std::string::npos) << response->body;
  const auto observed = records();
  ASSERT_EQ(observed.size(), 1u);
  EXPECT_EQ(observed[0].status, 413u);
}

TEST_F(ServerTest, StopAnswersTheRequestInFlightThenRefusesConnections) {
  Gate entered;
  Gate release;
  router_.Get("/slow", [&](Request&) {
    entered.Open();
    release.Wait();
    return Response::Text(200, "done");
  });
  StartServer();
  const std::uint16_t bound = port();
  TestConnection idle(bound);  // an idle keep-alive connection must not hold Stop up
  auto in_flight = std::async(std::launch::async, [&] { return Fetch(bound, "GET", "/slow"); });
  ASSERT_TRUE(entered.Wait());
  auto stopping = std::async(std::launch::async, [&] { server_->Stop(); });
  EXPECT_TRUE(idle.WaitForClose());
  release.Open();
  const auto response = in_flight.get();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "done");
  EXPECT_FALSE(response->keep_alive);
  ASSERT_EQ(stopping.wait_for(10s), std::future_status::ready);
  EXPECT_FALSE(Fetch(bound, "GET", "/slow"));
}

TEST_F(ServerTest, StartFailsWhenThePortIsTaken) {
  router_.Get("/ok", Echo());
  StartServer();
  Server second({.port = port()}, Router{});
  std::string error;
  EXPECT_FALSE(second.Start(&error));
  EXPECT_NE(error.find(std::to_string(port())), std::string::npos) << error;

  Server bad_address({.bind_address = "not-an-ip"}, Router{});
  EXPECT_FALSE(bad_address.Start(&error));
  EXPECT_NE(error.find("not-an-ip"), std::string::npos) << error;
}

TEST_F(ServerTest, ConnectionsBeyondTheLimitAreClosed) {
  router_.Get("/ok", Echo());
  StartServer({.max_connections = 1});
  TestConnection first(port());
  ASSERT_TRUE(first.Send("GET", "/ok"));
  TestConnection second(port());
  EXPECT_FALSE(second.Send("GET", "/ok"));
  ASSERT_TRUE(first.Send("GET", "/ok"));
}

}  // namespace
}  // namespace hoptrace::http
