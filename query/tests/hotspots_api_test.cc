// GET /api/v2/hotspots over real sockets on the real embedded store: fixture traces (analysis
// testing's CheckoutTrace) half in a block and half in the head.

#include "hoptrace/query/hotspots_api.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>

#include "hoptrace/query/http_api.h"
#include "hoptrace/store/embedded_store.h"
#include "api_test_server.h"
#include "test_client.h"
#include "trace_builder.h"

namespace hoptrace::query {
namespace {

using analysis::testing::CheckoutTrace;
using analysis::testing::kTraceStart;

constexpr std::uint64_t kSecond = 1'000'000'000;
const std::string kWindow = "&start=" + std::to_string(kTraceStart / kSecond - 60) +
                            "&end=" + std::to_string(kTraceStart / kSecond + 60);

class HotspotsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const store::Status opened = testing::OpenTestStore("/tmp/hoptrace_hotspots_api_XXXXXX", registry_, &dir_, &store_);
    ASSERT_TRUE(opened.ok()) << opened.message();
    // 200 traces; every 50th waits 2 s for fraud-api; the slow ones and every 5th other are eu-west.
    for (std::uint64_t i = 1; i <= 200; ++i) {
      const bool slow = i % 50 == 0;
      ASSERT_TRUE(store_->Write(CheckoutTrace(i, slow, slow || i % 5 == 1 ? "eu-west" : "us-east")).ok());
      if (i == 100) {
        ASSERT_TRUE(store_->CutHead(/*everything=*/true).ok());
      }
    }
    server_ = std::make_unique<testing::ApiTestServer>(*store_, registry_);
    std::string error;
    ASSERT_TRUE(server_->Start(&error)) << error;
  }

  void TearDown() override {
    server_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // The parsed answer of a 200 (kept alive in the parser).
  simdjson::dom::element Get200(const std::string& target) {
    const auto response = http::testing::Fetch(server_->port(), "GET", target);
    EXPECT_TRUE(response && response->status == 200) << target << ": " << (response ? response->body : "no answer");
    body_ = response ? response->body : "{}";
    simdjson::dom::element root;
    EXPECT_EQ(parser_.parse(body_).get(root), simdjson::SUCCESS) << body_;
    return root;
  }

  unsigned Status(const std::string& target) {
    const auto response = http::testing::Fetch(server_->port(), "GET", target);
    return response ? response->status : 0;
  }

  std::string dir_;
  metrics::Registry registry_;
  std::unique_ptr<store::EmbeddedStore> store_;
  std::unique_ptr<testing::ApiTestServer> server_;
  simdjson::dom::parser parser_;
  std::string body_;
};

TEST_F(HotspotsApiTest, AggregatesEveryTraceOfTheServiceInTheWindow) {
  const simdjson::dom::element report = Get200("/api/v2/hotspots?service=checkout&operation=POST%20%2Fcheckout" + kWindow);
  EXPECT_EQ(report["traces"].get_uint64().value(), 200u);
  EXPECT_FALSE(report["truncated"].get_bool().value());
  const simdjson::dom::element first = report["operations"].at(0);
  EXPECT_EQ(first["service"].get_string().value(), "fraud-api");  // what the slowest 1 % wait for
  EXPECT_GT(first["p99Share"].get_double().value(), 0.9);
  EXPECT_EQ(first["exampleTraces"].get_array().size(), 3u);
  std::string_view p50_leader;
  double best = -1;
  for (simdjson::dom::element operation : report["operations"].get_array()) {
    if (operation["p50Share"].get_double().value() > best) {
      best = operation["p50Share"].get_double().value();
      p50_leader = operation["service"].get_string().value();
    }
  }
  EXPECT_EQ(p50_leader, "inventory");  // what the typical trace waits for

  const simdjson::dom::element comparison = report["comparison"];
  EXPECT_EQ(comparison["selection"].get_string().value(), "slow");
  EXPECT_EQ(comparison["selectionTraces"].get_uint64().value(), 2u);  // the slowest 1 %
  const simdjson::dom::element attribute = comparison["attributes"].at(0);
  EXPECT_EQ(attribute["key"].get_string().value(), "span.region");
  EXPECT_EQ(attribute["value"].get_string().value(), "eu-west");
}

TEST_F(HotspotsApiTest, SlowThresholdFailedSelectionAndTheWindowAreApplied) {
  simdjson::dom::element report = Get200("/api/v2/hotspots?service=checkout&slow=1s" + kWindow);
  EXPECT_EQ(report["comparison"]["selectionTraces"].get_uint64().value(), 4u);
  EXPECT_EQ(report["comparison"]["slowThresholdNanos"].get_uint64().value(), kSecond);
  report = Get200("/api/v2/hotspots?service=checkout&selection=failed" + kWindow);
  EXPECT_EQ(report["comparison"]["selectionTraces"].get_uint64().value(), 0u);
  report = Get200("/api/v2/hotspots?service=payments" + kWindow);
  EXPECT_EQ(report["traces"].get_uint64().value(), 200u);
  // The default window is the last hour: the fixture is from 2023.
  EXPECT_EQ(Get200("/api/v2/hotspots?service=checkout")["traces"].get_uint64().value(), 0u);
  const std::string before = "&start=0&end=" + std::to_string(kTraceStart / kSecond - 1);
  EXPECT_EQ(Get200("/api/v2/hotspots?service=checkout" + before)["traces"].get_uint64().value(), 0u);
}

TEST_F(HotspotsApiTest, BadParametersAreRefusedAndCounted) {
  for (const std::string target : {"/api/v2/hotspots", "/api/v2/hotspots?service=checkout&slow=fast",
                                   "/api/v2/hotspots?service=checkout&slowPercentile=100",
                                   "/api/v2/hotspots?service=checkout&selection=odd",
                                   "/api/v2/hotspots?service=checkout&start=20&end=10",
                                   "/api/v2/hotspots?service=checkout&start=yesterday"}) {
    EXPECT_EQ(Status(target), 400u) << target;
  }
  EXPECT_NE(registry_.Render().find(R"(hoptrace_query_rejected_total{endpoint="hotspots"} 6)"), std::string::npos);
}

}  // namespace
}  // namespace hoptrace::query
