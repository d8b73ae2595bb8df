#include "hoptrace/otlp/json_convert.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include <google/protobuf/util/json_util.h>

#include "test_batch.h"

namespace hoptrace::otlp {
namespace {

using ::testing::HasSubstr;
using testing::MakeFullBatch;
using testing::TestSpanId;
using testing::TestTraceId;

struct Parsed {
  bool ok = false;
  model::TraceBatch batch;
  DecodeReport report;
  std::string error;
};

Parsed Parse(std::string_view json) {
  Parsed parsed;
  parsed.ok = ParseJson(json, &parsed.batch, &parsed.report, &parsed.error);
  return parsed;
}

// A request around one span's members, e.g. SpanJson(R"("name":"x")").
std::string SpanJson(std::string_view members) {
  return R"({"resourceSpans":[{"scopeSpans":[{"spans":[{)" + std::string(members) + "}]}]}]}";
}
constexpr std::string_view kValidIds = R"("traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"1112131415161718")";

const model::Span& OnlySpan(const Parsed& parsed) { return parsed.batch.resource_spans.at(0).scope_spans.at(0).spans.at(0); }

TEST(JsonConvertTest, FullBatchRoundTrips) {
  const model::TraceBatch batch = MakeFullBatch();
  const Parsed parsed = Parse(ToJson(batch));
  ASSERT_TRUE(parsed.ok) << parsed.error;
  EXPECT_TRUE(parsed.report.ok()) << parsed.report.first_error;
  EXPECT_EQ(parsed.report.accepted_spans, batch.SpanCount());
  EXPECT_EQ(parsed.batch, batch);
}

TEST(JsonConvertTest, JsonAndProtobufDecodeToTheSameModel) {
  const model::TraceBatch batch = MakeFullBatch();
  model::TraceBatch from_proto;
  DecodeReport report;
  std::string error;
  ASSERT_TRUE(ParseExportRequest(SerializeExportRequest(batch), &from_proto, &report, &error));
  EXPECT_EQ(Parse(ToJson(batch)).batch, from_proto);
}

TEST(JsonConvertTest, WritesOtlpJsonEncoding) {
  model::Span span;
  span.trace_id = TestTraceId(1);
  span.span_id = TestSpanId(2);
  span.parent_span_id = TestSpanId(1);
  span.name = "GET /";
  span.kind = model::SpanKind::kServer;
  span.flags = 0x301;
  span.start_time_unix_nano = 1700000000000000001ULL;
  span.end_time_unix_nano = 1700000000000000002ULL;
  span.attributes.push_back({"http.status_code", std::int64_t{200}});
  span.attributes.push_back({"ratio", std::nan("")});
  span.attributes.push_back({"tags", std::vector<bool>{true}});
  span.status.code = model::StatusCode::kError;
  std::string json;
  AppendJson(span, &json);
  EXPECT_EQ(json,
            R"({"traceId":"0102030405060708a1b2c3d4e5f60719","spanId":"1122334455667702",)"
            R"("parentSpanId":"1122334455667701","flags":769,"name":"GET /","kind":2,)"
            R"("startTimeUnixNano":"1700000000000000001","endTimeUnixNano":"1700000000000000002",)"
            R"("attributes":[{"key":"http.status_code","value":{"intValue":"200"}},)"
            R"({"key":"ratio","value":{"doubleValue":"NaN"}},)"
            R"({"key":"tags","value":{"arrayValue":{"values":[{"boolValue":true}]}}}],)"
            R"("status":{"code":2}})");

  model::TraceBatch batch;
  batch.resource_spans.emplace_back().scope_spans.emplace_back().spans.push_back(span);
  const std::string request = ToJson(batch);
  EXPECT_THAT(request, HasSubstr(R"({"resourceSpans":[{"resource":{},"scopeSpans":[{"scope":{},"spans":[{"traceId")"));
  const Parsed parsed = Parse(request);
  ASSERT_TRUE(parsed.ok) << parsed.error;
  EXPECT_TRUE(std::isnan(std::get<double>(OnlySpan(parsed).attributes[1].value)));
}

TEST(JsonConvertTest, ReaderAcceptsEverythingProtoJsonAllows) {
  const std::string json = SpanJson(std::string(kValidIds) + R"(,
      "start_time_unix_nano": 1700000000000000001,
      "endTimeUnixNano": 1.7e18,
      "kind": "SPAN_KIND_CLIENT",
      "status": {"code": "STATUS_CODE_ERROR", "message": null},
      "dropped_attributes_count": "3",
      "flags": 1,
      "some_future_field": {"nested": [1, 2, {"x": null}]},
      "parentSpanId": "",
      "attributes": [
        {"key": "a", "value": {"int_value": 5}},
        {"key": "b", "value": {"doubleValue": 2}},
        {"key": "c", "value": {"doubleValue": "-Infinity"}},
        {"key": "d", "value": {"bytesValue": "-_8"}},
        {"key": "e"},
        {"key": "f", "value": {"array_value": {"values": [{"intValue": "1"}, {"stringValue": "x"}]}}}
      ],
      "events": [{"time_unix_nano": "7", "name": "e", "unknown": true}],
      "links": [{"trace_id": "AABBCCDDEEFF00112233445566778899", "span_id": "0000000000000001", "flags": 257}])");
  const Parsed parsed = Parse(json);
  ASSERT_TRUE(parsed.ok) << parsed.error;
  ASSERT_TRUE(parsed.report.ok()) << parsed.report.first_error;
  const model::Span& span = OnlySpan(parsed);
  EXPECT_EQ(span.start_time_unix_nano, 1700000000000000001ULL);
  EXPECT_EQ(span.end_time_unix_nano, 1700000000000000000ULL);
  EXPECT_EQ(span.kind, model::SpanKind::kClient);
  EXPECT_EQ(span.status.code, model::StatusCode::kError);
  EXPECT_EQ(span.dropped_attributes_count, 3u);
  EXPECT_TRUE(span.IsRoot());
  const model::Attributes expected_attributes = {
      {"a", std::int64_t{5}},
      {"b", 2.0},
      {"c", -HUGE_VAL},
      {"d", std::string("+/8=")},
      {"e", std::string()},
      {"f", std::vector<std::string>{"1", "x"}},
  };
  EXPECT_EQ(span.attributes, expected_attributes);
  EXPECT_EQ(span.events[0].time_unix_nano, 7u);
  EXPECT_EQ(span.links[0].trace_id.ToHex(), "aabbccddeeff00112233445566778899");
  EXPECT_EQ(span.links[0].flags, 257u);
}

TEST(JsonConvertTest, MissingKindIsUnspecifiedAsInOtlp) {
  const Parsed parsed = Parse(SpanJson(kValidIds));
  ASSERT_TRUE(parsed.ok) << parsed.error;
  EXPECT_EQ(OnlySpan(parsed).kind, model::SpanKind::kUnspecified);
}

struct RejectCase {
  std::string json;
  std::string error;
};

TEST(JsonConvertTest, RejectsMalformedJsonAndWrongTypesNamingThePath) {
  const std::string spans = "resourceSpans[0].scopeSpans[0].spans[0]";
  const RejectCase cases[] = {
      {R"({"resourceSpans":[)", "invalid JSON: "},
      {"", "invalid JSON: "},
      {R"({"a":1} trailing)", "invalid JSON: "},
      {"[]", "$: expected an object"},
      {R"({"resourceSpans":{}})", "resourceSpans: expected an array"},
      {R"({"resourceSpans":[{"scopeSpans":[{},{"spans":[{},1]}]}]})", "resourceSpans[0].scopeSpans[1].spans[1]: expected an object"},
      {SpanJson(R"("startTimeUnixNano":true)"), spans + ".startTimeUnixNano: expected an integer or a decimal string"},
      {SpanJson(R"("start_time_unix_nano":"12x")"), spans + ".start_time_unix_nano: expected an integer or a decimal string"},
      {SpanJson(R"("endTimeUnixNano":-1)"), spans + ".endTimeUnixNano: integer out of range"},
      {SpanJson(R"("endTimeUnixNano":"18446744073709551616")"), spans + ".endTimeUnixNano: integer out of range"},
      {SpanJson(R"("droppedAttributesCount":4294967296)"), spans + ".droppedAttributesCount: integer out of range"},
      {SpanJson(R"("flags":1.5)"), spans + ".flags: expected an integer or a decimal string"},
      {SpanJson(R"("kind":"SPAN_KIND_NOPE")"), spans + R"(.kind: unknown enum name "SPAN_KIND_NOPE")"},
      {SpanJson(R"("name":7)"), spans + ".name: expected a string"},
      {SpanJson(R"("traceId":1)"), spans + ".traceId: expected a string"},
      {SpanJson(R"("attributes":[{"key":"k","value":{"boolValue":"yes"}}])"),
       spans + ".attributes[0].value.boolValue: expected true or false"},
      {SpanJson(R"("attributes":[{"key":"k","value":{"doubleValue":"fast"}}])"),
       spans + R"(.attributes[0].value.doubleValue: expected a number or "NaN", "Infinity", "-Infinity")"},
      {SpanJson(R"("attributes":[{"key":"k","value":{"bytesValue":"!!"}}])"),
       spans + ".attributes[0].value.bytesValue: expected a base64 string"},
      {SpanJson(R"("attributes":[{"key":"k","value":{"arrayValue":{"values":[{"intValue":[]}]}}}])"),
       spans + ".attributes[0].value.arrayValue.values[0].intValue: expected an integer or a decimal string"},
      {SpanJson(R"("events":[{"attributes":{}}])"), spans + ".events[0].attributes: expected an array"},
  };
  for (const auto& c : cases) {
    model::TraceBatch batch;
    batch.resource_spans.emplace_back();  // must survive a failed parse unchanged
    DecodeReport report;
    std::string error;
    EXPECT_FALSE(ParseJson(c.json, &batch, &report, &error)) << c.json;
    EXPECT_THAT(error, HasSubstr(c.error)) << c.json;
    EXPECT_EQ(batch.resource_spans.size(), 1u);
  }
}

TEST(JsonConvertTest, SkipsAndCountsSpansWithInvalidIds) {
  const RejectCase cases[] = {
      {R"("traceId":"0102030405060708090a0b0c0d0e0f","spanId":"1112131415161718")",
       "span 1: traceId must be 32 hex digits, got 30"},
      {R"("spanId":"1112131415161718")", "span 1: traceId must be 32 hex digits, got 0"},
      {R"("traceId":"00000000000000000000000000000000","spanId":"1112131415161718")", "span 1: traceId is all zero"},
      {R"("traceId":"zz02030405060708090a0b0c0d0e0f10","spanId":"1112131415161718")", "span 1: traceId is not hex"},
      {R"("traceId":"AQIDBAUGBwgJCgsMDQ4PEA==","spanId":"1112131415161718")",  // base64, not hex
       "span 1: traceId must be 32 hex digits, got 24"},
      {R"("traceId":"0102030405060708090a0b0c0d0e0f10")", "span 1: spanId must be 16 hex digits, got 0"},
      {std::string(kValidIds) + R"(,"parentSpanId":"12")", "span 1: parentSpanId must be 16 hex digits, got 2"},
      {std::string(kValidIds) + R"(,"links":[{"traceId":"01"}])", "span 1: link traceId must be 32 hex digits, got 2"},
  };
  for (const auto& c : cases) {
    const std::string good = "{" + std::string(kValidIds) + "}";
    const std::string json = R"({"resourceSpans":[{"scopeSpans":[{"spans":[)" + good + ",{" + c.json + "}," + good + "]}]}]}";
    const Parsed parsed = Parse(json);
    ASSERT_TRUE(parsed.ok) << parsed.error;
    EXPECT_EQ(parsed.report.accepted_spans, 2u) << c.json;
    EXPECT_EQ(parsed.report.rejected_spans, 1u) << c.json;
    EXPECT_EQ(parsed.report.first_error, c.error);
    EXPECT_EQ(parsed.batch.SpanCount(), 2u);
  }
}

TEST(JsonConvertTest, StringsWithControlCharactersAndUnicodeRoundTrip) {
  std::string every_control_character;
  for (char c = 0; c < 0x20; ++c) every_control_character.push_back(c);
  const std::string texts[] = {every_control_character, "\"\\/", "héllo ✓ 😀 \u2028 \x7f", "", "a\0b"};
  for (const std::string& text : texts) {
    model::TraceBatch batch;
    model::Span& span = batch.resource_spans.emplace_back().scope_spans.emplace_back().spans.emplace_back();
    span.trace_id = TestTraceId(1);
    span.span_id = TestSpanId(1);
    span.name = text;
    span.attributes.push_back({text + "key", text});
    const Parsed parsed = Parse(ToJson(batch));
    ASSERT_TRUE(parsed.ok) << parsed.error;
    EXPECT_EQ(OnlySpan(parsed).name, text);
    EXPECT_EQ(OnlySpan(parsed).attributes, span.attributes);
  }
}

TEST(JsonConvertTest, InvalidUtf8IsWrittenAsValidJson) {
  model::TraceBatch batch;
  model::Span& span = batch.resource_spans.emplace_back().scope_spans.emplace_back().spans.emplace_back();
  span.trace_id = TestTraceId(1);
  span.span_id = TestSpanId(1);
  span.name = "bad\xff\xfe";
  const Parsed parsed = Parse(ToJson(batch));
  ASSERT_TRUE(parsed.ok) << parsed.error;
  EXPECT_EQ(OnlySpan(parsed).name, "bad\uFFFD\uFFFD");
}

// One table for both decoders: OTLP values the model cannot hold directly must come out the same
// whichever encoding carried them.
struct CrossPathCase {
  const char* any_value_json;
  model::AttributeValue expected;
};

TEST(JsonConvertTest, JsonAndProtobufAgreeOnValuesTheModelCannotHold) {
  const CrossPathCase cases[] = {
      {R"({"bytesValue":"AP8Q"})", std::string("AP8Q")},
      {R"({"kvlistValue":{"values":[{"key":"n","value":{"intValue":"1"}},)"
       R"({"key":"nested","value":{"kvlistValue":{"values":[{"key":"s","value":{"stringValue":"x\"y"}}]}}},)"
       R"({"key":"list","value":{"arrayValue":{"values":[{"doubleValue":1.5}]}}}]}})",
       std::string(R"({"n":1,"nested":{"s":"x\"y"},"list":[1.5]})")},
      {R"({"arrayValue":{"values":[{"intValue":"1"},{"stringValue":"two"},{"boolValue":true},{"doubleValue":0.5}]}})",
       std::vector<std::string>{"1", "two", "true", "0.5"}},
      {R"({"arrayValue":{"values":[{"stringValue":"a"},{"arrayValue":{"values":[{"intValue":"2"}]}}]}})",
       std::vector<std::string>{"a", "[2]"}},
      {R"({"arrayValue":{"values":[{"kvlistValue":{"values":[]}}]}})", std::vector<std::string>{"{}"}},
      {R"({"arrayValue":{"values":[]}})", std::vector<std::string>{}},
      {R"({})", std::string()},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.any_value_json);
    const std::string json = SpanJson(std::string(kValidIds) + R"(,"attributes":[{"key":"k","value":)" +
                                      c.any_value_json + "}]");
    const Parsed from_json = Parse(json);
    ASSERT_TRUE(from_json.ok) << from_json.error;
    EXPECT_EQ(OnlySpan(from_json).attributes[0].value, c.expected);

    // The same request through protobuf's own JSON parser (which decodes the base64 IDs it
    // expects; OTLP's hex IDs are replaced by it) and then our protobuf decoder.
    ExportRequest request;
    const std::string proto_json = SpanJson(R"("traceId":"AQIDBAUGBwgJCgsMDQ4PEA==","spanId":"ERITFBUWFxg=",)"
                                            R"("attributes":[{"key":"k","value":)" +
                                            std::string(c.any_value_json) + "}]");
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(proto_json, &request).ok());
    model::TraceBatch from_proto;
    ASSERT_TRUE(FromProto(request, &from_proto).ok());
    EXPECT_EQ(from_proto.resource_spans[0].scope_spans[0].spans[0].attributes[0].value, c.expected);
  }
}

TEST(JsonConvertTest, EmptyRequestsAreFine) {
  for (const char* json : {"{}", R"({"resourceSpans":[]})", R"({"resourceSpans":null})"}) {
    const Parsed parsed = Parse(json);
    ASSERT_TRUE(parsed.ok) << parsed.error;
    EXPECT_EQ(parsed.batch.SpanCount(), 0u);
  }
  EXPECT_EQ(ToJson(model::TraceBatch{}), "{}");
}

}  // namespace
}  // namespace hoptrace::otlp
