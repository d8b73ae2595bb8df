// hoptrace's own clients against `hoptrace serve` as a process: the C++ SDK's OTLP exporter (HTTP
// protobuf, HTTP JSON, gRPC) and a Zipkin v2 JSON POST, each read back through the Jaeger API and as
// OTLP JSON.

#include <gtest/gtest.h>

#include <string>

#include "hoptrace/sdk/exporters/otlp/otlp_exporter.h"
#include "hoptrace/sdk/in_memory_exporter.h"
#include "hoptrace/sdk/span_processor.h"
#include "hoptrace/sdk/tracer_provider.h"
#include "sent_trace.h"
#include "serve_fixture.h"
#include "test_client.h"
#include "trace_checks.h"

namespace hoptrace::cli::e2e {
namespace {

using model::SpanKind;
using sdk::exporters::otlp::OtlpProtocol;

// The same shape as send_trace.mjs records: a SERVER root, a CLIENT child failing with a child of its
// own, an INTERNAL child; every attribute type, events, a link with a tracestate.
void RecordCheckoutTrace(sdk::TracerProvider& provider) {
  sdk::Tracer& tracer = provider.GetTracer("hoptrace-e2e", "0.1.0");
  const sdk::SpanContext linked(model::TraceId::FromHighLow(0x0af7651916cd43dd, 0x8448eb211c80319c),
                                model::SpanId::FromHighLow(0, 0xb7ad6b7169203331), model::kTraceFlagSampled,
                                /*is_remote=*/true, *sdk::TraceState::Parse("vendor=abc,other=1"));
  const sdk::LinkSpec links[] = {{linked, {{"link.reason", std::string_view("retry-of")}, {"link.attempt", std::int64_t{2}}}}};
  sdk::Span root = tracer.StartSpan("GET /checkout", {.kind = SpanKind::kServer,
                                                      .parent = sdk::SpanContext::Invalid(),
                                                      .attributes = {{"http.request.method", std::string_view("GET")}},
                                                      .links = links});
  const std::string_view tags[] = {"a", "grüße \"quoted\" \\ \n", ""};
  const bool flags[] = {true, false};
  const std::int64_t ports[] = {80, 443, -1};
  const double ratios[] = {0.25, -2.5};
  root.SetAttributes({{"http.response.status_code", std::int64_t{200}},
                      {"cache.hit", true},
                      {"load", 0.75},
                      {"big.int", std::int64_t{9'223'372'036'854'775'807}},
                      {"tiny.double", -1.5e-300},
                      {"tags", std::span<const std::string_view>(tags)},
                      {"flags", std::span<const bool>(flags)},
                      {"ports", std::span<const std::int64_t>(ports)},
                      {"ratios", std::span<const double>(ratios)}});
  root.AddEvent("request.received", {{"bytes", std::int64_t{512}}, {"client", std::string_view("curl")},
                                     {"gzip", false}, {"ratio", 0.5}});
  {
    sdk::Span query = tracer.StartSpan("SELECT orders", {.kind = SpanKind::kClient, .parent = root.context()});
    tracer.StartSpan("decode row", {.kind = SpanKind::kInternal, .parent = query.context()}).End();
    query.RecordException("std::runtime_error", "connection reset by peer");
    query.SetStatus(model::StatusCode::kError, "connection reset by peer");
  }
  sdk::Span render = tracer.StartSpan("render receipt", {.parent = root.context()});
  render.AddEvent("cache.miss");
  render.End();
  root.End();
}

struct CppExporter {
  OtlpProtocol protocol;
  const char* name;
  bool batch;
  friend std::ostream& operator<<(std::ostream& out, const CppExporter& e) { return out << e.name; }
};

class CppExporterTest : public ServeFixture, public ::testing::WithParamInterface<CppExporter> {};

TEST_P(CppExporterTest, TraceReadsBackExactlyAsSent) {
  const CppExporter& param = GetParam();
  sdk::exporters::otlp::OtlpExporterOptions options;
  options.protocol = param.protocol;
  options.endpoint = param.protocol == OtlpProtocol::kGrpc ? serve().OtlpGrpcUrl() : serve().OtlpHttpUrl();
  options.timeout = std::chrono::seconds(20);
  auto exporter = std::make_unique<sdk::exporters::otlp::OtlpExporter>(options);
  const sdk::exporters::otlp::OtlpExporter& network = *exporter;  // owned by the provider from here on
  auto memory = std::make_unique<sdk::InMemorySpanExporter>();
  const auto sent_spans = memory->store();

  sdk::TracerProviderOptions provider_options;
  provider_options.resource = sdk::DefaultResource(std::string("cpp-e2e-") + param.name);
  model::SetAttribute(provider_options.resource.attributes, "host.cpu.count", std::int64_t{2});
  if (param.batch) {
    provider_options.processors.push_back(std::make_unique<sdk::BatchSpanProcessor>(std::move(exporter)));
  } else {
    provider_options.processors.push_back(std::make_unique<sdk::SimpleSpanProcessor>(std::move(exporter)));
  }
  provider_options.processors.push_back(std::make_unique<sdk::SimpleSpanProcessor>(std::move(memory)));
  sdk::TracerProvider provider(std::move(provider_options));
  RecordCheckoutTrace(provider);
  provider.ForceFlush(std::chrono::seconds(30));
  const auto stats = network.stats();
  ASSERT_GT(stats.exports, 0u);
  ASSERT_EQ(stats.failed_exports, 0u) << serve().Output();
  ASSERT_EQ(stats.rejected_spans, 0u);

  const SentTrace sent = FromExportedSpans(sent_spans->Spans());
  ExpectEveryFeature(sent);
  ExpectTraceReadBack(serve().ports().query, sent);
}

INSTANTIATE_TEST_SUITE_P(Protocols, CppExporterTest,
                         ::testing::Values(CppExporter{OtlpProtocol::kHttpProtobuf, "http_protobuf", true},
                                           CppExporter{OtlpProtocol::kHttpJson, "http_json", false},
                                           CppExporter{OtlpProtocol::kGrpc, "grpc", true}),
                         [](const ::testing::TestParamInfo<CppExporter>& parameter) { return std::string(parameter.param.name); });

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
  const model::Resource resource{.attributes = {{std::string(model::kServiceNameKey), std::string("zipkin-frontend")}}};
  const auto span = [&](std::uint64_t id, std::uint64_t parent, std::string name, SpanKind kind,
                        std::uint64_t start_offset_micros, std::uint64_t duration_micros, model::Attributes attributes) {
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
  const model::Span internal = span(0x0e4d3c2b1a090807, 0x6b221d5bc9e6496c, "render", SpanKind::kInternal, 3500, 100, {});
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
