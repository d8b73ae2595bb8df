#include "hoptrace/otlp/wire.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "hoptrace/otlp/proto_convert.h"
#include "test_batch.h"
#include "wire_test_support.h"

namespace hoptrace::otlp::wire {
namespace {

using ::testing::HasSubstr;
using testing::MakeFullBatch;

// Scans `bytes`, expecting success.
ScannedRequest MustScan(std::string_view bytes, DecodeReport* report = nullptr, const ScanLimits& limits = {}) {
  ScannedRequest scan;
  DecodeReport local_report;
  std::string error;
  EXPECT_TRUE(Scan(bytes, limits, &scan, report ? report : &local_report, &error)) << error;
  return scan;
}

model::TraceBatch MustParse(std::string_view bytes) {
  model::TraceBatch batch;
  DecodeReport report;
  std::string error;
  EXPECT_TRUE(ParseExportRequest(bytes, &batch, &report, &error)) << error;
  return batch;
}

std::string WriteAll(const ScannedRequest& scan) {
  RequestWriter writer;
  for (std::size_t i = 0; i < scan.spans.size(); ++i) writer.Add(scan, i);
  std::string out;
  writer.Finish(&out);
  return out;
}

TEST(WireScanTest, FindsEverySpanOfTheFullBatch) {
  const model::TraceBatch batch = MakeFullBatch();
  const std::string bytes = SerializeExportRequest(batch);
  DecodeReport report;
  const ScannedRequest scan = MustScan(bytes, &report);
  EXPECT_TRUE(report.ok());
  ASSERT_EQ(scan.spans.size(), batch.SpanCount());
  EXPECT_EQ(report.accepted_spans, batch.SpanCount());
  ASSERT_EQ(scan.resources.size(), 2u);
  ASSERT_EQ(scan.scopes.size(), 3u);
  EXPECT_EQ(scan.resources[1].service_name, "svc-2");
  EXPECT_EQ(scan.resources[0].schema_url, "https://opentelemetry.io/schemas/1.21.0");
  EXPECT_EQ(scan.scopes[2].resource, 1u);
  EXPECT_EQ(scan.scopes[1].schema_url, "https://example.com/scope-schema");

  std::size_t index = 0;
  for (const auto& resource_spans : batch.resource_spans) {
    for (const auto& scope_spans : resource_spans.scope_spans) {
      for (const model::Span& span : scope_spans.spans) {
        const SpanRef& ref = scan.spans[index++];
        testing::ExpectSpanRefMatches(ref, span);
      }
    }
  }
}

TEST(WireScanTest, ClearKeepsCapacity) {
  const std::string bytes = SerializeExportRequest(MakeFullBatch());
  ScannedRequest scan = MustScan(bytes);
  const std::size_t capacity = scan.spans.capacity();
  scan.clear();
  EXPECT_TRUE(scan.spans.empty());
  EXPECT_TRUE(scan.resources.empty());
  EXPECT_EQ(scan.spans_over_limits, 0u);
  EXPECT_EQ(scan.spans.capacity(), capacity);
}

TEST(RequestWriterTest, AllSpansRebuildTheOriginalBatch) {
  const model::TraceBatch batch = MakeFullBatch();
  const std::string bytes = SerializeExportRequest(batch);
  const ScannedRequest scan = MustScan(bytes);
  EXPECT_EQ(MustParse(WriteAll(scan)), batch);
}

TEST(RequestWriterTest, ChosenSpansKeepTheirResourceAndScope) {
  const model::TraceBatch batch = MakeFullBatch();
  const std::string bytes = SerializeExportRequest(batch);
  const ScannedRequest scan = MustScan(bytes);
  RequestWriter writer;
  writer.Add(scan, scan.spans.size() - 1);  // resource 2's only scope
  writer.Add(scan, 0);                      // resource 1, scope 1
  writer.Add(scan, 7);                      // resource 1, scope 2
  EXPECT_EQ(writer.span_count(), 3u);
  std::string out = "prefix";
  writer.Finish(&out);
  EXPECT_EQ(writer.span_count(), 0u);
  ASSERT_EQ(out.substr(0, 6), "prefix");
  const model::TraceBatch subset = MustParse(std::string_view(out).substr(6));

  model::TraceBatch expected;
  expected.resource_spans.push_back(batch.resource_spans[1]);
  expected.resource_spans[0].scope_spans[0].spans = {batch.resource_spans[1].scope_spans[0].spans.back()};
  expected.resource_spans.push_back(batch.resource_spans[0]);
  expected.resource_spans[1].scope_spans[0].spans = {batch.resource_spans[0].scope_spans[0].spans[0]};
  expected.resource_spans[1].scope_spans[1].spans = {batch.resource_spans[0].scope_spans[1].spans[1]};
  EXPECT_EQ(subset, expected);

  // Reused: the next request holds only what was added since.
  writer.Add(scan, 1);
  out.clear();
  writer.Finish(&out);
  EXPECT_EQ(MustParse(out).SpanCount(), 1u);
}

TEST(RequestWriterTest, NothingAddedWritesAnEmptyRequest) {
  RequestWriter writer;
  std::string out;
  writer.Finish(&out);
  EXPECT_TRUE(out.empty());
}

TEST(WireDecodeTest, DecodesEverySpanResourceAndScopeOfTheFullBatch) {
  const model::TraceBatch batch = MakeFullBatch();
  const std::string bytes = SerializeExportRequest(batch);
  const ScannedRequest scan = MustScan(bytes);
  std::size_t index = 0;
  std::size_t scope_index = 0;
  for (std::size_t r = 0; r < batch.resource_spans.size(); ++r) {
    model::Resource resource;
    ASSERT_TRUE(DecodeResource(scan.resources[r].encoded, &resource));
    EXPECT_EQ(resource, batch.resource_spans[r].resource);
    for (const auto& scope_spans : batch.resource_spans[r].scope_spans) {
      model::InstrumentationScope scope;
      ASSERT_TRUE(DecodeScope(scan.scopes[scope_index++].encoded, &scope));
      EXPECT_EQ(scope, scope_spans.scope);
      model::Span span;  // reused: every field must be overwritten
      for (const model::Span& expected : scope_spans.spans) {
        ASSERT_TRUE(DecodeSpan(scan.spans[index++].encoded, &span));
        EXPECT_EQ(span, expected);
      }
    }
  }
}

// The full batch has events, links, status messages, trace state, flags, dropped counts and every
// kind of attribute value.
TEST(WireDecodeTest, ReadsSpanDetailsInOnePassAsDecodeSpanDecodes) {
  const model::TraceBatch batch = MakeFullBatch();
  const std::string bytes = SerializeExportRequest(batch);
  const ScannedRequest scan = MustScan(bytes);
  model::Span span;
  for (const SpanRef& ref : scan.spans) {
    ASSERT_TRUE(DecodeSpan(ref.encoded, &span));
    testing::ExpectSpanDetailsMatch(ref.encoded, span);
  }
}

// Every cut of a span with events, links and a status inside one of its fields fails the read (and
// DecodeSpan, which reads those fields through it), and a cut attribute fails its parse.
TEST(WireDecodeTest, ReadSpanDetailsRefusesCutSpans) {
  const model::TraceBatch batch = MakeFullBatch();
  const std::string bytes = SerializeExportRequest(batch);
  const ScannedRequest scan = MustScan(bytes);
  const std::string_view encoded = scan.spans.front().encoded;
  std::vector<std::string_view> attributes;
  SpanDetails details;
  model::Span span;
  std::size_t refused = 0;
  for (std::size_t size = 0; size < encoded.size(); ++size) {
    const std::string cut(encoded.substr(0, size));  // its own buffer: ASan sees a read past the cut
    if (!ReadSpanDetails(cut, &attributes, &details)) {
      ++refused;
      EXPECT_FALSE(DecodeSpan(cut, &span)) << "cut to " << size;
    }
  }
  ASSERT_TRUE(DecodeSpan(encoded, &span));
  ASSERT_FALSE(span.events.empty());
  ASSERT_FALSE(span.links.empty());
  EXPECT_GT(refused, encoded.size() / 2);  // most cuts fall inside a field
  attributes.clear();
  EXPECT_TRUE(ReadSpanDetails(encoded, &attributes, &details));
  EXPECT_EQ(attributes.size(), span.attributes.size());
  std::string_view key;
  ValueView value;
  for (const std::string_view attribute : attributes) {
    EXPECT_TRUE(ParseAttribute(attribute, &key, &value));
    const std::string cut(attribute.substr(0, attribute.size() - 1));
    EXPECT_FALSE(ParseAttribute(cut, &key, &value)) << attribute;
  }
  EXPECT_FALSE(ReadSpanDetails(std::string("\x7a\x02\x12\x05", 4), &attributes, &details));  // a status cut short
}

TEST(WireAttributeTest, ReadsAttributesInPlace) {
  const model::TraceBatch batch = MakeFullBatch();
  const std::string bytes = SerializeExportRequest(batch);
  const ScannedRequest scan = MustScan(bytes);
  const model::Span& expected = batch.resource_spans[0].scope_spans[0].spans[0];
  std::vector<std::string> keys;
  ASSERT_TRUE(ForEachAttribute(scan.spans[0].encoded, AttributeOwner::kSpan, [&](std::string_view key, const ValueView&) {
    keys.emplace_back(key);
    return true;
  }));
  ASSERT_EQ(keys.size(), expected.attributes.size());
  for (std::size_t i = 0; i < keys.size(); ++i) EXPECT_EQ(keys[i], expected.attributes[i].key);

  ValueView value;
  ASSERT_TRUE(FindAttribute(scan.spans[0].encoded, AttributeOwner::kSpan, "int.min", &value));
  EXPECT_EQ(value.type, model::AttributeType::kInt);
  EXPECT_EQ(value.integer, std::numeric_limits<std::int64_t>::min());
  ASSERT_TRUE(FindAttribute(scan.spans[0].encoded, AttributeOwner::kSpan, "bool.true", &value));
  EXPECT_TRUE(value.boolean);
  ASSERT_TRUE(FindAttribute(scan.spans[0].encoded, AttributeOwner::kSpan, "double.inf", &value));
  EXPECT_EQ(value.real, std::numeric_limits<double>::infinity());
  EXPECT_FALSE(FindAttribute(scan.spans[0].encoded, AttributeOwner::kSpan, "absent", &value));

  ASSERT_TRUE(FindAttribute(scan.spans[0].encoded, AttributeOwner::kSpan, "strings", &value));
  EXPECT_EQ(value.type, model::AttributeType::kStringArray);
  std::vector<std::string> items;
  ASSERT_TRUE(ForEachArrayItem(value, [&](std::string_view, const ValueView& item) {
    items.emplace_back(item.string);
    return true;
  }));
  EXPECT_EQ(items, (std::vector<std::string>{"a", "", "ü"}));
  EXPECT_FALSE(ForEachArrayItem(ValueView{}, [](std::string_view, const ValueView&) { return true; }));

  ASSERT_TRUE(FindAttribute(scan.resources[1].encoded, AttributeOwner::kResource, "service.name", &value));
  EXPECT_EQ(value.string, "svc-2");
  ASSERT_TRUE(FindAttribute(scan.scopes[0].encoded, AttributeOwner::kScope, "scope.attr", &value));
  EXPECT_EQ(value.integer, 1);
}

TEST(WireScanTest, RefusesGarbageWithTheReasonInTheError) {
  ScannedRequest scan;
  DecodeReport report;
  std::string error;
  EXPECT_FALSE(Scan("\x0a\x05\x01", {}, &scan, &report, &error));
  EXPECT_THAT(error, HasSubstr("not a valid ExportTraceServiceRequest"));
  EXPECT_TRUE(Scan("", {}, &scan, &report, &error));
  EXPECT_TRUE(scan.spans.empty());
}

}  // namespace
}  // namespace hoptrace::otlp::wire
