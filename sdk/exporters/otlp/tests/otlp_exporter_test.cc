// End to end: spans recorded by a real TracerProvider, exported over each protocol to a real
// receiver, decoded there and compared field by field with what the SDK recorded.
#include "hoptrace/sdk/exporters/otlp/otlp_exporter.h"

#include <gtest/gtest.h>

#include "byte_counting_proxy.h"
#include "grpc_test_receiver.h"
#include "hoptrace/otlp/json_convert.h"
#include "http_test_receiver.h"
#include "test_spans.h"

namespace hoptrace::sdk::exporters::otlp {
namespace {

using namespace std::chrono_literals;
using testing::ExpectSameSpans;

struct Transport {
  OtlpProtocol protocol;
  OtlpCompression compression;
  const char* name;
};

// Readable test names in CTest instead of the struct's bytes.
void PrintTo(const Transport& transport, std::ostream* out) { *out << transport.name; }

class OtlpExporterEndToEndTest : public ::testing::TestWithParam<Transport> {
 protected:
  bool grpc() const { return GetParam().protocol == OtlpProtocol::kGrpc; }
  bool gzip() const { return GetParam().compression == OtlpCompression::kGzip; }

  OtlpExporterOptions Options() const {
    OtlpExporterOptions options;
    options.protocol = GetParam().protocol;
    options.compression = GetParam().compression;
    options.endpoint = grpc() ? grpc_receiver_.Endpoint() : http_receiver_.Url();
    options.headers = {{"X-Tenant", "acme"}};
    options.timeout = 5s;
    return options;
  }

  // Builds a provider whose spans go both to memory (what was recorded) and through `processor`
  // to the exporter under test (what arrives).
  std::unique_ptr<TracerProvider> MakeProvider(std::unique_ptr<SpanProcessor> processor) {
    auto memory = std::make_unique<InMemorySpanExporter>();
    recorded_ = memory->store();
    TracerProviderOptions options;
    options.resource = DefaultResource("checkout");
    model::SetAttribute(options.resource.attributes, "deployment.environment", std::string_view("test"));
    options.processors.push_back(std::make_unique<SimpleSpanProcessor>(std::move(memory)));
    options.processors.push_back(std::move(processor));
    return std::make_unique<TracerProvider>(std::move(options));
  }

  std::size_t RequestCount() const {
    return grpc() ? grpc_receiver_.requests().size() : http_receiver_.requests().size();
  }

  std::vector<ExportedSpan> ReceivedSpans() const {
    std::vector<ExportedSpan> spans;
    for (const model::TraceBatch& batch : ReceivedBatches()) {
      for (ExportedSpan& span : testing::Flatten(batch)) spans.push_back(std::move(span));
    }
    return spans;
  }

  std::vector<model::TraceBatch> ReceivedBatches() const {
    std::vector<model::TraceBatch> batches;
    if (grpc()) {
      for (const auto& received : grpc_receiver_.requests()) {
        const hoptrace::otlp::DecodeReport report = hoptrace::otlp::FromProto(received.request, &batches.emplace_back());
        EXPECT_TRUE(report.ok()) << report.first_error;
      }
      return batches;
    }
    for (const auto& received : http_receiver_.requests()) {
      const std::string body = received.DecodedBody();
      hoptrace::otlp::DecodeReport report;
      std::string error;
      const bool parsed = GetParam().protocol == OtlpProtocol::kHttpJson
                              ? hoptrace::otlp::ParseJson(body, &batches.emplace_back(), &report, &error)
                              : hoptrace::otlp::ParseExportRequest(body, &batches.emplace_back(), &report, &error);
      EXPECT_TRUE(parsed) << error;
      EXPECT_TRUE(report.ok()) << report.first_error;
    }
    return batches;
  }

