#include "hoptrace/collector/zipkin_json.h"

#include <gtest/gtest.h>

#include "test_payloads.h"

namespace hoptrace::collector {
namespace {

using model::SpanKind;
using model::StatusCode;

std::string StringAttribute(const model::Attributes& attributes, std::string_view key) {
  const model::AttributeValue* value = model::FindAttribute(attributes, key);
  if (value == nullptr) return "<absent>";
  if (const auto* text = std::get_if<std::string>(value)) return *text;
  return model::AttributeValueToString(*value);
}

const model::Span* FindSpan(const model::TraceBatch& batch, std::string_view service, SpanKind kind,
                            const model::InstrumentationScope** scope = nullptr) {
  for (const model::ResourceSpans& resource_spans : batch.resource_spans) {
    if (StringAttribute(resource_spans.resource.attributes, "service.name") != service) continue;
    for (const model::ScopeSpans& scope_spans : resource_spans.scope_spans) {
      for (const model::Span& span : scope_spans.spans) {
        if (span.kind != kind) continue;
        if (scope) *scope = &scope_spans.scope;
        return &span;
      }
    }
  }
  return nullptr;
}

class ZipkinSampleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(ParseZipkinJson(testing::ZipkinSamplePayload(), &batch_, &error)) << error;
  }
  model::TraceBatch batch_;
};

TEST_F(ZipkinSampleTest, GroupsSpansIntoOneResourcePerLocalService) {
  EXPECT_EQ(batch_.SpanCount(), 4u);
  ASSERT_EQ(batch_.resource_spans.size(), 2u);
  EXPECT_EQ(StringAttribute(batch_.resource_spans[0].resource.attributes, "service.name"), "frontend");
  EXPECT_EQ(StringAttribute(batch_.resource_spans[1].resource.attributes, "service.name"), "backend");
  EXPECT_EQ(batch_.resource_spans[0].resource.attributes.size(), 1u);
  // frontend: the default scope (client and producer spans) and brave's scope.
  ASSERT_EQ(batch_.resource_spans[0].scope_spans.size(), 2u);
  EXPECT_EQ(batch_.resource_spans[0].scope_spans[0].spans.size(), 2u);
}

TEST_F(ZipkinSampleTest, ClientSpanCarriesIdsTimesEndpointsTagsErrorAndAnnotations) {
  const model::Span* client = FindSpan(batch_, "frontend", SpanKind::kClient);
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(client->trace_id.ToHex(), "00000000000000005af7183fb1d4cf5f");  // 16 hex digits zero-extended
  EXPECT_EQ(client->span_id.ToHex(), "352bff9a74ca9ad2");
  EXPECT_EQ(client->parent_span_id.ToHex(), "6b221d5bc9e6496c");
  EXPECT_EQ(client->name, "get /api");
  EXPECT_EQ(client->flags, model::kTraceFlagSampled);
  EXPECT_EQ(client->start_time_unix_nano, 1556604172355737000u);
  EXPECT_EQ(client->end_time_unix_nano, 1556604172355737000u + 1431000u);
  EXPECT_EQ(client->status.code, StatusCode::kError);
  EXPECT_EQ(client->status.message, "503 Service Unavailable");
  EXPECT_EQ(StringAttribute(client->attributes, "http.method"), "GET");
  EXPECT_EQ(StringAttribute(client->attributes, "http.status_code"), "503");
  EXPECT_EQ(StringAttribute(client->attributes, "error"), "<absent>");
  EXPECT_EQ(StringAttribute(client->attributes, "network.local.address"), "192.168.99.1");
  EXPECT_EQ(StringAttribute(client->attributes, "network.local.port"), "3306");
  EXPECT_EQ(StringAttribute(client->attributes, "peer.service"), "backend");
  EXPECT_EQ(StringAttribute(client->attributes, "network.peer.address"), "172.19.0.2");
  EXPECT_EQ(StringAttribute(client->attributes, "network.peer.port"), "9000");
  EXPECT_EQ(StringAttribute(client->attributes, "server.address"), "172.19.0.2");
  EXPECT_EQ(StringAttribute(client->attributes, "server.port"), "9000");
  ASSERT_EQ(client->events.size(), 2u);
  EXPECT_EQ(client->events[0].name, "ws");
  EXPECT_EQ(client->events[0].time_unix_nano, 1556604172355800000u);
  EXPECT_EQ(client->events[1].name, "wr");
}

