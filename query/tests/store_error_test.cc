// A store that cannot answer is an error the user sees, not an empty result: the query API over
// real sockets, on the real ClickHouse store whose ClickHouse is unreachable (a port held bound that
// nothing listens on), answers 503 with Retry-After and the store's message, in each endpoint's shape.

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include "api_test_server.h"
#include "held_port.h"
#include "hoptrace/store/clickhouse_store.h"
#include "hoptrace/store/store_error.h"
#include "test_client.h"

namespace hoptrace::query {
namespace {

namespace fs = std::filesystem;

class StoreErrorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    backlog_ = fs::temp_directory_path() / ("hoptrace-store-error-" + std::to_string(::getpid()) + "-" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    store::ClickHouseOptions options;
    options.urls = {"http://127.0.0.1:" + std::to_string(closed_.port())};
    options.backlog_dir = backlog_.string();
    options.background = false;
    options.request_timeout = std::chrono::seconds(2);
    options.log = [](std::string_view) {};
    ASSERT_TRUE(store::ClickHouseStore::Open(options, &store_).ok());  // down is no reason to refuse writes
    server_ = std::make_unique<testing::ApiTestServer>(*store_, registry_);
    std::string error;
    ASSERT_TRUE(server_->Start(&error)) << error;
  }
  void TearDown() override {
    server_.reset();
    store_.reset();
    fs::remove_all(backlog_);
  }

  fs::path backlog_;
  const http::testing::ClosedLocalPort closed_;  // where the store's ClickHouse would be
  metrics::Registry registry_;
  std::unique_ptr<store::ClickHouseStore> store_;
  std::unique_ptr<testing::ApiTestServer> server_;
};

TEST_F(StoreErrorTest, TheStoreThrowsInsteadOfFindingNothing) {
  const model::TraceId id = model::TraceId::FromHighLow(1, 2);
  try {
    store_->GetTrace(id);
    FAIL() << "GetTrace answered while ClickHouse is down";
  } catch (const store::StoreError& error) {
    EXPECT_TRUE(error.transient());
    EXPECT_NE(std::string(error.what()).find("ClickHouse at http://127.0.0.1:"), std::string::npos) << error.what();
  }
  EXPECT_THROW(store_->Search({}), store::StoreError);
  EXPECT_THROW(store_->Services(), store::StoreError);
  EXPECT_FALSE(store_->ForEachTrace({}, [](const model::TraceBatch&) { return true; }).ok());
  store::ServiceEdges edges;
  EXPECT_FALSE(store_->ServiceGraphEdges({}, &edges).ok());
}

TEST_F(StoreErrorTest, JaegerAndNativeEndpointsAnswer503WithTheReason) {
  for (const char* target : {"/api/traces/00000000000000010000000000000002", "/api/traces?service=checkout",
                             "/api/services", "/api/v2/traces/00000000000000010000000000000002",
                             "/api/search?q=%7B%20duration%20%3E%3D%200ms%20%7D", "/api/v2/dependencies",
                             "/api/v2/hotspots?service=checkout"}) {
    const auto response = http::testing::Fetch(server_->port(), "GET", target);
    ASSERT_TRUE(response) << target;
    EXPECT_EQ(response->status, 503u) << target << ": " << response->body;
    EXPECT_EQ(response->Header("Retry-After"), "5") << target;
    EXPECT_NE(response->body.find("the trace store could not answer: ClickHouse at"), std::string::npos)
        << target << ": " << response->body;
  }
  EXPECT_EQ(registry_.GetCounter("hoptrace_query_failed_total", "", {{"endpoint", "get_trace"}}).value(), 1u);
}

}  // namespace
}  // namespace hoptrace::query
