#include <gtest/gtest.h>

#include "hoptrace/query/jaeger_api.h"
#include "hoptrace/query/query_language.h"

namespace hoptrace::query {
namespace {

constexpr std::uint64_t kNow = 1'700'000'000'000'000'000;  // ns
constexpr std::uint64_t kHour = 3'600'000'000'000;

JaegerSearchParams ParseOk(const ParamList& params) {
  JaegerSearchParams parsed;
  std::string error;
  EXPECT_TRUE(ParseJaegerSearchParams(params, kNow, &parsed, &error)) << error;
  return parsed;
}

std::string ParseError(const ParamList& params) {
  JaegerSearchParams parsed;
  std::string error;
  EXPECT_FALSE(ParseJaegerSearchParams(params, kNow, &parsed, &error));
  return error;
}

TEST(JaegerSearchParamsTest, ServiceOperationDurationsAndDefaults) {
  const JaegerSearchParams parsed = ParseOk(
      {{"service", "payments"}, {"operation", "GET /a"}, {"minDuration", "1.2s"}, {"maxDuration", "2s"}, {"lookback", "1h"}});
  EXPECT_EQ(FormatFilter(*parsed.request.filter),
            R"({ resource.service.name = "payments" && name = "GET /a" && duration >= 1200ms && duration <= 2s })");
  EXPECT_EQ(parsed.request.range.end_unix_nano, kNow);
  EXPECT_EQ(parsed.request.range.start_unix_nano, kNow - kHour);
  EXPECT_EQ(parsed.request.limit, 100u);
  EXPECT_TRUE(parsed.trace_ids.empty());
}

TEST(JaegerSearchParamsTest, StartAndEndAreMicrosecondsAndWinOverLookback) {
  const JaegerSearchParams parsed =
      ParseOk({{"service", "s"}, {"start", "1000"}, {"end", "5000"}, {"lookback", "2d"}, {"limit", "7"}});
  EXPECT_EQ(parsed.request.range.start_unix_nano, 1'000'000u);
  EXPECT_EQ(parsed.request.range.end_unix_nano, 5'000'000u);
  EXPECT_EQ(parsed.request.limit, 7u);
  // Without start: two days back from end (Jaeger's default), also for lookback=custom.
  EXPECT_EQ(ParseOk({{"service", "s"}, {"lookback", "custom"}}).request.range.start_unix_nano, kNow - 48 * kHour);
}

TEST(JaegerSearchParamsTest, TagsMatchStringsNumbersAndBooleans) {
  const std::string expected =
      R"({ resource.service.name = "s" && (.http.status_code = "500" || .http.status_code = 500))"
      R"( && (.ratio = "0.5" || .ratio = 0.5) && (.cached = "true" || .cached = true) && .region = "eu west" })";
  // The UI's JSON object, logfmt as typed into the form, and repeated tag=key:value.
  EXPECT_EQ(FormatFilter(*ParseOk({{"service", "s"},
                                   {"tags", R"({"http.status_code":"500","ratio":0.5,"cached":true,"region":"eu west"})"}})
                              .request.filter),
            expected);
  EXPECT_EQ(FormatFilter(*ParseOk({{"service", "s"}, {"tags", R"(http.status_code=500 ratio=0.5  cached=true region="eu west")"}})
                              .request.filter),
            expected);
  EXPECT_EQ(FormatFilter(*ParseOk({{"service", "s"},
                                   {"tag", "http.status_code:500"},
                                   {"tag", "ratio:0.5"},
                                   {"tag", "cached:true"},
                                   {"tag", "region:eu west"}})
                              .request.filter),
            expected);
}

TEST(JaegerSearchParamsTest, TagsDerivedFromOtlpFieldsMatchThoseFields) {
  EXPECT_EQ(FormatFilter(*ParseOk({{"service", "s"}, {"tags", "error=true span.kind=server"}}).request.filter),
            R"({ resource.service.name = "s" && (.error = "true" || .error = true || status = error))"
            R"( && (.span.kind = "server" || kind = server) })");
  EXPECT_EQ(FormatFilter(*ParseOk({{"service", "s"}, {"tag", "otel.status_code:ERROR"}, {"tag", "otel.status_description:x"}})
                              .request.filter),
            R"({ resource.service.name = "s" && (.otel.status_code = "ERROR" || status = error))"
            R"( && (.otel.status_description = "x" || statusMessage = "x") })");
}

TEST(JaegerSearchParamsTest, TraceIdsMakeServiceOptional) {
  const JaegerSearchParams parsed = ParseOk({{"traceID", "abc"}, {"traceID", "00000000000000010000000000000abc"}});
  ASSERT_EQ(parsed.trace_ids.size(), 2u);
  EXPECT_EQ(parsed.trace_ids[0], model::TraceId::FromHighLow(0, 0xabc));
  EXPECT_EQ(parsed.request.filter->kind, store::SpanFilter::Kind::kTrue);
}

TEST(JaegerSearchParamsTest, ErrorsUseJaegersWording) {
  EXPECT_EQ(ParseError({}), "parameter 'service' is required");
  EXPECT_EQ(ParseError({{"service", "s"}, {"minDuration", "2s"}, {"maxDuration", "1s"}}),
            "'maxDuration' should be greater than 'minDuration'");
  EXPECT_EQ(ParseError({{"service", "s"}, {"minDuration", "fast"}}),
            "unable to parse param 'minDuration': time: invalid duration \"fast\"");
  EXPECT_EQ(ParseError({{"service", "s"}, {"start", "yesterday"}}),
            "unable to parse param 'start': strconv.ParseInt: parsing \"yesterday\": invalid syntax");
  EXPECT_EQ(ParseError({{"service", "s"}, {"end", "99999999999999999999"}}),
            "unable to parse param 'end': strconv.ParseInt: parsing \"99999999999999999999\": value out of range");
  EXPECT_EQ(ParseError({{"service", "s"}, {"end", "9999999999999999"}}),
            "unable to parse param 'end': out of range: 9999999999999999");
  EXPECT_EQ(ParseError({{"service", "s"}, {"start", "-5"}}), "unable to parse param 'start': out of range: -5");
  EXPECT_EQ(ParseError({{"service", "s"}, {"limit", "ten"}}), "strconv.ParseInt: parsing \"ten\": invalid syntax");
  EXPECT_EQ(ParseError({{"service", "s"}, {"lookback", "soon"}}),
            "unable to parse param 'lookback': time: invalid duration \"soon\"");
  EXPECT_EQ(ParseError({{"service", "s"}, {"tag", "novalue"}}),
            "malformed 'tag' parameter, expecting key:value, received: novalue");
  EXPECT_EQ(ParseError({{"service", "s"}, {"tags", "a=1 b"}}),
            "malformed 'tags' parameter, expecting key=value pairs, received: a=1 b");
  EXPECT_EQ(ParseError({{"service", "s"}, {"tags", R"(a="unterminated)"}}),
            "malformed 'tags' parameter, expecting key=value pairs, received: a=\"unterminated");
  EXPECT_EQ(ParseError({{"service", "s"}, {"tags", R"({"a":[1]})"}}),
            "malformed 'tags' parameter, cannot unmarshal JSON: the value of \"a\" is not a string, number or boolean");
  EXPECT_TRUE(ParseError({{"service", "s"}, {"tags", "{not json"}}).starts_with(
      "malformed 'tags' parameter, cannot unmarshal JSON: "));
  EXPECT_TRUE(ParseError({{"traceID", "xyz"}}).starts_with("cannot parse traceID param"));
}

TEST(JaegerDependencyParamsTest, EndTsAndLookbackAreMilliseconds) {
  JaegerDependencyParams parsed;
  std::string error;
  ASSERT_TRUE(ParseJaegerDependencyParams({{"endTs", "5000"}, {"lookback", "2000"}, {"service", "a"}}, kNow, &parsed, &error));
  EXPECT_EQ(parsed.range.end_unix_nano, 5'000'000'000u);
  EXPECT_EQ(parsed.range.start_unix_nano, 3'000'000'000u);
  EXPECT_EQ(parsed.service, "a");

  ASSERT_TRUE(ParseJaegerDependencyParams({}, kNow, &parsed, &error));
  EXPECT_EQ(parsed.range.end_unix_nano, kNow);
  EXPECT_EQ(parsed.range.start_unix_nano, kNow - 24 * kHour);

  EXPECT_FALSE(ParseJaegerDependencyParams({{"lookback", "1h"}}, kNow, &parsed, &error));
  EXPECT_EQ(error, "unable to parse param 'lookback': strconv.ParseInt: parsing \"1h\": invalid syntax");
}

TEST(JaegerSpanKindTest, AcceptsJaegersNames) {
  std::optional<model::SpanKind> kind;
  std::string error;
  ASSERT_TRUE(ParseJaegerSpanKind("", &kind, &error));
  EXPECT_EQ(kind, std::nullopt);
  ASSERT_TRUE(ParseJaegerSpanKind("server", &kind, &error));
  EXPECT_EQ(kind, model::SpanKind::kServer);
  EXPECT_FALSE(ParseJaegerSpanKind("SERVER", &kind, &error));
  EXPECT_EQ(error, "unsupported span kind: 'SERVER'");
}

}  // namespace
}  // namespace hoptrace::query
