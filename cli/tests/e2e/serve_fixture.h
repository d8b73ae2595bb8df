#pragma once
// One `hoptrace serve` process for a whole test suite (CTest runs each test in its own process, so
// in practice: per test), stopped with SIGTERM at the end; a stop that is not clean fails the suite.

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "child_process.h"
#include "serve_process.h"

namespace hoptrace::cli::e2e {

class ServeFixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override { ASSERT_TRUE(serve_started_) << start_error_; }

  static ServeProcess& serve() { return *serve_; }
  static const std::filesystem::path& scratch() { return temp_->path(); }

  // Runs a `hoptrace` command (explain, hotspots, ...) to completion in the suite's scratch directory.
  static RunResult Hoptrace(std::vector<std::string> args) {
    args.insert(args.begin(), HoptraceBinary().string());
    return RunToCompletion(args, scratch(), std::chrono::seconds(60));
  }
  // The suite's query API, for commands that take --server.
  static std::string QueryUrl() { return "http://127.0.0.1:" + std::to_string(serve().ports().query); }

 private:
  static std::unique_ptr<TempDir> temp_;
  static std::unique_ptr<ServeProcess> serve_;
  static bool serve_started_;
  static std::string start_error_;
};

}  // namespace hoptrace::cli::e2e
