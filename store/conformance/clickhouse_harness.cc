// The conformance suite against ClickHouse: one real clickhouse-server for the whole binary, a fresh
// database and backlog per test.

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>

#include "clickhouse_server.h"
#include "hoptrace/store/clickhouse_store.h"
#include "store_harness.h"

namespace hoptrace::store::conformance {
namespace {

// Started on first use, stopped and deleted at exit.
struct SharedServerState {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("hoptrace-conformance-ch-" + std::to_string(::getpid()));
  std::unique_ptr<testing::ClickHouseServer> server;
  SharedServerState() {
    std::string error;
    server = testing::ClickHouseServer::Start(dir, {}, "", &error);
    if (!server) ADD_FAILURE() << error;
  }
  ~SharedServerState() {
    server.reset();
    std::filesystem::remove_all(dir);
  }
};

testing::ClickHouseServer* SharedServer() {
  static SharedServerState state;
  return state.server.get();
}

class ClickHouseHarness final : public StoreHarness {
 public:
  ClickHouseHarness() {
    static std::atomic<int> counter{0};
    const std::string name = "conformance_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
    dir_ = std::filesystem::temp_directory_path() / ("hoptrace-" + name);
    options_.urls = {SharedServer() ? SharedServer()->url() : "http://127.0.0.1:1"};
    options_.database = name;
    options_.backlog_dir = (dir_ / "backlog").string();
    options_.fsync = false;
    options_.background = false;
    options_.log = [](std::string_view) {};
    options_.clock = [this] { return now_.load(); };
    Status status = InitClickHouseSchema(options_);
    if (status.ok()) status = ClickHouseStore::Open(options_, &store_);
    if (!status.ok()) ADD_FAILURE() << status.message();
  }
  ~ClickHouseHarness() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  Store& store() override { return *store_; }
  void Settle() override { EXPECT_TRUE(store_->WaitShipped(std::chrono::seconds(20))); }
  void ApplyRetention(std::uint64_t now_unix_nano, std::chrono::seconds age) override {
    Settle();
    store_.reset();
    options_.retention_age = age;
    now_ = now_unix_nano;
    ASSERT_TRUE(ClickHouseStore::Open(options_, &store_).ok());
    const Status status = store_->ApplyRetention();
    EXPECT_TRUE(status.ok()) << status.message();
  }

 private:
  std::filesystem::path dir_;
  ClickHouseOptions options_;
  std::atomic<std::uint64_t> now_{0};
  std::unique_ptr<ClickHouseStore> store_;
};

}  // namespace

HarnessFactory ConformanceFactory() {
  return {"ClickHouse", [] { return std::make_unique<ClickHouseHarness>(); }};
}

}  // namespace hoptrace::store::conformance
