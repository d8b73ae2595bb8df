// `hoptrace serve` as an operator starts it: a port already taken is one clear line naming the role and
// the address, and exit code 1; nothing is left running.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "child_process.h"
#include "serve_process.h"

namespace hoptrace::cli::e2e {
namespace {

// A listening socket on 127.0.0.1 that holds an ephemeral port for as long as it lives.
class HeldPort {
 public:
  HeldPort() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 || ::listen(fd_, 1) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      throw std::runtime_error("cannot hold a port");
    }
    port_ = ntohs(address.sin_port);
  }
  ~HeldPort() { ::close(fd_); }
  HeldPort(const HeldPort&) = delete;
  HeldPort& operator=(const HeldPort&) = delete;
  std::uint16_t port() const { return port_; }

 private:
  int fd_;
  std::uint16_t port_ = 0;
};

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
    const HeldPort taken;
    const auto argv = ServeCommand(temp.path() / "data", {{role.flag, taken.port()}});
    const RunResult run = RunToCompletion(argv, temp.path(), kServeStartTimeout);
    ASSERT_FALSE(run.timed_out) << "serve kept running on a taken port\n" << run.out << run.err;
    EXPECT_EQ(run.status.code, 1) << run.status.Describe() << "\n" << run.err;
    const std::string address = "127.0.0.1:" + std::to_string(taken.port());
    EXPECT_EQ(
        Occurrences(run.err, "hoptrace serve: " + std::string(role.name) + ": cannot listen on " + address),
        1u)
        << run.err;
    EXPECT_EQ(Occurrences(run.err, role.name), 1u) << "the role is named more than once:\n" << run.err;
  }
}

}  // namespace
}  // namespace hoptrace::cli::e2e
