#include "hoptrace/sdk/propagation/trace_context.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "hoptrace/sdk/propagation/carriers.h"

namespace hoptrace::sdk {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr std::string_view kTraceId = "12345678901234567890123456789012";
constexpr std::string_view kSpanId = "1234567890123456";

std::string TraceParentWith(std::string_view version, std::string_view trace_id, std::string_view span_id,
                            std::string_view flags) {
  return std::string(version) + "-" + std::string(trace_id) + "-" + std::string(span_id) + "-" +
         std::string(flags);
}

SpanContext ExtractFrom(const Headers& headers) {
  return TraceContextPropagator().Extract(HeaderCarrier(headers));
}

struct TraceParentCase {
  std::string name;
  std::string value;
  bool valid;
  bool sampled = false;
};

// The cases of the W3C trace-context test suite (test/test.py) for `traceparent`, and more.
std::vector<TraceParentCase> TraceParentCases() {
  return {
      {"version 00 sampled", TraceParentWith("00", kTraceId, kSpanId, "01"), true, true},
      {"version 00 not sampled", TraceParentWith("00", kTraceId, kSpanId, "00"), true, false},
      {"unknown flags ignored", TraceParentWith("00", kTraceId, kSpanId, "fe"), true, false},
      {"all flags", TraceParentWith("00", kTraceId, kSpanId, "ff"), true, true},
      {"leading space", " " + TraceParentWith("00", kTraceId, kSpanId, "01"), true, true},
      {"trailing tab", TraceParentWith("00", kTraceId, kSpanId, "01") + "\t", true, true},
      {"both sides OWS", "\t " + TraceParentWith("00", kTraceId, kSpanId, "01") + " \t", true, true},
      {"empty", "", false},
      {"version ff", TraceParentWith("ff", kTraceId, kSpanId, "01"), false},
      {"version upper case", TraceParentWith("0A", kTraceId, kSpanId, "01"), false},
      {"version one digit", TraceParentWith("0", kTraceId, kSpanId, "01"), false},
      {"version three digits", TraceParentWith("000", kTraceId, kSpanId, "01"), false},
      {"version illegal char", TraceParentWith(".0", kTraceId, kSpanId, "01"), false},
      {"version 00 trailing data",
       TraceParentWith("00", kTraceId, kSpanId, "01") + "-what-the-future-will-be-like", false},
      {"version 00 trailing dot", TraceParentWith("00", kTraceId, kSpanId, "01") + ".", false},
      {"duplicated header joined",
       TraceParentWith("00", kTraceId, kSpanId, "01") + "," + TraceParentWith("00", kTraceId, kSpanId, "01"),
       false},
      {"future version exact", TraceParentWith("cc", kTraceId, kSpanId, "01"), true, true},
      {"future version more fields",
       TraceParentWith("cc", kTraceId, kSpanId, "01") + "-what-the-future-will-be-like", true, true},
      {"future version bad separator",
       TraceParentWith("cc", kTraceId, kSpanId, "01") + ".what-the-future-will-not-be-like", false},
      {"future version too short", TraceParentWith("cc", kTraceId, kSpanId, "0"), false},
      {"future version upper-case id",
       TraceParentWith("cc", "ABCDEF78901234567890123456789012", kSpanId, "01") + "-x", false},
      {"trace id all zero", TraceParentWith("00", std::string(32, '0'), kSpanId, "01"), false},
      {"trace id upper case", TraceParentWith("00", "ABCDEF78901234567890123456789012", kSpanId, "01"),
       false},
      {"trace id illegal char", TraceParentWith("00", "12345678901234567890123456789.12", kSpanId, "01"),
       false},
      {"trace id 31 digits", TraceParentWith("00", kTraceId.substr(1), kSpanId, "01"), false},
      {"trace id 33 digits", TraceParentWith("00", std::string(kTraceId) + "3", kSpanId, "01"), false},
      {"parent id all zero", TraceParentWith("00", kTraceId, std::string(16, '0'), "01"), false},
      {"parent id upper case", TraceParentWith("00", kTraceId, "ABCDEF7890123456", "01"), false},
      {"parent id illegal char", TraceParentWith("00", kTraceId, "12345678901234.6", "01"), false},
      {"parent id 15 digits", TraceParentWith("00", kTraceId, kSpanId.substr(1), "01"), false},
      {"parent id 17 digits", TraceParentWith("00", kTraceId, std::string(kSpanId) + "7", "01"), false},
      {"flags one digit", TraceParentWith("00", kTraceId, kSpanId, "0"), false},
      {"flags three digits", TraceParentWith("00", kTraceId, kSpanId, "010"), false},
      {"flags illegal char", TraceParentWith("00", kTraceId, kSpanId, ".0"), false},
      {"flags upper case", TraceParentWith("00", kTraceId, kSpanId, "0A"), false},
      {"wrong separator", "00_" + std::string(kTraceId) + "-" + std::string(kSpanId) + "-01", false},
      {"space inside", "00- " + std::string(kTraceId.substr(1)) + "-" + std::string(kSpanId) + "-01", false},
  };
}

TEST(TraceContextPropagatorTest, TraceParentCases) {
  for (const auto& c : TraceParentCases()) {
    const SpanContext context = ExtractFrom({{"traceparent", c.value}, {"tracestate", "foo=1"}});
    ASSERT_EQ(context.IsValid(), c.valid) << c.name << ": " << c.value;
    if (!c.valid) {
      EXPECT_EQ(context, SpanContext::Invalid()) << c.name;  // tracestate ignored too
      continue;
    }
    EXPECT_EQ(context.trace_id().ToHex(), kTraceId) << c.name;
    EXPECT_EQ(context.span_id().ToHex(), kSpanId) << c.name;
    EXPECT_EQ(context.IsSampled(), c.sampled) << c.name;
    EXPECT_EQ(context.trace_flags() & ~0x01, 0) << c.name << ": unknown flags are dropped";
    EXPECT_TRUE(context.IsRemote()) << c.name;
    EXPECT_EQ(context.trace_state().ToHeader(), "foo=1") << c.name;
  }
}

struct TraceStateCase {
  std::string name;
  Headers tracestate_headers;
  std::string expected;  // the tracestate of the extracted context, as a header
};

TEST(TraceContextPropagatorTest, TraceStateCases) {
  std::string thirty_two, thirty_three;
  for (int i = 1; i <= 33; ++i) {
    std::string member = "bar" + std::to_string(i) + "=" + std::to_string(i);
    if (i <= 32) thirty_two += (i > 1 ? "," : "") + member;
    thirty_three += (i > 1 ? "," : "") + member;
  }
  const std::vector<TraceStateCase> cases = {
      {"absent", {}, ""},
      {"empty", {{"tracestate", ""}}, ""},
      {"one member", {{"tracestate", "foo=1"}}, "foo=1"},
      {"repeated headers joined", {{"tracestate", "foo=1"}, {"tracestate", "bar=2"}}, "foo=1,bar=2"},
      {"header name case", {{"TraceState", "foo=1"}}, "foo=1"},
      {"OWS and empty members", {{"tracestate", " foo=1 ,\t,bar=2 "}}, "foo=1,bar=2"},
      {"duplicate key discarded", {{"tracestate", "foo=1,foo=2"}}, ""},
      {"duplicate across headers discarded", {{"tracestate", "foo=1"}, {"tracestate", "foo=2"}}, ""},
      {"illegal key discarded", {{"tracestate", "foo=1,FOO=2"}}, ""},
      {"illegal value discarded", {{"tracestate", "foo=1,bar=a=b"}}, ""},
      {"value too long discarded", {{"tracestate", "foo=" + std::string(257, 'x')}}, ""},
      {"key too long discarded", {{"tracestate", "a" + std::string(256, 'x') + "=1"}}, ""},
      {"32 members kept", {{"tracestate", thirty_two}}, thirty_two},
      {"33 members discarded", {{"tracestate", thirty_three}}, ""},
      {"multi-tenant keys", {{"tracestate", "t@s=1,0t@sys=2"}}, "t@s=1,0t@sys=2"},
  };
  const std::string traceparent = TraceParentWith("00", kTraceId, kSpanId, "01");
  for (const auto& c : cases) {
    Headers headers = c.tracestate_headers;
    headers.emplace_back("traceparent", traceparent);
    const SpanContext context = ExtractFrom(headers);
    ASSERT_TRUE(context.IsValid()) << c.name << ": a bad tracestate never invalidates traceparent";
    EXPECT_EQ(context.trace_state().ToHeader(), c.expected) << c.name;
  }
}

TEST(TraceContextPropagatorTest, MissingTraceParentIsInvalid) {
  EXPECT_FALSE(ExtractFrom({{"tracestate", "foo=1"}}).IsValid());
  EXPECT_FALSE(ExtractFrom({}).IsValid());
}

TEST(TraceContextPropagatorTest, InjectWritesVersion00) {
  const SpanContext context(*TraceId::FromHex(kTraceId), *SpanId::FromHex(kSpanId), 0x01, false,
                            *TraceState::Parse("foo=1,bar=2"));
  std::map<std::string, std::string> headers;
  HeaderCarrier carrier(headers);
  TraceContextPropagator().Inject(context, carrier);
  EXPECT_EQ(headers, (std::map<std::string, std::string>{
                         {"traceparent", TraceParentWith("00", kTraceId, kSpanId, "01")},
                         {"tracestate", "foo=1,bar=2"}}));
}

TEST(TraceContextPropagatorTest, InjectOmitsEmptyTraceStateAndInvalidContexts) {
  std::map<std::string, std::string> headers;
  HeaderCarrier carrier(headers);
  TraceContextPropagator().Inject(SpanContext::Invalid(), carrier);
  EXPECT_TRUE(headers.empty());
  TraceContextPropagator().Inject(
      SpanContext(*TraceId::FromHex(kTraceId), *SpanId::FromHex(kSpanId), 0, false), carrier);
  EXPECT_EQ(headers.size(), 1u);
  EXPECT_EQ(headers["traceparent"], TraceParentWith("00", kTraceId, kSpanId, "00"));
}

TEST(TraceContextPropagatorTest, FutureVersionIsReinjectedAsVersion00) {
  const SpanContext context = ExtractFrom(
      {{"traceparent", TraceParentWith("cc", kTraceId, kSpanId, "03") + "-extra"}, {"tracestate", "a=b"}});
  Headers out;
  HeaderCarrier carrier(out);
  TraceContextPropagator().Inject(context, carrier);
  EXPECT_EQ(
      out, (Headers{{"traceparent", TraceParentWith("00", kTraceId, kSpanId, "01")}, {"tracestate", "a=b"}}));
}

TEST(TraceContextPropagatorTest, ExtractInjectRoundTrip) {
  const Headers incoming = {{"traceparent", TraceParentWith("00", kTraceId, kSpanId, "01")},
                            {"tracestate", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"}};
  const SpanContext extracted = ExtractFrom(incoming);
  Headers outgoing;
  HeaderCarrier carrier(outgoing);
  TraceContextPropagator().Inject(extracted, carrier);
  EXPECT_EQ(outgoing, incoming);
  EXPECT_EQ(ExtractFrom(outgoing), extracted);
}

TEST(TraceContextPropagatorTest, FieldsAreTheTwoHeaders) {
  EXPECT_EQ(TraceContextPropagator().Fields(), (std::vector<std::string_view>{"traceparent", "tracestate"}));
}

}  // namespace
}  // namespace hoptrace::sdk
