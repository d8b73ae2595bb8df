// End to end: hoptrace's own OTLP exporter (HTTP protobuf, HTTP JSON, gRPC; plain and gzip) sends
// spans recorded by a real TracerProvider to the receivers; what reaches the sink is compared field by
// field with what was recorded.
#include <gtest/gtest.h>

#include "hoptrace/sdk/exporters/otlp/otlp_exporter.h"
#include "hoptrace/sdk/in_memory_exporter.h"
#include "hoptrace/sdk/span_processor.h"
#include "receiver_fixture.h"
#include "test_spans.h"

namespace hoptrace::collector {
namespace {

using namespace std::chrono_literals;
namespace exporter = sdk::exporters::otlp;

struct Transport {
  exporter::OtlpProtocol protocol;
  exporter::OtlpCompression compression;
  const char* name;     // test name
  const char* metrics;  // protocol label
  const char* ok_code;  // requests_total code label of a success
};

void PrintTo(const Transport& transport, std::ostream* out) { *out << transport.name; }

class OtlpReceiverTest : public testing::ReceiverFixture, public ::testing::WithParamInterface<Transport> {
 protected:
  std::unique_ptr<exporter::OtlpExporter> MakeExporter() const {
    exporter::OtlpExporterOptions options;
    options.protocol = GetParam().protocol;
    options.compression = GetParam().compression;
    options.endpoint = GetParam().protocol == exporter::OtlpProtocol::kGrpc ? GrpcEndpoint() : OtlpHttpUrl();
    options.timeout = 10s;
    options.retry.max_attempts = 1;
    options.log = [](std::string_view) {};
    return exporter::MakeOtlpExporter(options);
  }

  std::string Labels(std::string_view extra = {}) const {
    return "protocol=\"" + std::string(GetParam().metrics) + "\"" + std::string(extra);
  }

  std::vector<sdk::ExportedSpan> ReceivedSpans() const {
    std::vector<sdk::ExportedSpan> spans;
    for (const model::TraceBatch& batch : sink_.batches()) {
      for (sdk::ExportedSpan& span : exporter::testing::Flatten(batch)) spans.push_back(std::move(span));
    }
    return spans;
  }
};

TEST_P(OtlpReceiverTest, EveryFieldTheSdkRecordedArrivesInTheSink) {
  auto memory = std::make_unique<sdk::InMemorySpanExporter>();
  const std::shared_ptr<sdk::InMemorySpanStore> recorded = memory->store();
  auto exporter = MakeExporter();
  const exporter::OtlpExporter* stats = exporter.get();
  sdk::TracerProviderOptions provider_options;
  provider_options.resource = sdk::DefaultResource("checkout");
  provider_options.processors.push_back(std::make_unique<sdk::SimpleSpanProcessor>(std::move(memory)));
  provider_options.processors.push_back(std::make_unique<sdk::SimpleSpanProcessor>(std::move(exporter)));
  sdk::TracerProvider provider(std::move(provider_options));

  exporter::testing::RecordRichSpans(provider);

  EXPECT_EQ(stats->stats().failed_exports, 0u);
  EXPECT_EQ(stats->stats().rejected_spans, 0u);
  exporter::testing::ExpectSameSpans(ReceivedSpans(), recorded->Spans());
  EXPECT_EQ(Metric("hoptrace_spans_received_total", Labels()), 3);
  EXPECT_EQ(Metric("hoptrace_spans_accepted_total", Labels()), 3);
  EXPECT_EQ(Metric("hoptrace_receiver_requests_total", Labels(",code=\"" + std::string(GetParam().ok_code) + "\"")),
            3);
  EXPECT_GT(Metric("hoptrace_receiver_received_bytes_total", Labels()), 0);
  EXPECT_EQ(Metric("hoptrace_receiver_request_duration_seconds_count", Labels()), 3);
  provider.Shutdown();
}

TEST_P(OtlpReceiverTest, SpansWithInvalidIdsComeBackAsPartialSuccess) {
  std::vector<sdk::SpanRecordPtr> records = exporter::testing::MakeRecords(4);
  records[1]->span.trace_id = model::TraceId();  // all zero
  records[3]->span.span_id = model::SpanId();
  auto exporter = MakeExporter();
  EXPECT_EQ(exporter->Export(records), sdk::ExportResult::kSuccess);
  EXPECT_EQ(exporter->stats().rejected_spans, 2u);
  EXPECT_EQ(sink_.span_count(), 2u);
  EXPECT_EQ(Metric("hoptrace_spans_received_total", Labels()), 4);
  EXPECT_EQ(Metric("hoptrace_spans_accepted_total", Labels()), 2);
  EXPECT_EQ(Metric("hoptrace_spans_refused_total", Labels(",reason=\"invalid_span\"")), 2);
  exporter->Shutdown(1s);
}

TEST_P(OtlpReceiverTest, UnavailableSinkFailsTheExportWithoutStoringAnything) {
  sink_.AnswerWith(store::Status::Error(store::Status::Code::kUnavailable, "store closing"));
  auto exporter = MakeExporter();
  EXPECT_EQ(exporter->Export(exporter::testing::MakeRecords(3)), sdk::ExportResult::kFailure);
  EXPECT_EQ(sink_.span_count(), 0u);
  EXPECT_EQ(Metric("hoptrace_spans_refused_total", Labels(",reason=\"sink_unavailable\"")), 3);
  exporter->Shutdown(1s);
}

INSTANTIATE_TEST_SUITE_P(
    Transports, OtlpReceiverTest,
    ::testing::Values(
        Transport{exporter::OtlpProtocol::kHttpProtobuf, exporter::OtlpCompression::kNone, "http_protobuf",
                  "otlp_http", "200"},
        Transport{exporter::OtlpProtocol::kHttpProtobuf, exporter::OtlpCompression::kGzip, "http_protobuf_gzip",
                  "otlp_http", "200"},
        Transport{exporter::OtlpProtocol::kHttpJson, exporter::OtlpCompression::kNone, "http_json", "otlp_http",
                  "200"},
        Transport{exporter::OtlpProtocol::kHttpJson, exporter::OtlpCompression::kGzip, "http_json_gzip",
                  "otlp_http", "200"},
        Transport{exporter::OtlpProtocol::kGrpc, exporter::OtlpCompression::kNone, "grpc", "otlp_grpc", "OK"},
        Transport{exporter::OtlpProtocol::kGrpc, exporter::OtlpCompression::kGzip, "grpc_gzip", "otlp_grpc", "OK"}),
    [](const ::testing::TestParamInfo<Transport>& param_info) { return std::string(param_info.param.name); });

}  // namespace
}  // namespace hoptrace::collector
