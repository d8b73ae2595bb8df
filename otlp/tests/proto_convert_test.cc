#include "hoptrace/otlp/proto_convert.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "test_batch.h"

namespace hoptrace::otlp {
namespace {

using ::testing::HasSubstr;
using testing::MakeFullBatch;
using testing::TestSpanId;
using testing::TestTraceId;

std::string Bytes(std::size_t count, char fill) { return std::string(count, fill); }

// A request with one span whose IDs are valid; tests break one field at a time.
ExportRequest OneSpanRequest() {
  ExportRequest request;
  auto* span = request.add_resource_spans()->add_scope_spans()->add_spans();
  span->set_trace_id(Bytes(16, '\x01'));
  span->set_span_id(Bytes(8, '\x02'));
  span->set_name("ok");
  return request;
}

TEST(ProtoDefinitionsTest, MatchOpenTelemetryNamesAndFieldNumbers) {
  EXPECT_EQ(ExportRequest::descriptor()->full_name(), "opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest");
  EXPECT_EQ(std::string(pb::collector::trace::v1::TraceService::service_full_name()),
            "opentelemetry.proto.collector.trace.v1.TraceService");
  EXPECT_EQ(pb::trace::v1::Span::kFlagsFieldNumber, 16);
  EXPECT_EQ(pb::trace::v1::Span::Link::kFlagsFieldNumber, 6);
  EXPECT_EQ(pb::trace::v1::Span::kStatusFieldNumber, 15);
  EXPECT_EQ(pb::common::v1::AnyValue::kBytesValueFieldNumber, 7);
  EXPECT_EQ(pb::collector::trace::v1::ExportTracePartialSuccess::kErrorMessageFieldNumber, 2);
  EXPECT_EQ(pb::trace::v1::SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK, 0x200);
}

TEST(ProtoConvertTest, FullBatchRoundTripsThroughBytes) {
  const model::TraceBatch batch = MakeFullBatch();
  ExportRequest request;
  ToProto(batch, &request);
  const std::string bytes = request.SerializeAsString();
  EXPECT_EQ(SerializeExportRequest(batch), bytes);

  model::TraceBatch decoded;
  DecodeReport report;
  std::string error;
  ASSERT_TRUE(ParseExportRequest(bytes, &decoded, &report, &error)) << error;
  EXPECT_TRUE(report.ok()) << report.first_error;
  EXPECT_EQ(report.accepted_spans, batch.SpanCount());
  EXPECT_EQ(decoded, batch);
}

TEST(ProtoConvertTest, WritesSpanFieldForField) {
  const model::TraceBatch batch = MakeFullBatch();
  const model::Span& span = batch.resource_spans[0].scope_spans[0].spans[2];
  pb::trace::v1::Span out;
  ToProto(span, &out);
  EXPECT_EQ(out.trace_id(), std::string(reinterpret_cast<const char*>(span.trace_id.data()), 16));
  EXPECT_EQ(out.span_id().size(), 8u);
  EXPECT_EQ(out.parent_span_id().size(), 8u);
  EXPECT_EQ(out.kind(), pb::trace::v1::Span::SPAN_KIND_SERVER);
  EXPECT_EQ(out.flags(), span.flags);
  EXPECT_EQ(out.end_time_unix_nano(), span.end_time_unix_nano);
  EXPECT_EQ(out.status().code(), pb::trace::v1::Status::STATUS_CODE_ERROR);
  EXPECT_EQ(out.links(0).flags(), span.links[0].flags);
  EXPECT_EQ(out.links(0).trace_state(), "linked=yes");
  EXPECT_EQ(out.attributes(4).value().int_value(), -42);
  EXPECT_EQ(out.attributes(13).value().array_value().values(2).int_value(), INT64_MAX);

  out.Clear();
  ToProto(batch.resource_spans[0].scope_spans[0].spans[0], &out);
  EXPECT_TRUE(out.parent_span_id().empty()) << "a root span has no parent_span_id bytes";
}

TEST(ProtoConvertTest, MakesInvalidUtf8ValidSoReceiversAcceptTheRequest) {
  model::Span span;
  span.name = "bad\xff";
  pb::trace::v1::Span out;
  ToProto(span, &out);
  EXPECT_EQ(out.name(), "bad\xEF\xBF\xBD");
}

// An AnyValue wrapped in a request, decoded to the model value the span attribute gets.
model::AttributeValue DecodeAnyValue(const pb::common::v1::AnyValue& value) {
  ExportRequest request = OneSpanRequest();
  auto* attribute = request.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->add_attributes();
  attribute->set_key("k");
  *attribute->mutable_value() = value;
  model::TraceBatch batch;
  FromProto(request, &batch);
  return batch.resource_spans.at(0).scope_spans.at(0).spans.at(0).attributes[0].value;
}

pb::common::v1::AnyValue IntValue(std::int64_t v) {
  pb::common::v1::AnyValue value;
  value.set_int_value(v);
  return value;
}
pb::common::v1::AnyValue StringValue(const std::string& s) {
  pb::common::v1::AnyValue value;
  value.set_string_value(s);
  return value;
}

TEST(ProtoConvertTest, ConvertsValuesTheModelCannotHoldToText) {
  pb::common::v1::AnyValue bytes;
  bytes.set_bytes_value("\x00\xff\x10", 3);
  EXPECT_EQ(DecodeAnyValue(bytes), model::AttributeValue(std::string("AP8Q")));

  pb::common::v1::AnyValue kvlist;
  auto* entry = kvlist.mutable_kvlist_value()->add_values();
  entry->set_key("n");
  *entry->mutable_value() = IntValue(1);
  entry = kvlist.mutable_kvlist_value()->add_values();
  entry->set_key("nested");
  auto* inner = entry->mutable_value()->mutable_kvlist_value()->add_values();
  inner->set_key("s");
  *inner->mutable_value() = StringValue("x\"y");
  EXPECT_EQ(DecodeAnyValue(kvlist), model::AttributeValue(std::string(R"({"n":1,"nested":{"s":"x\"y"}})")));

  pb::common::v1::AnyValue mixed;
  *mixed.mutable_array_value()->add_values() = IntValue(1);
  *mixed.mutable_array_value()->add_values() = StringValue("two");
  mixed.mutable_array_value()->add_values()->set_bool_value(true);
  EXPECT_EQ(DecodeAnyValue(mixed), model::AttributeValue(std::vector<std::string>{"1", "two", "true"}));

  pb::common::v1::AnyValue ints;
  *ints.mutable_array_value()->add_values() = IntValue(1);
  *ints.mutable_array_value()->add_values() = IntValue(2);
  EXPECT_EQ(DecodeAnyValue(ints), model::AttributeValue(std::vector<std::int64_t>{1, 2}));

  EXPECT_EQ(DecodeAnyValue(pb::common::v1::AnyValue()), model::AttributeValue(std::string()));
}

TEST(ProtoConvertTest, NestedArraysBecomeJsonTextOnceNotEscapedAgainPerLevel) {
  pb::common::v1::AnyValue inner;
  *inner.mutable_array_value()->add_values() = StringValue("x\"y");
  pb::common::v1::AnyValue two_levels;
  *two_levels.mutable_array_value()->add_values() = inner;
  *two_levels.mutable_array_value()->add_values() = IntValue(3);
  pb::common::v1::AnyValue three_levels;
  *three_levels.mutable_array_value()->add_values() = two_levels;
  EXPECT_EQ(DecodeAnyValue(three_levels), model::AttributeValue(std::vector<std::string>{R"([["x\"y"],3])"}));

  // Escaping again at every level would double the text per level: 60 levels would never finish.
  pb::common::v1::AnyValue deep = StringValue(std::string(1000, '"'));
  for (int level = 0; level < 60; ++level) {
    pb::common::v1::AnyValue wrapper;
    *wrapper.mutable_array_value()->add_values() = std::move(deep);
    deep = std::move(wrapper);
  }
  const model::AttributeValue decoded = DecodeAnyValue(deep);
  const auto* text = std::get_if<std::vector<std::string>>(&decoded);
  ASSERT_NE(text, nullptr);
  ASSERT_EQ(text->size(), 1u);
  EXPECT_EQ(text->front().size(), 2 * 59 + 2 + 2000);  // 59 pairs of brackets, the quoted, escaped string
}

struct InvalidIdCase {
  const char* name;
  void (*corrupt)(pb::trace::v1::Span*);
  const char* first_error;
};

TEST(ProtoConvertTest, SkipsAndCountsSpansWithInvalidIds) {
  const InvalidIdCase cases[] = {
      {"short trace id", [](pb::trace::v1::Span* s) { s->set_trace_id(Bytes(15, '\x01')); },
       "span 1: trace_id must be 16 bytes, got 15"},
      {"missing trace id", [](pb::trace::v1::Span* s) { s->clear_trace_id(); }, "span 1: trace_id must be 16 bytes, got 0"},
      {"zero trace id", [](pb::trace::v1::Span* s) { s->set_trace_id(Bytes(16, '\0')); }, "span 1: trace_id is all zero"},
      {"long span id", [](pb::trace::v1::Span* s) { s->set_span_id(Bytes(9, '\x02')); }, "span 1: span_id must be 8 bytes, got 9"},
      {"zero span id", [](pb::trace::v1::Span* s) { s->set_span_id(Bytes(8, '\0')); }, "span 1: span_id is all zero"},
      {"bad parent", [](pb::trace::v1::Span* s) { s->set_parent_span_id(Bytes(3, '\x03')); },
       "span 1: parent_span_id must be 8 bytes, got 3"},
      {"bad link", [](pb::trace::v1::Span* s) { s->add_links()->set_trace_id(Bytes(5, '\x04')); },
       "span 1: link trace_id must be 16 bytes, got 5"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    ExportRequest request = OneSpanRequest();
    auto* spans = request.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans();
    *spans->Add() = spans->Get(0);
    *spans->Add() = spans->Get(0);
    c.corrupt(spans->Mutable(1));
    model::TraceBatch batch;
    const DecodeReport report = FromProto(request, &batch);
    EXPECT_EQ(report.accepted_spans, 2u);
    EXPECT_EQ(report.rejected_spans, 1u);
    EXPECT_FALSE(report.ok());
    EXPECT_EQ(report.first_error, c.first_error);
    EXPECT_EQ(batch.SpanCount(), 2u);
  }
}

TEST(ProtoConvertTest, AcceptsOptionalIdsEmptyAndAllZero) {
  ExportRequest request = OneSpanRequest();
  auto* span = request.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0);
  span->set_parent_span_id(Bytes(8, '\0'));
  span->add_links()->set_trace_state("no context, but tracestate");  // empty link IDs are allowed
  model::TraceBatch batch;
  const DecodeReport report = FromProto(request, &batch);
  EXPECT_TRUE(report.ok()) << report.first_error;
  const model::Span& decoded = batch.resource_spans[0].scope_spans[0].spans[0];
  EXPECT_TRUE(decoded.IsRoot());
  EXPECT_FALSE(decoded.links[0].trace_id.IsValid());
}

TEST(ProtoConvertTest, HandlesMissingResourceAndScopeAndUnknownEnums) {
  ExportRequest request = OneSpanRequest();
  auto* span = request.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0);
  span->set_kind(static_cast<pb::trace::v1::Span::SpanKind>(9));
  span->mutable_status()->set_code(static_cast<pb::trace::v1::Status::StatusCode>(7));
  model::TraceBatch batch;
  EXPECT_TRUE(FromProto(request, &batch).ok());
  EXPECT_EQ(batch.resource_spans[0].resource, model::Resource{});
  EXPECT_EQ(batch.resource_spans[0].scope_spans[0].scope, model::InstrumentationScope{});
  EXPECT_EQ(batch.resource_spans[0].scope_spans[0].spans[0].kind, model::SpanKind::kUnspecified);
  EXPECT_EQ(batch.resource_spans[0].scope_spans[0].spans[0].status.code, model::StatusCode::kUnset);
}

TEST(ProtoConvertTest, RejectsTruncatedAndGarbageBytes) {
  const std::string bytes = SerializeExportRequest(MakeFullBatch());
  for (const std::string& input : {bytes.substr(0, bytes.size() / 2), std::string("\xff\xff\xff\xff", 4)}) {
    model::TraceBatch batch;
    DecodeReport report;
    std::string error;
    EXPECT_FALSE(ParseExportRequest(input, &batch, &report, &error));
    EXPECT_THAT(error, HasSubstr("not a valid ExportTraceServiceRequest"));
    EXPECT_TRUE(batch.resource_spans.empty());
  }
}

TEST(ProtoConvertTest, EmptyRequestIsFine) {
  model::TraceBatch batch;
  DecodeReport report;
  std::string error;
  EXPECT_TRUE(ParseExportRequest("", &batch, &report, &error)) << error;
  EXPECT_EQ(batch.SpanCount(), 0u);
  EXPECT_TRUE(SerializeExportRequest(batch).empty());
}

}  // namespace
}  // namespace hoptrace::otlp
