// hoptrace's own clients against `hoptrace serve` as a process: the C++ SDK's OTLP exporter (HTTP
// protobuf, HTTP JSON, gRPC) and a Zipkin v2 JSON POST, each read back through the Jaeger API and as
// OTLP JSON.

#include <gtest/gtest.h>

#include <string>

#include "cpp_client.h"
#include "sent_trace.h"
#include "serve_fixture.h"
#include "test_client.h"
#include "trace_checks.h"

namespace hoptrace::cli::e2e {
namespace {

using model::SpanKind;
using sdk::exporters::otlp::OtlpProtocol;

class CppExporterTest : public ServeFixture, public ::testing::WithParamInterface<CppExporter> {};

TEST_P(CppExporterTest, TraceReadsBackExactlyAsSent) {
  SentTrace sent;
  ASSERT_NO_FATAL_FAILURE(SendCheckoutTrace(GetParam(), serve(), &sent));
  ExpectEveryFeature(sent);
  ExpectTraceReadBack(serve().ports().query, sent);
}

INSTANTIATE_TEST_SUITE_P(Protocols, CppExporterTest,
                         ::testing::Values(CppExporter{OtlpProtocol::kHttpProtobuf, "http_protobuf", true},
                                           CppExporter{OtlpProtocol::kHttpJson, "http_json", false},
                                           CppExporter{OtlpProtocol::kGrpc, "grpc", true}),
                         [](const ::testing::TestParamInfo<CppExporter>& parameter) {
                           return std::string(parameter.param.name);
                         });

// ---- Zipkin v2 JSON -----------------------------------------------------------------------------

constexpr std::uint64_t kZipkinStartMicros = 1'714'564'800'000'000;

// A 64-bit trace ID, as older Zipkin tracers send: stored zero-extended, shown by Jaeger with 16 digits.
constexpr std::string_view kZipkinSpans = R"([
  {"traceId": "5af7183fb1d4cf5f", "id": "6b221d5bc9e6496c", "name": "get /zipkin", "kind": "SERVER",
   "timestamp": 1714564800000000, "duration": 5000,
   "localEndpoint": {"serviceName": "zipkin-frontend", "ipv4": "127.0.0.1", "port": 8080},
   "tags": {"http.method": "GET", "http.path": "/zipkin"},
   "annotations": [{"timestamp": 1714564800000100, "value": "wire.recv"}]},
  {"traceId": "5af7183fb1d4cf5f", "parentId": "6b221d5bc9e6496c", "id": "352bff9a74ca9ad2", "name": "select",
   "kind": "CLIENT", "timestamp": 1714564800001000, "duration": 2000,
   "localEndpoint": {"serviceName": "zipkin-frontend"},
   "remoteEndpoint": {"serviceName": "postgres", "ipv4": "127.0.0.2", "port": 5432},
   "tags": {"error": "connection refused", "db.statement": "select 1"}},
  {"traceId": "5af7183fb1d4cf5f", "parentId": "6b221d5bc9e6496c", "id": "0e4d3c2b1a090807", "name": "render",
   "timestamp": 1714564800003500, "duration": 100,
   "localEndpoint": {"serviceName": "zipkin-frontend"},
   "tags": {"otel.scope.name": "zipkin-lib", "otel.scope.version": "1.0"}}
])";

// kZipkinSpans as zipkin_json.h maps them to the model.
SentTrace ExpectedZipkinTrace() {
  const model::TraceId trace_id = model::TraceId::FromHighLow(0, 0x5af7183fb1d4cf5f);
  const model::Resource resource{
      .attributes = {{std::string(model::kServiceNameKey), std::string("zipkin-frontend")}}};
  const auto span = [&](std::uint64_t id, std::uint64_t parent, std::string name, SpanKind kind,
                        std::uint64_t start_offset_micros, std::uint64_t duration_micros,
                        model::Attributes attributes) {
    model::Span result;
    result.trace_id = trace_id;
    result.span_id = model::SpanId::FromHighLow(0, id);
    result.parent_span_id = model::SpanId::FromHighLow(0, parent);
    result.name = std::move(name);
    result.kind = kind;
    result.start_time_unix_nano = (kZipkinStartMicros + start_offset_micros) * 1000;
    result.end_time_unix_nano = result.start_time_unix_nano + duration_micros * 1000;
    result.attributes = std::move(attributes);
    return result;
  };
  SentTrace trace{.trace_id = trace_id};
  model::Span server = span(0x6b221d5bc9e6496c, 0, "get /zipkin", SpanKind::kServer, 0, 5000,
                            {{"http.method", std::string("GET")},
                             {"http.path", std::string("/zipkin")},
                             {"network.local.address", std::string("127.0.0.1")},
                             {"network.local.port", std::int64_t{8080}}});
  server.events.push_back({.time_unix_nano = (kZipkinStartMicros + 100) * 1000, .name = "wire.recv"});
  model::Span client = span(0x352bff9a74ca9ad2, 0x6b221d5bc9e6496c, "select", SpanKind::kClient, 1000, 2000,
                            {{"db.statement", std::string("select 1")},
                             {"peer.service", std::string("postgres")},
                             {"network.peer.address", std::string("127.0.0.2")},
                             {"network.peer.port", std::int64_t{5432}},
                             {"server.address", std::string("127.0.0.2")},
                             {"server.port", std::int64_t{5432}}});
  client.status = {model::StatusCode::kError, "connection refused"};
  const model::Span internal =
      span(0x0e4d3c2b1a090807, 0x6b221d5bc9e6496c, "render", SpanKind::kInternal, 3500, 100, {});
  trace.spans.push_back({server, resource, {}});
  trace.spans.push_back({client, resource, {}});
  trace.spans.push_back({internal, resource, {.name = "zipkin-lib", .version = "1.0"}});
  return trace;
}

using ZipkinTest = ServeFixture;

TEST_F(ZipkinTest, V2JsonReadsBackAsMapped) {
  const auto answer = http::testing::Fetch(serve().ports().zipkin, "POST", "/api/v2/spans", kZipkinSpans,
                                           {{"Content-Type", "application/json"}});
  ASSERT_TRUE(answer) << "no answer from the Zipkin receiver\n" << serve().Output();
  ASSERT_EQ(answer->status, 202u) << answer->body;
  ExpectTraceReadBack(serve().ports().query, ExpectedZipkinTrace());
}

}  // namespace
}  // namespace hoptrace::cli::e2e
