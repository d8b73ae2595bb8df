// Zipkin v2 JSON over a real socket to the Zipkin receiver, and the span limits every receiver applies.
#include <gtest/gtest.h>

#include "hoptrace/collector/zipkin_json.h"
#include "hoptrace/sdk/exporters/otlp/gzip.h"
#include "receiver_fixture.h"
#include "test_client.h"
#include "test_payloads.h"

namespace hoptrace::collector {
namespace {

using http::testing::TestConnection;

class ZipkinReceiverTest : public testing::ReceiverFixture {
 protected:
  std::optional<http::testing::ClientResponse> Post(const std::string& body, const http::Headers& headers) {
    TestConnection connection(zipkin_->port());
    return connection.Send("POST", "/api/v2/spans", body, headers);
  }
};

TEST_F(ZipkinReceiverTest, AcceptsZipkinsExamplePayloadWith202) {
  for (const bool gzip : {false, true}) {
    const std::string payload = testing::ZipkinSamplePayload();
    http::Headers headers = {{"Content-Type", "application/json; charset=utf-8"}};
    if (gzip) headers.emplace_back("Content-Encoding", "gzip");
    const auto response = Post(gzip ? sdk::exporters::otlp::GzipCompress(payload) : payload, headers);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 202u) << response->body;
    EXPECT_TRUE(response->body.empty());
  }
  // What reached the sink is what the parser makes of the payload (its mapping is tested on its own).
  model::TraceBatch expected;
  std::string error;
  ASSERT_TRUE(ParseZipkinJson(testing::ZipkinSamplePayload(), &expected, &error)) << error;
  const std::vector<model::TraceBatch> batches = sink_.batches();
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0], expected);
  EXPECT_EQ(batches[1], expected);
  EXPECT_EQ(Metric("hoptrace_spans_accepted_total", R"(protocol="zipkin")"), 8);
  EXPECT_EQ(Metric("hoptrace_receiver_requests_total", R"(protocol="zipkin",code="202")"), 2);
}

TEST_F(ZipkinReceiverTest, RefusesInvalidSpansAndOtherMediaTypes) {
  const auto invalid = Post(R"([{"traceId":"0","id":"1"}])", {{"Content-Type", "application/json"}});
  ASSERT_TRUE(invalid);
  EXPECT_EQ(invalid->status, 400u);
  EXPECT_NE(invalid->body.find("span[0].traceId"), std::string::npos) << invalid->body;
  const auto proto = Post("\x0a\x00", {{"Content-Type", "application/x-protobuf"}});
  ASSERT_TRUE(proto);
  EXPECT_EQ(proto->status, 415u);
  EXPECT_EQ(sink_.span_count(), 0u);
  EXPECT_EQ(Metric("hoptrace_receiver_requests_refused_total", R"(protocol="zipkin",reason="malformed")"), 1);
  EXPECT_EQ(Metric("hoptrace_receiver_requests_refused_total",
                   R"(protocol="zipkin",reason="unsupported_media_type")"),
            1);
}

TEST_F(ZipkinReceiverTest, SpanLimitsDropExtraAttributesAndTruncateLongValues) {
  // The fixture's limits: 16 attributes per span, values up to 64 bytes.
  std::string tags;
  for (int i = 0; i < 20; ++i) tags += (i ? "," : "") + ("\"tag" + std::to_string(i) + "\":\"v\"");
  tags = "\"long\":\"" + std::string(100, 'x') + "\"," + tags;
  const std::string body = R"([{"traceId":"1","id":"2","tags":{)" + tags + "}}]";
  const auto response = Post(body, {{"Content-Type", "application/json"}});
  ASSERT_TRUE(response);
  ASSERT_EQ(response->status, 202u) << response->body;
  const std::vector<model::TraceBatch> batches = sink_.batches();
  ASSERT_EQ(batches.size(), 1u);
  const model::Span& span = batches[0].resource_spans[0].scope_spans[0].spans[0];
  EXPECT_EQ(span.attributes.size(), 16u);
  EXPECT_EQ(span.dropped_attributes_count, 5u);
  EXPECT_EQ(std::get<std::string>(*model::FindAttribute(span.attributes, "long")), std::string(64, 'x'));
  EXPECT_EQ(Metric("hoptrace_attributes_dropped_total", R"(protocol="zipkin")"), 5);
  EXPECT_EQ(Metric("hoptrace_attribute_values_truncated_total", R"(protocol="zipkin")"), 1);
}

TEST(ReceiverStart, FailsCleanlyWhenThePortIsTaken) {
  testing::RecordingSink sink;
  metrics::Registry registry;
  ReceiverOptions options = testing::TestReceiverOptions();
  auto first = MakeZipkinReceiver(sink, registry, options);
  std::string error;
  ASSERT_TRUE(first->Start(&error)) << error;
  options.port = first->port();
  for (auto& second : {MakeZipkinReceiver(sink, registry, options), MakeOtlpHttpReceiver(sink, registry, options),
                       MakeOtlpGrpcReceiver(sink, registry, options)}) {
    EXPECT_FALSE(second->Start(&error)) << second->protocol();
    EXPECT_NE(error.find(std::to_string(first->port())), std::string::npos) << error;
  }
}

}  // namespace
}  // namespace hoptrace::collector
