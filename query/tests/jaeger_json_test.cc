#include <gtest/gtest.h>
#include <simdjson.h>

#include "hoptrace/query/jaeger_api.h"

namespace hoptrace::query {
namespace {

using model::SpanId;
using model::TraceId;

model::Resource ServiceResource(std::string service) {
  model::Resource resource;
  resource.attributes.push_back({"service.name", std::move(service)});
  return resource;
}

model::ScopeSpans Scope(std::string name, std::string version, std::vector<model::Span> spans) {
  model::ScopeSpans scope_spans;
  scope_spans.scope.name = std::move(name);
  scope_spans.scope.version = std::move(version);
  scope_spans.spans = std::move(spans);
  return scope_spans;
}

class JaegerTraceJsonTest : public ::testing::Test {
 protected:
  const TraceId trace_id_ = TraceId::FromHighLow(0, 0x0123456789abcdef);

  model::Span Root() const {
    model::Span span;
    span.trace_id = trace_id_;
    span.span_id = SpanId::FromHighLow(0, 0x1111);
    span.flags = model::kTraceFlagSampled | model::kSpanFlagHasIsRemote | model::kSpanFlagIsRemote;
    span.name = "GET /checkout";
    span.kind = model::SpanKind::kServer;
    span.start_time_unix_nano = 1'700'000'000'123'456'789;
    span.end_time_unix_nano = span.start_time_unix_nano + 2'500'000;
    span.trace_state = "k=v";
    span.status = {model::StatusCode::kError, "boom"};
    span.attributes.push_back({"http.status_code", std::int64_t{502}});
    span.attributes.push_back({"b.flag", true});
    span.attributes.push_back({"a.ratio", 0.5});
    span.attributes.push_back({"list", std::vector<std::string>{"x", "y"}});
    model::Event event;
    event.time_unix_nano = 1'700'000'000'124'000'999;
    event.name = "exception";
    event.attributes.push_back({"zeta", std::int64_t{1}});
    event.attributes.push_back({"exception.message", std::string("oops")});
    span.events.push_back(event);
    model::Link link;
    link.trace_id = TraceId::FromHighLow(0xaa, 0xbb);
    link.span_id = SpanId::FromHighLow(0, 0x3333);
    span.links.push_back(link);
    return span;
  }

  model::Span Child(std::uint64_t id, std::string name) const {
    model::Span span;
    span.trace_id = trace_id_;
    span.span_id = SpanId::FromHighLow(0, id);
    span.parent_span_id = SpanId::FromHighLow(0, 0x1111);
    span.name = std::move(name);
    span.kind = model::SpanKind::kClient;
    span.start_time_unix_nano = 1'700'000'000'124'000'000;
    span.end_time_unix_nano = 1'700'000'000'125'000'000;
    span.status.code = model::StatusCode::kOk;
    return span;
  }

