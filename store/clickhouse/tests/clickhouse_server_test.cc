// The test servers' start: a server whose port another server holds is not taken for ready, however
// readily the other one answers.

#include "clickhouse_server.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace hoptrace::store::testing {
namespace {

namespace fs = std::filesystem;

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

}  // namespace
}  // namespace hoptrace::store::testing
