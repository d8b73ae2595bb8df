// Blocks built from encoded spans (BlockBuilder::Add(EncodedSpan), what a cut of the head does):
// the same spans come back as from a block built of model spans, and bad bytes fail the block.

#include <gtest/gtest.h>

#include "block/block.h"
#include "block_test_util.h"
#include "hoptrace/otlp/proto_convert.h"
#include "hoptrace/otlp/wire.h"

namespace hoptrace::store::block {
namespace {

using testing::Flatten;
using testing::GenerateSpans;
using testing::ReadAll;
using testing::TempDir;

// The spans of `data` as one OTLP request, scanned in place; the request must outlive the scan.
struct EncodedRequest {
  explicit EncodedRequest(const testing::GeneratedSpans& data) : bytes(otlp::SerializeExportRequest(data.ToBatch())) {
    otlp::DecodeReport report;
    std::string error;
    EXPECT_TRUE(otlp::wire::Scan(bytes, {}, &scan, &report, &error)) << error;
  }
  std::string bytes;
  otlp::wire::ScannedRequest scan;
};

EncodedSpan EncodedSpanOf(const otlp::wire::SpanRef& span) {
  return {.trace_id = span.trace_id,
          .span_id = span.span_id,
          .parent_span_id = span.parent_span_id,
          .start_unix_nanos = span.start_unix_nanos,
          .end_unix_nanos = span.end_unix_nanos,
          .kind = span.kind,
          .status_code = span.status_code,
          .name = span.name,
          .encoded = span.encoded};
}

// Adds every span of the scan; `encoded_of` may change a span's bytes.
template <typename EncodedOf>
void AddScanned(const otlp::wire::ScannedRequest& scan, BlockBuilder& builder, EncodedOf encoded_of) {
  for (const otlp::wire::SpanRef& span : scan.spans) {
    const otlp::wire::ScopeRef& scope_ref = scan.scopes[span.scope];
    const otlp::wire::ResourceRef& resource_ref = scan.resources[scope_ref.resource];
    ResourceEntry resource{.resource = {}, .schema_url = std::string(resource_ref.schema_url)};
    ScopeEntry scope{.scope = {}, .schema_url = std::string(scope_ref.schema_url)};
    ASSERT_TRUE(otlp::wire::DecodeResource(resource_ref.encoded, &resource.resource));
    ASSERT_TRUE(otlp::wire::DecodeScope(scope_ref.encoded, &scope.scope));
    EncodedSpan encoded = EncodedSpanOf(span);
    encoded.encoded = encoded_of(span);
    builder.Add(encoded, builder.InternResource(resource), builder.InternScope(scope));
  }
}

std::vector<testing::FlatSpan> RoundTrip(const testing::GeneratedSpans& data, const std::filesystem::path& path) {
  const EncodedRequest request(data);
  BlockBuilder builder(kFreshBlockZstdLevel);
  AddScanned(request.scan, builder, [](const otlp::wire::SpanRef& span) { return span.encoded; });
  const Status built = builder.Finish(path, nullptr);
  EXPECT_TRUE(built.ok()) << built.message();
  std::unique_ptr<BlockReader> reader;
  const Status opened = BlockReader::Open(path, {}, &reader);
  EXPECT_TRUE(opened.ok()) << opened.message();
  return reader ? ReadAll(*reader) : std::vector<testing::FlatSpan>{};
}

TEST(EncodedBlock, EverySpanComesBackAsAdded) {
  TempDir dir;
  const auto data = GenerateSpans(5'000, {.seed = 11});
  EXPECT_EQ(RoundTrip(data, dir.path() / "a.block"), Flatten(data));
}

TEST(EncodedBlock, EventsLinksArraysAndStatusMessagesComeBack) {
  TempDir dir;
  auto data = GenerateSpans(200, {.seed = 3});
  for (testing::GeneratedSpan& generated : data.spans) {
    model::Span& span = generated.span;
    span.status = {model::StatusCode::kError, "status of " + span.name};
    span.attributes.push_back({"strings", std::vector<std::string>{"a", span.name}});
    model::Event& event = span.events.emplace_slot();
    event.time_unix_nano = span.start_time_unix_nano + 1;
    event.name = "exception";
    event.attributes.push_back({"exception.message", span.name});
    model::Link& link = span.links.emplace_slot();
    link.trace_id = model::TraceId::FromHighLow(5, 6);
    link.span_id = model::SpanId::FromHighLow(0, 7);
    link.attributes.push_back({"link.kind", std::string("follows")});
  }
  EXPECT_EQ(RoundTrip(data, dir.path() / "a.block"), Flatten(data));
}

TEST(EncodedBlock, DuplicateSpansAreStoredOnce) {
  TempDir dir;
  auto data = GenerateSpans(300, {.seed = 5});
  const std::vector<testing::FlatSpan> expected = Flatten(data);
  const auto copies = data.spans;
  data.spans.insert(data.spans.end(), copies.begin(), copies.end());
  EXPECT_EQ(RoundTrip(data, dir.path() / "a.block"), expected);
}

TEST(EncodedBlock, ASpanThatDoesNotDecodeFailsTheBlock) {
  TempDir dir;
  const EncodedRequest request(GenerateSpans(50, {.seed = 9}));
  BlockBuilder builder;
  const std::string garbage = "\x0a\xff";  // a length past the end
  AddScanned(request.scan, builder, [&](const otlp::wire::SpanRef& span) {
    return &span == &request.scan.spans.back() ? std::string_view(garbage) : span.encoded;
  });
  const Status built = builder.Finish(dir.path() / "a.block", nullptr);
  EXPECT_EQ(built.code(), Status::Code::kCorruption) << built.message();
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "a.block"));
}

}  // namespace
}  // namespace hoptrace::store::block
