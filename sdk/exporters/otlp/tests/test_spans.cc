#include "test_spans.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace hoptrace::sdk::exporters::otlp::testing {

using model::SpanKind;

void RecordRichSpans(TracerProvider& provider) {
  Tracer& tracer = provider.GetTracer("shop.http", "2.0.1");
  const SpanContext remote_parent(*TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736"),
                                  *SpanId::FromHex("00f067aa0ba902b7"), model::kTraceFlagSampled,
                                  /*is_remote=*/true, *TraceState::Parse("vendor=abc,other=1"));
  const SpanContext linked(*TraceId::FromHex("0af7651916cd43dd8448eb211c80319c"),
                           *SpanId::FromHex("b7ad6b7169203331"), model::kTraceFlagSampled, /*is_remote=*/true);
  const LinkSpec links[] = {{linked, {{"link.reason", std::string_view("batch")}}}};

  Span server = tracer.StartSpan("GET /cart", {.kind = SpanKind::kServer,
                                               .parent = remote_parent,
                                               .start_time_unix_nano = 1'714'564'800'000'000'000,
                                               .attributes = {{"http.request.method", std::string_view("GET")}},
                                               .links = links});
  const std::string_view tags[] = {"a", "b"};
  const bool flags[] = {true, false};
  const std::int64_t ports[] = {80, 443};
  const double ratios[] = {0.25, -1.5e300};
  server.SetAttributes({{"http.response.status_code", std::int64_t{200}},
                        {"cache.hit", true},
                        {"load", 0.75},
                        {"tags", std::span<const std::string_view>(tags)},
                        {"flags", std::span<const bool>(flags)},
                        {"ports", std::span<const std::int64_t>(ports)},
                        {"ratios", std::span<const double>(ratios)},
                        {"utf8", std::string_view("grüße \"quoted\" \\ \n")}});
  server.AddEvent("cache.miss", {{"key", std::string_view("cart:42")}}, 1'714'564'800'000'100'000);
  server.SetStatus(model::StatusCode::kOk);
  {
    Span client = tracer.StartSpan("SELECT cart", {.kind = SpanKind::kClient,
                                                    .parent = server.context(),
                                                    .start_time_unix_nano = 1'714'564'800'000'200'000});
    client.RecordException("std::runtime_error", "connection reset");
    client.SetStatus(model::StatusCode::kError, "db down");
    client.End(1'714'564'800'000'900'000);
  }
  Tracer& other_scope = provider.GetTracer("shop.queue");
  other_scope.StartSpan("publish", {.kind = SpanKind::kProducer, .parent = server.context()}).End();
  server.End(1'714'564'800'001'000'000);
}

std::vector<SpanRecordPtr> MakeRecords(std::size_t count) {
  std::vector<SpanRecordPtr> records;
  for (std::size_t i = 0; i < count; ++i) {
    SpanRecordPtr record(new SpanRecord{});
    record->span.trace_id = TraceId::FromHighLow(1, i + 1);
    record->span.span_id = SpanId::FromHighLow(0, i + 1);
    record->span.name = "span " + std::to_string(i);
    record->span.start_time_unix_nano = 1000;
    record->span.end_time_unix_nano = 2000;
    records.push_back(std::move(record));
  }
  return records;
}

std::vector<ExportedSpan> Flatten(const model::TraceBatch& batch) {
  std::vector<ExportedSpan> spans;
  for (const model::ResourceSpans& resource_spans : batch.resource_spans) {
    for (const model::ScopeSpans& scope_spans : resource_spans.scope_spans) {
      for (const model::Span& span : scope_spans.spans) {
        spans.push_back({span, resource_spans.resource, scope_spans.scope});
      }
    }
  }
  return spans;
}

namespace {

void ExpectSameAttributes(const model::Attributes& got, const model::Attributes& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].key, want[i].key);
    EXPECT_EQ(model::TypeOf(got[i].value), model::TypeOf(want[i].value)) << want[i].key;
    EXPECT_EQ(model::AttributeValueToString(got[i].value), model::AttributeValueToString(want[i].value));
    EXPECT_TRUE(got[i].value == want[i].value) << want[i].key;
  }
}

void ExpectSameEvents(const model::SlotVector<model::Event>& got, const model::SlotVector<model::Event>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].name, want[i].name);
    EXPECT_EQ(got[i].time_unix_nano, want[i].time_unix_nano);
    ExpectSameAttributes(got[i].attributes, want[i].attributes);
  }
}

void ExpectSameLinks(const model::SlotVector<model::Link>& got, const model::SlotVector<model::Link>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].trace_id.ToHex(), want[i].trace_id.ToHex());
    EXPECT_EQ(got[i].span_id.ToHex(), want[i].span_id.ToHex());
    EXPECT_EQ(got[i].trace_state, want[i].trace_state);
    EXPECT_EQ(got[i].flags, want[i].flags);
    ExpectSameAttributes(got[i].attributes, want[i].attributes);
  }
}

}  // namespace

void ExpectSameSpans(const std::vector<ExportedSpan>& received, const std::vector<ExportedSpan>& recorded) {
  ASSERT_EQ(received.size(), recorded.size());
  for (const ExportedSpan& want : recorded) {
    SCOPED_TRACE("span " + want.span.name);
    const auto found = std::find_if(received.begin(), received.end(),
                                    [&](const ExportedSpan& got) { return got.span.span_id == want.span.span_id; });
    ASSERT_NE(found, received.end());
    const model::Span& got = found->span;
    EXPECT_EQ(got.name, want.span.name);
    EXPECT_EQ(got.trace_id.ToHex(), want.span.trace_id.ToHex());
    EXPECT_EQ(got.parent_span_id.ToHex(), want.span.parent_span_id.ToHex());
    EXPECT_EQ(got.trace_state, want.span.trace_state);
    EXPECT_EQ(got.flags, want.span.flags);
    EXPECT_EQ(got.kind, want.span.kind);
    EXPECT_EQ(got.start_time_unix_nano, want.span.start_time_unix_nano);
    EXPECT_EQ(got.end_time_unix_nano, want.span.end_time_unix_nano);
    ExpectSameAttributes(got.attributes, want.span.attributes);
    EXPECT_EQ(got.dropped_attributes_count, want.span.dropped_attributes_count);
    ExpectSameEvents(got.events, want.span.events);
    ExpectSameLinks(got.links, want.span.links);
    EXPECT_EQ(got.status, want.span.status);
    EXPECT_TRUE(got == want.span) << "some field not compared above differs";
    ExpectSameAttributes(found->resource.attributes, want.resource.attributes);
    EXPECT_EQ(found->scope.name, want.scope.name);
    EXPECT_EQ(found->scope.version, want.scope.version);
    EXPECT_TRUE(found->scope == want.scope);
  }
}

}  // namespace hoptrace::sdk::exporters::otlp::testing
