// `hoptrace serve` as an operator starts it: a port already taken is one clear line naming the role and
// the address, and exit code 1; nothing is left running.

#include <gtest/gtest.h>

#include <string>

#include "child_process.h"
#include "held_port.h"
#include "serve_process.h"

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

}  // namespace
}  // namespace hoptrace::cli::e2e