  model::TraceBatch Trace() const {
    model::TraceBatch trace;
    trace.resource_spans.resize(3);
    trace.resource_spans[0].resource = ServiceResource("frontend");
    trace.resource_spans[0].scope_spans.push_back(Scope("lib", "1.0", {Root()}));
    trace.resource_spans[1].resource = ServiceResource("payments");
    trace.resource_spans[1].resource.attributes.push_back({"host.name", std::string("pay-1")});
    trace.resource_spans[1].scope_spans.push_back(Scope("", "", {Child(0x2222, "charge")}));
    // Equal to the first resource: shares process p1.
    trace.resource_spans[2].resource = ServiceResource("frontend");
    trace.resource_spans[2].scope_spans.push_back(Scope("", "", {Child(0x4444, "render")}));
    return trace;
  }
};

TEST_F(JaegerTraceJsonTest, MatchesJaegerQueryServiceOutput) {
  const std::string expected =
      R"({"data":[{"traceID":"0123456789abcdef","spans":[)"
      // The root: scope, attribute and derived tags sorted by key; the link as FOLLOWS_FROM.
      R"({"traceID":"0123456789abcdef","spanID":"0000000000001111","flags":1,"operationName":"GET /checkout",)"
      R"("references":[{"refType":"FOLLOWS_FROM","traceID":"00000000000000aa00000000000000bb","spanID":"0000000000003333"}],)"
      R"("startTime":1700000000123456,"duration":2500,"tags":[)"
      R"({"key":"a.ratio","type":"float64","value":0.5},)"
      R"({"key":"b.flag","type":"bool","value":true},)"
      R"({"key":"error","type":"bool","value":true},)"
      R"({"key":"http.status_code","type":"int64","value":502},)"
      R"({"key":"list","type":"string","value":"[\"x\",\"y\"]"},)"
      R"({"key":"otel.scope.name","type":"string","value":"lib"},)"
      R"({"key":"otel.scope.version","type":"string","value":"1.0"},)"
      R"({"key":"otel.status_code","type":"string","value":"ERROR"},)"
      R"({"key":"otel.status_description","type":"string","value":"boom"},)"
      R"({"key":"span.kind","type":"string","value":"server"},)"
      R"({"key":"w3c.tracestate","type":"string","value":"k=v"}],)"
      R"("logs":[{"timestamp":1700000000124000,"fields":[)"
      R"({"key":"event","type":"string","value":"exception"},)"
      R"({"key":"exception.message","type":"string","value":"oops"},)"
      R"({"key":"zeta","type":"int64","value":1}]}],"processID":"p1","warnings":null},)"
      // The children: the parent as CHILD_OF.
      R"({"traceID":"0123456789abcdef","spanID":"0000000000002222","flags":0,"operationName":"charge",)"
      R"("references":[{"refType":"CHILD_OF","traceID":"0123456789abcdef","spanID":"0000000000001111"}],)"
      R"("startTime":1700000000124000,"duration":1000,"tags":[)"
      R"({"key":"otel.status_code","type":"string","value":"OK"},)"
      R"({"key":"span.kind","type":"string","value":"client"}],"logs":[],"processID":"p2","warnings":null},)"
      R"({"traceID":"0123456789abcdef","spanID":"0000000000004444","flags":0,"operationName":"render",)"
      R"("references":[{"refType":"CHILD_OF","traceID":"0123456789abcdef","spanID":"0000000000001111"}],)"
      R"("startTime":1700000000124000,"duration":1000,"tags":[)"
      R"({"key":"otel.status_code","type":"string","value":"OK"},)"
      R"({"key":"span.kind","type":"string","value":"client"}],"logs":[],"processID":"p1","warnings":null}],)"
      R"("processes":{"p1":{"serviceName":"frontend","tags":[]},)"
      R"("p2":{"serviceName":"payments","tags":[{"key":"host.name","type":"string","value":"pay-1"}]}},)"
      R"("warnings":null}],"total":0,"limit":0,"offset":0,"errors":null})";
  EXPECT_EQ(JaegerTracesJson({Trace()}), expected);
}

TEST_F(JaegerTraceJsonTest, OutputIsValidJsonEvenForHostileStrings) {
  model::TraceBatch trace = Trace();
  model::Span& root = trace.resource_spans[0].scope_spans[0].spans[0];
  root.name = std::string("bad \xFF utf8 \"quoted\"\n\x01\0", 22);  // with a NUL
  root.attributes.push_back({"nan", std::numeric_limits<double>::quiet_NaN()});
  const std::string json = JaegerTracesJson({trace});
  simdjson::dom::parser parser;
  simdjson::dom::element root_element;
  ASSERT_EQ(parser.parse(json).get(root_element), simdjson::SUCCESS) << json;
  std::string_view name;
  ASSERT_EQ(root_element["data"].at(0)["spans"].at(0)["operationName"].get(name), simdjson::SUCCESS);
  EXPECT_EQ(name, std::string_view("bad \xEF\xBF\xBD utf8 \"quoted\"\n\x01\0", 24));
  EXPECT_NE(json.find(R"({"key":"nan","type":"float64","value":"NaN"})"), std::string::npos);
}

TEST_F(JaegerTraceJsonTest, ResourceWithoutServiceNameGetsJaegersPlaceholder) {
  model::TraceBatch trace = Trace();
  trace.resource_spans[1].resource.attributes.swap_remove(0);  // drop service.name
  const std::string json = JaegerTracesJson({trace});
  EXPECT_NE(json.find(R"("p2":{"serviceName":"OTLPResourceNoServiceName","tags":[{"key":"host.name")"),
            std::string::npos)
      << json;
}

TEST(JaegerIdTest, TraceIdsAreSixteenHexDigitsWhenTheHighHalfIsZero) {
  EXPECT_EQ(JaegerTraceId(TraceId::FromHighLow(0, 0xabc)), "0000000000000abc");
  EXPECT_EQ(JaegerTraceId(TraceId::FromHighLow(1, 0xabc)), "00000000000000010000000000000abc");
}

TEST(JaegerIdTest, ParsesShortAndFullTraceIds) {
  EXPECT_EQ(ParseJaegerTraceId("abc"), TraceId::FromHighLow(0, 0xabc));
  EXPECT_EQ(ParseJaegerTraceId("0000000000000abc"), TraceId::FromHighLow(0, 0xabc));
  EXPECT_EQ(ParseJaegerTraceId("1ABC0000000000000def"), TraceId::FromHighLow(0x1abc, 0xdef));
  EXPECT_EQ(ParseJaegerTraceId("00000000000000010000000000000abc"), TraceId::FromHighLow(1, 0xabc));
  EXPECT_EQ(ParseJaegerTraceId(""), std::nullopt);
  EXPECT_EQ(ParseJaegerTraceId("xyz"), std::nullopt);
  EXPECT_EQ(ParseJaegerTraceId(std::string(33, 'a')), std::nullopt);
}

TEST(JaegerEnvelopeTest, ServicesOperationsDependenciesAndErrors) {
  EXPECT_EQ(JaegerServicesJson({"a", "b"}), R"({"data":["a","b"],"total":2,"limit":0,"offset":0,"errors":null})");
  EXPECT_EQ(JaegerServicesJson({}), R"({"data":[],"total":0,"limit":0,"offset":0,"errors":null})");

  const std::vector<store::Operation> operations = {
      {"GET /a", model::SpanKind::kServer}, {"GET /a", model::SpanKind::kClient}, {"work", model::SpanKind::kUnspecified}};
  EXPECT_EQ(JaegerOperationNamesJson(operations),
            R"({"data":["GET /a","work"],"total":2,"limit":0,"offset":0,"errors":null})");
  EXPECT_EQ(JaegerOperationsJson(operations),
            R"({"data":[{"name":"GET /a","spanKind":"server"},{"name":"GET /a","spanKind":"client"},)"
            R"({"name":"work","spanKind":""}],"total":3,"limit":0,"offset":0,"errors":null})");

  const std::vector<store::DependencyLink> links = {
      {"frontend", "payments", 3, 1}, {"frontend", "cart", 1, 0}, {"frontend", "payments", 2, 0}};
  EXPECT_EQ(JaegerDependenciesJson(links),
            R"({"data":[{"parent":"frontend","child":"cart","callCount":1},)"
            R"({"parent":"frontend","child":"payments","callCount":5}],"total":0,"limit":0,"offset":0,"errors":null})");

  EXPECT_EQ(JaegerErrorJson(400, "parameter 'service' is required"),
            R"({"data":null,"total":0,"limit":0,"offset":0,"errors":[{"code":400,"msg":"parameter 'service' is required"}]})");
  EXPECT_EQ(JaegerTracesJson({}, {TraceId::FromHighLow(0, 0xabc)}),
            R"({"data":[],"total":0,"limit":0,"offset":0,"errors":[{"msg":"trace not found","traceID":"0000000000000abc"}]})");
}

}  // namespace
}  // namespace hoptrace::query
