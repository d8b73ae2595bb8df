// The test servers' start: a server whose port another server holds is not taken for ready, however
// readily the other one answers. And their restart: a stopped server's ports stay its own.

#include "clickhouse_server.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "hoptrace/http/client.h"

namespace hoptrace::store::testing {
namespace {

namespace fs = std::filesystem;

// errno of binding 127.0.0.1:`port` as a parallel test's server would (0: bound).
int BindError(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  const int error = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 ? 0 : errno;
  ::close(fd);
  return error;
}

class ClickHouseServerTest : public ::testing::Test {
 protected:
  void TearDown() override { fs::remove_all(dir_); }  // after the test body stopped its servers

  const fs::path dir_ = fs::temp_directory_path() / ("hoptrace-clickhouse-server-" + std::to_string(::getpid()));
};

TEST_F(ClickHouseServerTest, AServerOnPortsAnotherHoldsIsNotTakenForReady) {
  std::string error;
  const auto first = ClickHouseServer::Start(dir_ / "first", {}, "", &error);
  ASSERT_NE(first, nullptr) << error;

  // On the first one's ports the second cannot listen, while /ping there reaches the first.
  const auto second = ClickHouseServer::Start(dir_ / "second", first->ports(), "", &error);
  EXPECT_EQ(second, nullptr) << "taken for ready on ports the first server holds";
  EXPECT_NE(error.find("exited at start"), std::string::npos) << error;
}

TEST_F(ClickHouseServerTest, AStoppedServersPortsStayReservedAndItRestartsOnThem) {
  std::string error;
  const auto server = ClickHouseServer::Start(dir_ / "server", {}, "", &error);
  ASSERT_NE(server, nullptr) << error;
  const ClickHouseServer::Ports ports = server->ports();

  server->Stop();
  // Nothing ever connected to the TCP port, so no TIME_WAIT socket could be what refuses the bind.
  EXPECT_EQ(BindError(ports.tcp), EADDRINUSE);
  EXPECT_EQ(BindError(ports.http), EADDRINUSE);
  http::Client client(server->url(), std::chrono::seconds(5));
  EXPECT_FALSE(client.Post("/", "SELECT 1", "text/plain", &error)) << "answered while stopped";

  ASSERT_TRUE(server->Restart(&error)) << error;
  EXPECT_EQ(server->ports().http, ports.http);
  EXPECT_EQ(server->ports().tcp, ports.tcp);
  const auto answer = client.Post("/", "SELECT 1", "text/plain", &error);
  ASSERT_TRUE(answer) << error;
  EXPECT_EQ(answer->body, "1\n");
}

}  // namespace
}  // namespace hoptrace::store::testing
