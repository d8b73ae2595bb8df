#include <gtest/gtest.h>

#include "hoptrace/sdk/exporters/otlp/otlp_exporter.h"

namespace hoptrace::sdk::exporters::otlp {
namespace {

TEST(OtlpConfigTest, TracesEndpointWinsAndIsUsedAsIs) {
  EXPECT_EQ(ResolveTracesEndpoint("http://a:1/custom", "http://b:2", OtlpProtocol::kHttpProtobuf), "http://a:1/custom");
  EXPECT_EQ(ResolveTracesEndpoint("http://a:1", "", OtlpProtocol::kHttpJson), "http://a:1");
}

TEST(OtlpConfigTest, GenericEndpointGetsTheTracesPathForHttpOnly) {
  EXPECT_EQ(ResolveTracesEndpoint("", "http://b:4318", OtlpProtocol::kHttpProtobuf), "http://b:4318/v1/traces");
  EXPECT_EQ(ResolveTracesEndpoint("", "http://b:4318/", OtlpProtocol::kHttpJson), "http://b:4318/v1/traces");
  EXPECT_EQ(ResolveTracesEndpoint("", "http://b:4318/prefix", OtlpProtocol::kHttpJson),
            "http://b:4318/prefix/v1/traces");
  EXPECT_EQ(ResolveTracesEndpoint("", "http://b:4317", OtlpProtocol::kGrpc), "http://b:4317");
}

TEST(OtlpConfigTest, DefaultsPerProtocol) {
  EXPECT_EQ(ResolveTracesEndpoint("", "", OtlpProtocol::kHttpProtobuf), "http://localhost:4318/v1/traces");
  EXPECT_EQ(ResolveTracesEndpoint("", "", OtlpProtocol::kGrpc), "http://localhost:4317");
}

TEST(OtlpConfigTest, ParsesProtocolAndCompression) {
  EXPECT_EQ(ParseOtlpProtocol("http/protobuf"), OtlpProtocol::kHttpProtobuf);
  EXPECT_EQ(ParseOtlpProtocol("http/json"), OtlpProtocol::kHttpJson);
  EXPECT_EQ(ParseOtlpProtocol(" grpc "), OtlpProtocol::kGrpc);
  EXPECT_EQ(ParseOtlpProtocol("thrift"), std::nullopt);
  EXPECT_EQ(ParseOtlpCompression("gzip"), OtlpCompression::kGzip);
  EXPECT_EQ(ParseOtlpCompression("none"), OtlpCompression::kNone);
  EXPECT_EQ(ParseOtlpCompression(""), OtlpCompression::kNone);
  EXPECT_EQ(ParseOtlpCompression("zstd"), std::nullopt);
}

TEST(OtlpConfigTest, ParsesHeadersWithPercentEncoding) {
  const auto headers = ParseOtlpHeaders(" api-key = secret%3D1 ,,x-tenant=acme%2C%20inc ");
  ASSERT_TRUE(headers);
  ASSERT_EQ(headers->size(), 2u);
  EXPECT_EQ((*headers)[0], (std::pair<std::string, std::string>("api-key", "secret=1")));
  EXPECT_EQ((*headers)[1], (std::pair<std::string, std::string>("x-tenant", "acme, inc")));
  EXPECT_EQ(ParseOtlpHeaders("")->size(), 0u);
  EXPECT_EQ(ParseOtlpHeaders("novalue"), std::nullopt);
  EXPECT_EQ(ParseOtlpHeaders("=value"), std::nullopt);
  EXPECT_EQ(ParseOtlpHeaders("k=%zz"), std::nullopt);
  EXPECT_EQ(ParseOtlpHeaders("k=%4"), std::nullopt);
}

}  // namespace
}  // namespace hoptrace::sdk::exporters::otlp
