#include "hoptrace/sdk/config/environment.h"

#include <gtest/gtest.h>

#include <map>

namespace hoptrace::sdk::config {
namespace {

namespace otlp = exporters::otlp;

EnvironmentLookup FakeEnvironment(std::map<std::string, std::string> variables) {
  return [variables = std::move(variables)](std::string_view name) -> std::optional<std::string> {
    auto it = variables.find(std::string(name));
    return it == variables.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

std::string ServiceName(const model::Resource& resource) {
  return std::get<std::string>(*model::FindAttribute(resource.attributes, "service.name"));
}

TEST(EnvironmentTest, DefaultsFollowTheSpecification) {
  SdkSettings settings = ReadSettings(FakeEnvironment({}));
  EXPECT_TRUE(settings.warnings.empty());
  EXPECT_FALSE(settings.disabled);
  EXPECT_EQ(ServiceName(settings.resource), "unknown_service");
  EXPECT_NE(settings.sampler->Description().find("ParentBased{root:AlwaysOnSampler"), std::string::npos);
  EXPECT_EQ(settings.exporter, TracesExporter::kOtlp);
  EXPECT_EQ(settings.otlp.endpoint, "http://localhost:4318/v1/traces");
  EXPECT_EQ(settings.otlp.protocol, otlp::OtlpProtocol::kHttpProtobuf);
  EXPECT_EQ(settings.batch.max_queue_size, 2048u);
  EXPECT_EQ(settings.batch.max_export_batch_size, 512u);
  EXPECT_EQ(settings.batch.schedule_delay, std::chrono::milliseconds(5000));
  EXPECT_EQ(settings.limits.attribute_count, 128u);
  auto fields = settings.propagator->Fields();
  EXPECT_NE(std::find(fields.begin(), fields.end(), "traceparent"), fields.end());
}

TEST(EnvironmentTest, ReadsEveryVariable) {
  SdkSettings settings = ReadSettings(FakeEnvironment({
      {"OTEL_SERVICE_NAME", "payments"},
      {"OTEL_RESOURCE_ATTRIBUTES", "service.name=ignored,deployment.environment=prod%20eu"},
      {"OTEL_TRACES_SAMPLER", "parentbased_traceidratio"},
      {"OTEL_TRACES_SAMPLER_ARG", "0.25"},
      {"OTEL_PROPAGATORS", "b3multi"},
      {"OTEL_TRACES_EXPORTER", "console"},
      {"OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"},
      {"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"},
      {"OTEL_EXPORTER_OTLP_HEADERS", "api-key=secret,tenant=a"},
      {"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "tenant=b"},
      {"OTEL_EXPORTER_OTLP_TIMEOUT", "2500"},
      {"OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"},
      {"OTEL_BSP_SCHEDULE_DELAY", "100"},
      {"OTEL_BSP_EXPORT_TIMEOUT", "700"},
      {"OTEL_BSP_MAX_QUEUE_SIZE", "1000"},
      {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "100"},
      {"OTEL_ATTRIBUTE_COUNT_LIMIT", "10"},
      {"OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "64"},
      {"OTEL_SPAN_EVENT_COUNT_LIMIT", "3"},
      {"OTEL_SPAN_LINK_COUNT_LIMIT", "4"},
  }));
  EXPECT_TRUE(settings.warnings.empty()) << settings.warnings.front();
  EXPECT_EQ(ServiceName(settings.resource), "payments");
  EXPECT_EQ(std::get<std::string>(*model::FindAttribute(settings.resource.attributes, "deployment.environment")),
            "prod eu");
  EXPECT_NE(settings.sampler->Description().find("TraceIdRatioBased{0.25"), std::string::npos);
  auto fields = settings.propagator->Fields();
  EXPECT_NE(std::find(fields.begin(), fields.end(), "X-B3-TraceId"), fields.end());
  EXPECT_EQ(settings.exporter, TracesExporter::kConsole);
  EXPECT_EQ(settings.otlp.protocol, otlp::OtlpProtocol::kGrpc);
  EXPECT_EQ(settings.otlp.endpoint, "http://collector:4317");
  EXPECT_EQ(settings.otlp.headers, (otlp::HttpHeaders{{"api-key", "secret"}, {"tenant", "b"}}));
  EXPECT_EQ(settings.otlp.timeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(settings.otlp.compression, otlp::OtlpCompression::kGzip);
  EXPECT_EQ(settings.batch.schedule_delay, std::chrono::milliseconds(100));
  EXPECT_EQ(settings.batch.export_timeout, std::chrono::milliseconds(700));
  EXPECT_EQ(settings.batch.max_queue_size, 1000u);
  EXPECT_EQ(settings.batch.max_export_batch_size, 100u);
  EXPECT_EQ(settings.limits.attribute_count, 10u);
  EXPECT_EQ(settings.limits.attributes_per_event, 10u);
  EXPECT_EQ(settings.limits.attribute_value_length, 64u);
  EXPECT_EQ(settings.limits.event_count, 3u);
  EXPECT_EQ(settings.limits.link_count, 4u);
}

TEST(EnvironmentTest, HttpGenericEndpointGetsTheTracesPath) {
  SdkSettings settings = ReadSettings(FakeEnvironment({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/"}}));
  EXPECT_EQ(settings.otlp.endpoint, "http://collector:4318/v1/traces");
  settings = ReadSettings(FakeEnvironment({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:4318"},
                                           {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://b:9999/custom"}}));
  EXPECT_EQ(settings.otlp.endpoint, "http://b:9999/custom");
}

TEST(EnvironmentTest, InvalidValuesWarnAndFallBackToDefaults) {
  SdkSettings settings = ReadSettings(FakeEnvironment({
      {"OTEL_SDK_DISABLED", "maybe"},
      {"OTEL_TRACES_SAMPLER", "sometimes"},
      {"OTEL_EXPORTER_OTLP_PROTOCOL", "carrier-pigeon"},
      {"OTEL_EXPORTER_OTLP_TIMEOUT", "-5"},
      {"OTEL_EXPORTER_OTLP_COMPRESSION", "brotli"},
      {"OTEL_BSP_MAX_QUEUE_SIZE", "ten"},
      {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "5000"},
      {"OTEL_TRACES_EXPORTER", "zipkin"},
  }));
  EXPECT_FALSE(settings.disabled);
  EXPECT_NE(settings.sampler->Description().find("ParentBased{root:AlwaysOnSampler"), std::string::npos);
  EXPECT_EQ(settings.otlp.protocol, otlp::OtlpProtocol::kHttpProtobuf);
  EXPECT_EQ(settings.otlp.timeout, std::chrono::milliseconds(10000));
  EXPECT_EQ(settings.otlp.compression, otlp::OtlpCompression::kNone);
  EXPECT_EQ(settings.batch.max_queue_size, 2048u);
  EXPECT_EQ(settings.batch.max_export_batch_size, 512u);
  EXPECT_EQ(settings.exporter, TracesExporter::kOtlp);
  ASSERT_EQ(settings.warnings.size(), 8u);
  for (const char* name : {"OTEL_SDK_DISABLED", "OTEL_TRACES_SAMPLER", "OTEL_EXPORTER_OTLP_PROTOCOL",
                           "OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_COMPRESSION", "OTEL_BSP_MAX_QUEUE_SIZE",
                           "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "OTEL_TRACES_EXPORTER"}) {
    EXPECT_TRUE(std::any_of(settings.warnings.begin(), settings.warnings.end(),
                            [&](const std::string& warning) { return warning.starts_with(name); }))
        << name;
  }
}

TEST(EnvironmentTest, RatioOutOfRangeWarns) {
  SdkSettings settings =
      ReadSettings(FakeEnvironment({{"OTEL_TRACES_SAMPLER", "traceidratio"}, {"OTEL_TRACES_SAMPLER_ARG", "1.5"}}));
  ASSERT_EQ(settings.warnings.size(), 1u);
  EXPECT_NE(settings.sampler->Description().find("TraceIdRatioBased{1.0"), std::string::npos);
}

TEST(EnvironmentTest, DisabledSdkRecordsNothingButPropagates) {
  ConfiguredSdk sdk = ConfigureFromEnvironment("checkout", FakeEnvironment({{"OTEL_SDK_DISABLED", "true"}}), false);
  Span span = sdk.provider->GetTracer("t").StartSpan("op");
  EXPECT_FALSE(span.IsRecording());
  const SpanContext remote(TraceId::FromHighLow(1, 2), SpanId::FromHighLow(0, 3), 1, true);
  Span child = sdk.provider->GetTracer("t").StartSpan("op", {.parent = remote});
  EXPECT_EQ(child.context().trace_id(), remote.trace_id());
}

TEST(EnvironmentTest, DefaultServiceNameYieldsToTheEnvironment) {
  ConfiguredSdk sdk = ConfigureFromEnvironment("checkout", FakeEnvironment({{"OTEL_TRACES_EXPORTER", "none"}}), false);
  EXPECT_EQ(ServiceName(sdk.provider->resource()), "checkout");
  sdk = ConfigureFromEnvironment(
      "checkout", FakeEnvironment({{"OTEL_TRACES_EXPORTER", "none"}, {"OTEL_RESOURCE_ATTRIBUTES", "service.name=cart"}}),
      false);
  EXPECT_EQ(ServiceName(sdk.provider->resource()), "cart");
}

}  // namespace
}  // namespace hoptrace::sdk::config