  testing::HttpTestReceiver http_receiver_;
  testing::GrpcTestReceiver grpc_receiver_;
  std::shared_ptr<InMemorySpanStore> recorded_;
};

TEST_P(OtlpExporterEndToEndTest, SimpleProcessorDeliversEveryField) {
  auto exporter = MakeOtlpExporter(Options());
  const OtlpExporter* stats = exporter.get();
  auto provider = MakeProvider(std::make_unique<SimpleSpanProcessor>(std::move(exporter)));
  testing::RecordRichSpans(*provider);

  EXPECT_EQ(RequestCount(), 3u);  // one request per span
  ExpectSameSpans(ReceivedSpans(), recorded_->Spans());
  EXPECT_EQ(stats->stats().requests, 3u);
  EXPECT_EQ(stats->stats().spans_sent, 3u);
  EXPECT_EQ(stats->stats().failed_exports, 0u);
  EXPECT_EQ(stats->stats().retries, 0u);
  provider->Shutdown();
}

TEST_P(OtlpExporterEndToEndTest, BatchProcessorDeliversOneRequestPerBatch) {
  auto provider = MakeProvider(std::make_unique<BatchSpanProcessor>(MakeOtlpExporter(Options())));
  testing::RecordRichSpans(*provider);
  ASSERT_TRUE(provider->ForceFlush(5s));

  const std::vector<model::TraceBatch> batches = ReceivedBatches();
  ASSERT_EQ(batches.size(), 1u);
  // One resource; the two tracers' spans grouped under their scopes.
  ASSERT_EQ(batches[0].resource_spans.size(), 1u);
  EXPECT_EQ(batches[0].resource_spans[0].scope_spans.size(), 2u);
  ExpectSameSpans(testing::Flatten(batches[0]), recorded_->Spans());
  provider->Shutdown();
}

TEST_P(OtlpExporterEndToEndTest, SendsHeadersContentTypeAndCompression) {
  auto exporter = MakeOtlpExporter(Options());
  const auto records = testing::MakeRecords(20);
  ASSERT_EQ(exporter->Export(records), ExportResult::kSuccess);
  if (grpc()) {
    const auto requests = grpc_receiver_.requests();
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0].Metadata("x-tenant"), "acme");
    EXPECT_NE(requests[0].Metadata("user-agent").find("hoptrace-otlp-cpp"), std::string::npos);
    EXPECT_EQ(requests[0].request.resource_spans(0).scope_spans(0).spans_size(), 20);
    return;
  }
  const auto requests = http_receiver_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].target, "/v1/traces");
  EXPECT_EQ(requests[0].Header("X-Tenant"), "acme");
  EXPECT_EQ(requests[0].Header("Content-Type"),
            GetParam().protocol == OtlpProtocol::kHttpJson ? "application/json" : "application/x-protobuf");
  EXPECT_EQ(requests[0].Header("Content-Encoding"), gzip() ? "gzip" : "");
  if (gzip()) {
    ASSERT_GE(requests[0].body.size(), 2u);
    EXPECT_EQ(static_cast<unsigned char>(requests[0].body[0]), 0x1f);
    EXPECT_LT(requests[0].body.size(), requests[0].DecodedBody().size());
  }
}

TEST_P(OtlpExporterEndToEndTest, ReusesOneConnectionAcrossExports) {
  auto exporter = MakeOtlpExporter(Options());
  for (int i = 0; i < 5; ++i) ASSERT_EQ(exporter->Export(testing::MakeRecords(2)), ExportResult::kSuccess);
  EXPECT_EQ(RequestCount(), 5u);
  if (!grpc()) {
    EXPECT_EQ(http_receiver_.connections_accepted(), 1);
  }
  EXPECT_EQ(exporter->stats().exports, 5u);
  EXPECT_EQ(exporter->stats().spans_sent, 10u);
}

// gRPC hides the grpc-encoding header from the server's metadata, so measure the wire instead.
TEST(OtlpGrpcCompressionTest, GzipShrinksWhatCrossesTheWire) {
  auto upstream_bytes_for = [](OtlpCompression compression) {
    testing::GrpcTestReceiver receiver;
    testing::ByteCountingProxy proxy(static_cast<std::uint16_t>(receiver.port()));
    OtlpExporterOptions options;
    options.protocol = OtlpProtocol::kGrpc;
    options.endpoint = "http://127.0.0.1:" + std::to_string(proxy.port());
    options.compression = compression;
    auto records = testing::MakeRecords(500);
    for (auto& record : records) record->span.name = std::string(200, 'x');  // very compressible
    EXPECT_EQ(MakeOtlpExporter(options)->Export(records), ExportResult::kSuccess);
    EXPECT_EQ(receiver.requests().at(0).request.resource_spans(0).scope_spans(0).spans(499).name(), records[0]->span.name);
    return proxy.upstream_bytes();
  };
  const std::size_t plain = upstream_bytes_for(OtlpCompression::kNone);
  const std::size_t gzipped = upstream_bytes_for(OtlpCompression::kGzip);
  EXPECT_GT(plain, 100'000u);
  EXPECT_LT(gzipped * 5, plain) << "plain " << plain << " bytes, gzip " << gzipped << " bytes";
}

INSTANTIATE_TEST_SUITE_P(
    Transports, OtlpExporterEndToEndTest,
    ::testing::Values(Transport{OtlpProtocol::kHttpProtobuf, OtlpCompression::kNone, "HttpProtobuf"},
                      Transport{OtlpProtocol::kHttpProtobuf, OtlpCompression::kGzip, "HttpProtobufGzip"},
                      Transport{OtlpProtocol::kHttpJson, OtlpCompression::kNone, "HttpJson"},
                      Transport{OtlpProtocol::kHttpJson, OtlpCompression::kGzip, "HttpJsonGzip"},
                      Transport{OtlpProtocol::kGrpc, OtlpCompression::kNone, "Grpc"},
                      Transport{OtlpProtocol::kGrpc, OtlpCompression::kGzip, "GrpcGzip"}),
    [](const ::testing::TestParamInfo<Transport>& param) { return std::string(param.param.name); });

}  // namespace
}  // namespace hoptrace::sdk::exporters::otlp
