#include "hoptrace/sdk/propagation/b3.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hoptrace/sdk/propagation/carriers.h"

namespace hoptrace::sdk {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

const std::string kTraceId128 = "80f198ee56343ba864fe8b2a57d3eff7";
const std::string kTraceId64 = "463ac35c9f6413ad";
const std::string kTraceId64Padded = "0000000000000000463ac35c9f6413ad";
const std::string kSpanId = "e457b5a2e4d86bd1";
const std::string kParentId = "05e3ac9a4f6e3b90";

struct ExtractCase {
  std::string name;
  Headers headers;
  bool valid;
  std::string trace_id = kTraceId128;
  bool sampled = false;
};

std::vector<ExtractCase> ExtractCases() {
  return {
      // Single header.
      {"single sampled", {{"b3", kTraceId128 + "-" + kSpanId + "-1"}}, true, kTraceId128, true},
      {"single not sampled", {{"b3", kTraceId128 + "-" + kSpanId + "-0"}}, true, kTraceId128, false},
      {"single debug", {{"b3", kTraceId128 + "-" + kSpanId + "-d"}}, true, kTraceId128, true},
      {"single deferred", {{"b3", kTraceId128 + "-" + kSpanId}}, true, kTraceId128, false},
      {"single with parent",
       {{"b3", kTraceId128 + "-" + kSpanId + "-1-" + kParentId}},
       true,
       kTraceId128,
       true},
      {"single 64-bit trace id", {{"b3", kTraceId64 + "-" + kSpanId + "-1"}}, true, kTraceId64Padded, true},
      {"single header name case", {{"B3", kTraceId128 + "-" + kSpanId + "-1"}}, true, kTraceId128, true},
      {"single deny only", {{"b3", "0"}}, false},
      {"single sampled only", {{"b3", "1"}}, false},
      {"single bad sampling", {{"b3", kTraceId128 + "-" + kSpanId + "-x"}}, false},
      {"single sampling true", {{"b3", kTraceId128 + "-" + kSpanId + "-true"}}, false},
      {"single bad parent", {{"b3", kTraceId128 + "-" + kSpanId + "-1-xyz"}}, false},
      {"single five fields", {{"b3", kTraceId128 + "-" + kSpanId + "-1-" + kParentId + "-1"}}, false},
      {"single trailing dash", {{"b3", kTraceId128 + "-" + kSpanId + "-"}}, false},
      {"single upper case", {{"b3", "80F198EE56343BA864FE8B2A57D3EFF7-" + kSpanId + "-1"}}, false},
      {"single 48-bit trace id", {{"b3", "463ac35c9f64-" + kSpanId + "-1"}}, false},
      {"single zero trace id", {{"b3", std::string(32, '0') + "-" + kSpanId + "-1"}}, false},
      {"single zero span id", {{"b3", kTraceId128 + "-" + std::string(16, '0') + "-1"}}, false},
      {"single short span id", {{"b3", kTraceId128 + "-" + kSpanId.substr(1) + "-1"}}, false},
      // Multiple headers.
      {"multi sampled",
       {{"X-B3-TraceId", kTraceId128}, {"X-B3-SpanId", kSpanId}, {"X-B3-Sampled", "1"}},
       true,
       kTraceId128,
       true},
      {"multi lower-case names",
       {{"x-b3-traceid", kTraceId128}, {"x-b3-spanid", kSpanId}, {"x-b3-sampled", "1"}},
       true,
       kTraceId128,
       true},
      {"multi not sampled",
       {{"X-B3-TraceId", kTraceId128}, {"X-B3-SpanId", kSpanId}, {"X-B3-Sampled", "0"}},
       true,
       kTraceId128,
       false},
      {"multi legacy true",
       {{"X-B3-TraceId", kTraceId128}, {"X-B3-SpanId", kSpanId}, {"X-B3-Sampled", "true"}},
       true,
       kTraceId128,
       true},
      {"multi legacy false",
       {{"X-B3-TraceId", kTraceId128}, {"X-B3-SpanId", kSpanId}, {"X-B3-Sampled", "false"}},
       true,
       kTraceId128,
       false},
      {"multi debug flag",
       {{"X-B3-TraceId", kTraceId128}, {"X-B3-SpanId", kSpanId}, {"X-B3-Flags", "1"}},
       true,
       kTraceId128,
       true},
      {"multi debug overrides not sampled",
       {{"X-B3-TraceId", kTraceId128}, {"X-B3-SpanId", kSpanId}, {"X-B3-Sampled", "0"}, {"X-B3-Flags", "1"}},
       true,
       kTraceId128,
       true},
      {"multi deferred", {{"X-B3-TraceId", kTraceId128}, {"X-B3-SpanId", kSpanId}}, true, kTraceId128, false},
      {"multi with parent",
       {{"X-B3-TraceId", kTraceId64}, {"X-B3-SpanId", kSpanId}, {"X-B3-ParentSpanId", kParentId}},
       true,
       kTraceId64Padded,
       false},
      {"multi missing span id", {{"X-B3-TraceId", kTraceId128}, {"X-B3-Sampled", "1"}}, false},
      {"multi missing trace id", {{"X-B3-SpanId", kSpanId}, {"X-B3-Sampled", "1"}}, false},
      {"multi bad trace id", {{"X-B3-TraceId", "xyz"}, {"X-B3-SpanId", kSpanId}}, false},
      {"multi upper-case span id",
       {{"X-B3-TraceId", kTraceId128}, {"X-B3-SpanId", "E457B5A2E4D86BD1"}},
       false},
      // Both.
      {"single wins over multi",
       {{"b3", kTraceId128 + "-" + kSpanId + "-1"}, {"X-B3-TraceId", kTraceId64}, {"X-B3-SpanId", kParentId}},
       true,
       kTraceId128,
       true},
      {"invalid single falls back to multi",
       {{"b3", "garbage"}, {"X-B3-TraceId", kTraceId64}, {"X-B3-SpanId", kSpanId}, {"X-B3-Sampled", "1"}},
       true,
       kTraceId64Padded,
       true},
      {"none", {}, false},
  };
}

TEST(B3PropagatorTest, ExtractCases) {
  for (const auto& c : ExtractCases()) {
    const SpanContext context = B3Propagator().Extract(HeaderCarrier(c.headers));
    ASSERT_EQ(context.IsValid(), c.valid) << c.name;
    if (!c.valid) continue;
    EXPECT_EQ(context.trace_id().ToHex(), c.trace_id) << c.name;
    EXPECT_EQ(context.span_id().ToHex(), kSpanId) << c.name;
    EXPECT_EQ(context.IsSampled(), c.sampled) << c.name;
    EXPECT_TRUE(context.IsRemote()) << c.name;
    EXPECT_TRUE(context.trace_state().empty()) << c.name;
  }
}

SpanContext SampleContext(bool sampled) {
  return SpanContext(*TraceId::FromHex(kTraceId128), *SpanId::FromHex(kSpanId), sampled ? 0x01 : 0x00, false);
}

TEST(B3PropagatorTest, InjectSingleHeader) {
  Headers headers;
  HeaderCarrier carrier(headers);
  B3Propagator().Inject(SampleContext(true), carrier);
  EXPECT_EQ(headers, (Headers{{"b3", kTraceId128 + "-" + kSpanId + "-1"}}));
  B3Propagator().Inject(SampleContext(false), carrier);
  EXPECT_EQ(headers, (Headers{{"b3", kTraceId128 + "-" + kSpanId + "-0"}}));
}

TEST(B3PropagatorTest, InjectMultipleHeadersWithoutParent) {
  Headers headers;
  HeaderCarrier carrier(headers);
  B3Propagator(B3InjectFormat::kMultipleHeaders).Inject(SampleContext(true), carrier);
  EXPECT_EQ(headers,
            (Headers{{"X-B3-TraceId", kTraceId128}, {"X-B3-SpanId", kSpanId}, {"X-B3-Sampled", "1"}}));
}

TEST(B3PropagatorTest, InjectNothingForInvalidContext) {
  Headers headers;
  HeaderCarrier carrier(headers);
  B3Propagator().Inject(SpanContext::Invalid(), carrier);
  B3Propagator(B3InjectFormat::kMultipleHeaders).Inject(SpanContext::Invalid(), carrier);
  EXPECT_TRUE(headers.empty());
}

TEST(B3PropagatorTest, RoundTripsInBothFormats) {
  for (auto format : {B3InjectFormat::kSingleHeader, B3InjectFormat::kMultipleHeaders}) {
    for (bool sampled : {true, false}) {
      Headers headers;
      HeaderCarrier carrier(headers);
      const B3Propagator propagator(format);
      propagator.Inject(SampleContext(sampled), carrier);
      const SpanContext extracted = propagator.Extract(carrier);
      EXPECT_EQ(extracted, SpanContext(*TraceId::FromHex(kTraceId128), *SpanId::FromHex(kSpanId),
                                       sampled ? 0x01 : 0x00, /*is_remote=*/true));
    }
  }
}

TEST(B3PropagatorTest, DebugIsReinjectedAsSampled) {
  const Headers incoming = {{"b3", kTraceId64 + "-" + kSpanId + "-d"}};
  Headers outgoing;
  HeaderCarrier carrier(outgoing);
  B3Propagator().Inject(B3Propagator().Extract(HeaderCarrier(incoming)), carrier);
  EXPECT_EQ(outgoing, (Headers{{"b3", kTraceId64Padded + "-" + kSpanId + "-1"}}));
}

TEST(B3PropagatorTest, FieldsFollowTheInjectFormat) {
  EXPECT_EQ(B3Propagator().Fields(), (std::vector<std::string_view>{"b3"}));
  EXPECT_EQ(B3Propagator(B3InjectFormat::kMultipleHeaders).Fields(),
            (std::vector<std::string_view>{"X-B3-TraceId", "X-B3-SpanId", "X-B3-Sampled"}));
}

}  // namespace
}  // namespace hoptrace::sdk
