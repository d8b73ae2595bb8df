#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "hoptrace/store/embedded_store.h"
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

// The head's settings, from a file and from flags, reach the embedded store's options.
TEST_F(ServeConfigTest, HeadSettingsReachTheStore) {
  std::string error;
  ASSERT_TRUE(Load("head-max-bytes: 67108864\ntrace-idle: 2s\n", {"--head-full-wait", "250ms"}, &error))
      << error;
  store::EmbeddedStoreOptions options;
  ASSERT_TRUE(EmbeddedStoreOptionsOf(config_, store::FsyncPolicy::kEveryWrite, std::chrono::hours(72),
                                     &options, &error))
      << error;
  EXPECT_EQ(options.head_max_bytes, 64u << 20);
  EXPECT_EQ(options.trace_idle, std::chrono::seconds(2));
  EXPECT_EQ(options.head_full_wait, std::chrono::milliseconds(250));
  EXPECT_EQ(options.retention_age, std::chrono::hours(72));
  EXPECT_EQ(options.data_dir, config_.data_dir);
}

// Without head settings, serve runs the store with the store's own defaults.
TEST(EmbeddedStoreOptionsOf, DefaultsAreTheStoresDefaults) {
  const store::EmbeddedStoreOptions defaults;
  store::EmbeddedStoreOptions options;
  std::string error;
  ASSERT_TRUE(EmbeddedStoreOptionsOf(ServeConfig{}, defaults.fsync, defaults.retention_age, &options, &error))
      << error;
  EXPECT_EQ(options.head_max_bytes, defaults.head_max_bytes);
  EXPECT_EQ(options.trace_idle, defaults.trace_idle);
  EXPECT_EQ(options.head_full_wait, defaults.head_full_wait);
  EXPECT_EQ(options.compaction_target_bytes, defaults.compaction_target_bytes);
  EXPECT_EQ(options.compaction_max_spans, defaults.compaction_max_spans);
  EXPECT_EQ(options.compaction_fanout, defaults.compaction_fanout);
}

TEST(EmbeddedStoreOptionsOf, OutOfRangeHeadSettingsAreRefusedByName) {
  const auto refusal = [](ServeConfig config) {
    store::EmbeddedStoreOptions options;
    std::string error;
    EXPECT_FALSE(EmbeddedStoreOptionsOf(config, store::FsyncPolicy::kEveryWrite, {}, &options, &error));
    return error;
  };
  ServeConfig config;
  config.trace_idle = "soon";
  EXPECT_NE(refusal(config).find("--trace-idle"), std::string::npos);
  config.trace_idle = "0s";
  EXPECT_NE(refusal(config).find("--trace-idle"), std::string::npos);
  config = {};
  config.head_full_wait = "-1s";
  EXPECT_NE(refusal(config).find("--head-full-wait"), std::string::npos);
  config = {};
  config.head_max_bytes = 4096;
  EXPECT_NE(refusal(config).find("--head-max-bytes"), std::string::npos);
}

// Run in a child: the limit is the process's, and the other tests must keep theirs.
TEST(RaiseOpenFileLimit, SetsTheSoftLimitToTheHardOne) {
  rlimit limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &limit), 0);
  if (limit.rlim_max <= 64) GTEST_SKIP() << "the hard limit leaves no room to lower the soft one";
  EXPECT_EXIT(
      {
        rlimit lowered = limit;
        lowered.rlim_cur = 64;
        std::string error;
        const bool raised = ::setrlimit(RLIMIT_NOFILE, &lowered) == 0 && RaiseOpenFileLimit(&error);
        rlimit now{};
        ::getrlimit(RLIMIT_NOFILE, &now);
        std::exit(raised && error.empty() && now.rlim_cur == limit.rlim_max ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace hoptrace::cli
