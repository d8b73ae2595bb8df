#pragma once
// One `hoptrace serve` process for a whole test suite (CTest runs each test in its own process, so
// in practice: per test), stopped with SIGTERM at the end; a stop that is not clean fails the suite.

#include <gtest/gtest.h>

#include <memory>
#include <string>

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

 private:
  static std::unique_ptr<TempDir> temp_;
  static std::unique_ptr<ServeProcess> serve_;
  static bool serve_started_;
  static std::string start_error_;
};

}  // namespace hoptrace::cli::e2e
