#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include <unistd.h>

#include "serve.h"

namespace hoptrace::cli {
namespace {

class ServeConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // CTest runs each test as its own process, in parallel: one file per test and process.
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = ::testing::TempDir() + "/serve_config_" + test->name() + "_" + std::to_string(::getpid()) + ".yaml";
    serve_ = AddServeCommand(app_, config_);
  }
  void TearDown() override { std::remove(path_.c_str()); }

  bool Load(const std::string& yaml, std::vector<std::string> flags, std::string* error) {
    std::ofstream(path_) << yaml;
    std::vector<std::string> args = {"hoptrace", "serve", "--config", path_};
    args.insert(args.end(), flags.begin(), flags.end());
    std::vector<const char*> argv;
    for (const auto& arg : args) argv.push_back(arg.c_str());
    app_.parse(static_cast<int>(argv.size()), argv.data());
    return ApplyConfigFile(*serve_, config_, error);
  }

  CLI::App app_;
  ServeConfig config_;
  CLI::App* serve_ = nullptr;
  std::string path_;
};

TEST_F(ServeConfigTest, FileSetsValuesAndFlagsWin) {
  std::string error;
  ASSERT_TRUE(Load("data-dir: /var/lib/hoptrace\nquery-port: 17000\nfsync: interval\nretention-age: 72h\n"
                   "max-queued-requests: 8\n",
                   {"--query-port", "18000"}, &error))
      << error;
  EXPECT_EQ(config_.data_dir, "/var/lib/hoptrace");
  EXPECT_EQ(config_.query_port, 18000);
  EXPECT_EQ(config_.fsync, "interval");
  EXPECT_EQ(config_.retention_age, "72h");
  EXPECT_EQ(config_.max_queued_requests, 8u);
}

TEST_F(ServeConfigTest, ErrorsNameTheLineAndChangeNothing) {
  std::string error;
  EXPECT_FALSE(Load("data-dir: /tmp/x\nquery-port: lots\n", {}, &error));
  EXPECT_NE(error.find("line 2: query-port: expected a port number"), std::string::npos) << error;
  EXPECT_EQ(config_.data_dir, "./hoptrace-data");  // the valid line before it was not applied either
}

TEST_F(ServeConfigTest, UnknownSettingsAndBadYamlAreRefused) {
  std::string error;
  EXPECT_FALSE(Load("data-dir: /tmp/x\nquery_prot: 1\n", {}, &error));
  EXPECT_NE(error.find("line 2: unknown setting 'query_prot'"), std::string::npos) << error;
  EXPECT_FALSE(Load("data-dir: [unclosed\n", {}, &error));
  EXPECT_NE(error.find("line "), std::string::npos) << error;
}

}  // namespace
}  // namespace hoptrace::cli
