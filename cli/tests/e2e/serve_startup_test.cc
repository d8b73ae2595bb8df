// `hoptrace serve` as an operator starts it: a port already taken is one clear line naming the role and
// the address, and exit code 1; nothing is left running. Once up, /metrics has what a Prometheus
// operator's dashboards expect of any process.

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "child_process.h"
#include "held_port.h"
#include "serve_process.h"
#include "test_client.h"

namespace hoptrace::cli::e2e {
namespace {

std::size_t Occurrences(const std::string& text, const std::string& part) {
  std::size_t count = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size())) ++count;
  return count;
}

struct Role {
  const char* flag;  // the port option
  const char* name;  // how serve's error names it
};

TEST(ServeStartupTest, TakenPortIsOneClearErrorAndExitCode1) {
  for (const Role role :
       {Role{"--otlp-grpc-port", "otlp_grpc receiver"}, Role{"--otlp-http-port", "otlp_http receiver"},
        Role{"--zipkin-port", "zipkin receiver"}, Role{"--query-port", "query API"}}) {
    SCOPED_TRACE(role.flag);
    TempDir temp;
    const http::testing::SilentLocalPort taken;  // listening, as another server's port would be
    const auto argv = ServeCommand(temp.path() / "data", {{role.flag, taken.port()}});
    const RunResult run = RunToCompletion(argv, temp.path(), kServeStartTimeout);
    ASSERT_FALSE(run.timed_out) << "serve kept running on a taken port\n" << run.out << run.err;
    EXPECT_EQ(run.status.code, 1) << run.status.Describe() << "\n" << run.err;
    EXPECT_EQ(Occurrences(run.err, "hoptrace serve: " + std::string(role.name) + ": cannot listen on " +
                                       taken.address()),
              1u)
        << run.err;
    EXPECT_EQ(Occurrences(run.err, role.name), 1u) << "the role is named more than once:\n" << run.err;
  }
}

// The value on the line `name value` of a /metrics body; -1 when there is none.
double MetricValue(const std::string& body, const std::string& name) {
  const std::string prefix = "\n" + name + " ";
  const std::size_t at = body.find(prefix);
  return at == std::string::npos ? -1 : std::stod(body.substr(at + prefix.size()));
}

TEST(ServeStartupTest, MetricsHaveTheProcessFamilies) {
  TempDir temp;
  ServeProcess serve(temp.path() / "data");
  std::string error;
  ASSERT_TRUE(serve.Start(&error)) << error;
  const auto metrics = http::testing::Fetch(serve.ports().query, "GET", "/metrics");
  ASSERT_TRUE(metrics && metrics->status == 200);
  const std::string& body = metrics->body;
  EXPECT_NE(body.find("# TYPE process_cpu_seconds_total counter\n"), std::string::npos) << body;
  EXPECT_GT(MetricValue(body, "process_resident_memory_bytes"), 1 << 20) << body;
  EXPECT_GT(MetricValue(body, "process_open_fds"), 4) << body;  // four listening sockets at least
  EXPECT_GT(MetricValue(body, "process_max_fds"), 0) << body;
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const double started = MetricValue(body, "process_start_time_seconds");
  EXPECT_LE(started, now + 1) << body;
  EXPECT_GT(started, now - 2 * 60) << body;  // the server this test started
  EXPECT_TRUE(serve.Terminate().has_value());
}

}  // namespace
}  // namespace hoptrace::cli::e2e
