#include "hoptrace/sdk/propagation/composite.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "hoptrace/sdk/propagation/b3.h"
#include "hoptrace/sdk/propagation/carriers.h"
#include "hoptrace/sdk/propagation/trace_context.h"

namespace hoptrace::sdk {
namespace {

using Headers = std::map<std::string, std::string>;

const std::string kW3cTraceId = "0af7651916cd43dd8448eb211c80319c";
const std::string kB3TraceId = "80f198ee56343ba864fe8b2a57d3eff7";
const std::string kSpanId = "b7ad6b7169203331";

const Headers kBothFormats = {{"traceparent", "00-" + kW3cTraceId + "-" + kSpanId + "-01"},
                              {"b3", kB3TraceId + "-" + kSpanId + "-0"}};

std::shared_ptr<const TextMapPropagator> W3c() {
  return std::make_shared<TraceContextPropagator>();
}
std::shared_ptr<const TextMapPropagator> B3(B3InjectFormat format = B3InjectFormat::kSingleHeader) {
  return std::make_shared<B3Propagator>(format);
}

TEST(CompositePropagatorTest, LastValidExtractionWins) {
  EXPECT_EQ(CompositePropagator({W3c(), B3()}).Extract(HeaderCarrier(kBothFormats)).trace_id().ToHex(),
            kB3TraceId);
  EXPECT_EQ(CompositePropagator({B3(), W3c()}).Extract(HeaderCarrier(kBothFormats)).trace_id().ToHex(),
            kW3cTraceId);
}

TEST(CompositePropagatorTest, InvalidLaterExtractionKeepsEarlierOne) {
  const Headers only_w3c = {{"traceparent", "00-" + kW3cTraceId + "-" + kSpanId + "-01"}, {"b3", "garbage"}};
  const SpanContext context = CompositePropagator({W3c(), B3()}).Extract(HeaderCarrier(only_w3c));
  EXPECT_EQ(context.trace_id().ToHex(), kW3cTraceId);
  EXPECT_TRUE(context.IsSampled());
}

TEST(CompositePropagatorTest, InjectsWithEveryPropagator) {
  const SpanContext context(*TraceId::FromHex(kW3cTraceId), *SpanId::FromHex(kSpanId), 1, false);
  Headers headers;
  HeaderCarrier carrier(headers);
  CompositePropagator({W3c(), B3(), B3(B3InjectFormat::kMultipleHeaders)}).Inject(context, carrier);
  EXPECT_EQ(headers, (Headers{{"traceparent", "00-" + kW3cTraceId + "-" + kSpanId + "-01"},
                              {"b3", kW3cTraceId + "-" + kSpanId + "-1"},
                              {"X-B3-TraceId", kW3cTraceId},
                              {"X-B3-SpanId", kSpanId},
                              {"X-B3-Sampled", "1"}}));
}

TEST(CompositePropagatorTest, FieldsAreTheUnion) {
  EXPECT_EQ(CompositePropagator({W3c(), B3(), W3c()}).Fields(),
            (std::vector<std::string_view>{"traceparent", "tracestate", "b3"}));
}

TEST(CompositePropagatorTest, EmptyDoesNothing) {
  Headers headers;
  HeaderCarrier carrier(headers);
  const CompositePropagator none({});
  none.Inject(SpanContext(*TraceId::FromHex(kW3cTraceId), *SpanId::FromHex(kSpanId), 1, false), carrier);
  EXPECT_TRUE(headers.empty());
  EXPECT_FALSE(none.Extract(HeaderCarrier(kBothFormats)).IsValid());
}

struct NamesCase {
  std::string names;
  std::vector<std::string> expected_fields;
  std::size_t warnings;
};

TEST(PropagatorFromNamesTest, Cases) {
  const std::vector<NamesCase> cases = {
      {"", {"traceparent", "tracestate"}, 0},  // default tracecontext,baggage; baggage silently skipped
      {"tracecontext", {"traceparent", "tracestate"}, 0},
      {" TraceContext , B3 ", {"traceparent", "tracestate", "b3"}, 0},
      {"b3multi", {"X-B3-TraceId", "X-B3-SpanId", "X-B3-Sampled"}, 0},
      {"tracecontext,baggage,b3,b3multi,none",
       {"traceparent", "tracestate", "b3", "X-B3-TraceId", "X-B3-SpanId", "X-B3-Sampled"},
       2},
      {"tracecontext,tracecontext", {"traceparent", "tracestate"}, 0},
      {"tracecontext,xray,jaeger", {"traceparent", "tracestate"}, 2},
      {"baggage", {}, 1},
      {"none", {}, 0},
      {",,", {"traceparent", "tracestate"}, 0},
  };
  for (const auto& c : cases) {
    const PropagatorSelection selection = PropagatorFromNames(c.names);
    ASSERT_NE(selection.propagator, nullptr) << c.names;
    const auto fields = selection.propagator->Fields();
    EXPECT_EQ(std::vector<std::string>(fields.begin(), fields.end()), c.expected_fields) << c.names;
    EXPECT_EQ(selection.warnings.size(), c.warnings) << c.names;
  }
}

TEST(PropagatorFromNamesTest, WarningsNameTheIgnoredPropagator) {
  const auto selection = PropagatorFromNames("tracecontext,ottrace");
  ASSERT_EQ(selection.warnings.size(), 1u);
  EXPECT_NE(selection.warnings[0].find("ottrace"), std::string::npos);
}

}  // namespace
}  // namespace hoptrace::sdk