TEST_F(ZipkinSampleTest, SharedServerSpanIsMarkedAndKeepsItsOwnEndpoints) {
  const model::Span* server = FindSpan(batch_, "backend", SpanKind::kServer);
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->span_id.ToHex(), "352bff9a74ca9ad2");
  EXPECT_EQ(model::FindAttribute(server->attributes, "zipkin.shared") != nullptr &&
                *model::FindAttribute(server->attributes, "zipkin.shared") == model::AttributeValue(true),
            true);
  EXPECT_EQ(StringAttribute(server->attributes, "network.local.address"), "2001:db8::c001");
  EXPECT_EQ(StringAttribute(server->attributes, "network.peer.address"), "172.19.0.1");
  EXPECT_EQ(StringAttribute(server->attributes, "server.address"), "<absent>");  // only for outgoing calls
  EXPECT_EQ(StringAttribute(server->attributes, "retries"), "2");  // a non-string tag keeps its JSON text
  EXPECT_EQ(server->status.code, StatusCode::kUnset);
}

TEST_F(ZipkinSampleTest, OtelTagsBecomeScopeAndStatusAndDebugIsKept) {
  const model::InstrumentationScope* scope = nullptr;
  const model::Span* root = FindSpan(batch_, "frontend", SpanKind::kServer, &scope);
  ASSERT_NE(root, nullptr);
  EXPECT_TRUE(root->IsRoot());
  EXPECT_EQ(scope->name, "brave");
  EXPECT_EQ(scope->version, "5.13");
  EXPECT_EQ(root->status.code, StatusCode::kOk);
  EXPECT_EQ(StringAttribute(root->attributes, "zipkin.debug"), "true");
  EXPECT_EQ(StringAttribute(root->attributes, "otel.scope.name"), "<absent>");

  const model::Span* producer = FindSpan(batch_, "frontend", SpanKind::kProducer);
  ASSERT_NE(producer, nullptr);
  EXPECT_EQ(producer->trace_id.ToHex(), "463ac35c9f6413ad48485a3953bb6124");
  EXPECT_EQ(producer->status.code, StatusCode::kError);
  EXPECT_EQ(producer->status.message, "broker down");
  EXPECT_EQ(StringAttribute(producer->attributes, "server.address"), "kafka");
  EXPECT_EQ(producer->end_time_unix_nano, producer->start_time_unix_nano);  // no duration
}

TEST(ZipkinJson, SpanWithoutServiceOrKindGetsDefaults) {
  model::TraceBatch batch;
  std::string error;
  ASSERT_TRUE(ParseZipkinJson(R"([{"traceId":"1","id":"2","name":"x"}])", &batch, &error)) << error;
  ASSERT_EQ(batch.SpanCount(), 1u);
  EXPECT_EQ(StringAttribute(batch.resource_spans[0].resource.attributes, "service.name"), "unknown_service");
  const model::Span& span = batch.resource_spans[0].scope_spans[0].spans[0];
  EXPECT_EQ(span.kind, SpanKind::kInternal);
  EXPECT_EQ(span.trace_id.ToHex(), "00000000000000000000000000000001");
  EXPECT_EQ(span.span_id.ToHex(), "0000000000000002");
  EXPECT_TRUE(ParseZipkinJson("[]", &batch, &error));
}

struct BadZipkin {
  const char* name;
  const char* json;
  const char* error_part;
};

void PrintTo(const BadZipkin& bad, std::ostream* out) { *out << bad.name; }

class ZipkinJsonRefusesTest : public ::testing::TestWithParam<BadZipkin> {};

TEST_P(ZipkinJsonRefusesTest, WithAMessageNamingTheProblem) {
  model::TraceBatch batch;
  std::string error;
  EXPECT_FALSE(ParseZipkinJson(GetParam().json, &batch, &error));
  EXPECT_NE(error.find(GetParam().error_part), std::string::npos) << error;
  EXPECT_TRUE(batch.resource_spans.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ZipkinJsonRefusesTest,
    ::testing::Values(
        BadZipkin{"malformed", R"([{"traceId":)", "malformed JSON"},
        BadZipkin{"not_an_array", R"({"traceId":"1","id":"2"})", "expected a JSON array"},
        BadZipkin{"element_not_object", R"([1])", "span[0]: not an object"},
        BadZipkin{"zero_trace_id", R"([{"traceId":"0000000000000000","id":"2"}])", "span[0].traceId"},
        BadZipkin{"long_trace_id", R"([{"traceId":"463ac35c9f6413ad48485a3953bb61240","id":"2"}])", "traceId"},
        BadZipkin{"non_hex_id", R"([{"traceId":"1","id":"xyz"}])", "span[0].id"},
        BadZipkin{"missing_id", R"([{"traceId":"1"}])", "id: missing"},
        BadZipkin{"second_span_bad", R"([{"traceId":"1","id":"2"},{"traceId":"1","id":"2","parentId":"q"}])",
                  "span[1].parentId"},
        BadZipkin{"unknown_kind", R"([{"traceId":"1","id":"2","kind":"SIDEWAYS"}])", "kind"},
        BadZipkin{"negative_timestamp", R"([{"traceId":"1","id":"2","timestamp":-5}])", "timestamp"},
        BadZipkin{"bad_port", R"([{"traceId":"1","id":"2","localEndpoint":{"port":70000}}])", "port"}));

}  // namespace
}  // namespace hoptrace::collector
