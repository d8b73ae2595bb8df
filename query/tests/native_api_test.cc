#include "hoptrace/query/native_api.h"

#include <gtest/gtest.h>

#include "hoptrace/otlp/json_convert.h"

namespace hoptrace::query {
namespace {

TEST(NativeSearchParamsTest, QueryRangeInSecondsAndLimit) {
  NativeSearchParams parsed;
  NativeSearchError error;
  ASSERT_TRUE(ParseNativeSearchParams({{"q", "{ status = error }"}, {"start", "10"}, {"end", "20"}, {"limit", "5"}},
                                      &parsed, &error))
      << error.message;
  EXPECT_EQ(FormatFilter(*parsed.request.filter), "{ status = error }");
  EXPECT_EQ(parsed.request.range.start_unix_nano, 10'000'000'000u);
  EXPECT_EQ(parsed.request.range.end_unix_nano, 20'000'000'000u);
  EXPECT_EQ(parsed.request.limit, 5u);

  ASSERT_TRUE(ParseNativeSearchParams({}, &parsed, &error));
  EXPECT_EQ(parsed.request.filter->kind, store::SpanFilter::Kind::kTrue);
  EXPECT_EQ(parsed.request.range.start_unix_nano, 0u);
  EXPECT_EQ(parsed.request.range.end_unix_nano, UINT64_MAX);
  EXPECT_EQ(parsed.request.limit, 20u);
}

TEST(NativeSearchParamsTest, QueryErrorsCarryMessageAndColumn) {
  NativeSearchParams parsed;
  NativeSearchError error;
  ASSERT_FALSE(ParseNativeSearchParams({{"q", "{ duration >= }"}}, &parsed, &error));
  EXPECT_EQ(NativeErrorJson(error),
            R"({"error":"invalid query: column 15: expected a value after '>=', found '}'","column":15})");

  error = {};
  ASSERT_FALSE(ParseNativeSearchParams({{"limit", "0"}}, &parsed, &error));
  EXPECT_EQ(NativeErrorJson(error), R"({"error":"invalid limit \"0\": expected a positive integer"})");
  error = {};
  ASSERT_FALSE(ParseNativeSearchParams({{"start", "-1"}}, &parsed, &error));
  EXPECT_EQ(error.message, "invalid start \"-1\": expected Unix seconds");
}

TEST(NativeApiTest, SearchResultsJson) {
  store::TraceSummary summary;
  summary.trace_id = model::TraceId::FromHighLow(0, 0xabc);
  summary.root_service = "frontend";
  summary.root_name = "GET /";
  summary.start_unix_nano = 1'700'000'000'000'000'001;
  summary.duration_nanos = 12'900'000;
  summary.span_count = 4;
  summary.error_count = 1;
  summary.services = {"frontend", "payments"};
  summary.matched_spans = {model::SpanId::FromHighLow(0, 0x1)};
  EXPECT_EQ(SearchResultsJson({summary}),
            R"({"traces":[{"traceID":"00000000000000000000000000000abc","rootServiceName":"frontend",)"
            R"("rootTraceName":"GET /","startTimeUnixNano":"1700000000000000001","durationMs":12.9,"spanCount":4,)"
            R"("errorCount":1,"services":["frontend","payments"],"matchedSpans":["0000000000000001"]}]})");
  EXPECT_EQ(SearchResultsJson({}), R"({"traces":[]})");
}

TEST(NativeApiTest, TraceAsOtlpJsonReadsBack) {
  model::TraceBatch trace;
  trace.resource_spans.resize(1);
  trace.resource_spans[0].resource.attributes.push_back({"service.name", std::string("frontend")});
  trace.resource_spans[0].scope_spans.resize(1);
  model::Span span;
  span.trace_id = model::TraceId::FromHighLow(1, 2);
  span.span_id = model::SpanId::FromHighLow(0, 3);
  span.name = "GET /";
  span.start_time_unix_nano = 1;
  span.end_time_unix_nano = 2;
  trace.resource_spans[0].scope_spans[0].spans.push_back(span);

  const std::string json = TraceOtlpJson(trace);
  const std::string prefix = R"({"trace":)";
  ASSERT_TRUE(json.starts_with(prefix)) << json;
  ASSERT_TRUE(json.ends_with("}"));
  model::TraceBatch read_back;
  otlp::DecodeReport report;
  std::string error;
  ASSERT_TRUE(otlp::ParseJson(std::string_view(json).substr(prefix.size(), json.size() - prefix.size() - 1), &read_back,
                              &report, &error))
      << error;
  EXPECT_EQ(read_back, trace);
}

}  // namespace
}  // namespace hoptrace::query
