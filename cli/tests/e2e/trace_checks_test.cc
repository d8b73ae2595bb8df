// The read-back checks can fail: a trace the server really returned passes them as sent, and fails
// them after any one field of the expectation is changed. Without this, an interop test that passes
// could be comparing nothing.

#include "trace_checks.h"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <functional>

#include "cpp_client.h"
#include "serve_fixture.h"

namespace hoptrace::cli::e2e {
namespace {

using model::SpanKind;

std::size_t FailuresOf(const std::function<void()>& check) {
  ::testing::TestPartResultArray failures;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
    check();
  }
  return static_cast<std::size_t>(failures.size());
}

SentSpan& Named(SentTrace& trace, std::string_view name) {
  for (SentSpan& sent : trace.spans) {
    if (sent.span.name == name) return sent;
  }
  throw std::runtime_error("no span " + std::string(name));
}

model::AttributeValue& Attribute(model::Attributes& attributes, std::string_view key) {
  for (model::Attribute& attribute : attributes) {
    if (attribute.key == key) return attribute.value;
  }
  throw std::runtime_error("no attribute " + std::string(key));
}

void ForEachResource(SentTrace& trace, const std::function<void(model::Attributes&)>& change) {
  for (SentSpan& sent : trace.spans) change(sent.resource.attributes);
}

struct Mutation {
  const char* what;
  std::function<void(SentTrace&)> apply;
  bool jaeger_shows_it = true;  // Jaeger references carry no link attributes or tracestate
};

// One change per field the interop tests promise to compare (cpp_client.cc records the spans named here).
std::vector<Mutation> Mutations() {
  return {
      {"span name", [](SentTrace& t) { Named(t, "render receipt").span.name = "render invoice"; }},
      {"span kind", [](SentTrace& t) { Named(t, "render receipt").span.kind = SpanKind::kProducer; }},
      {"parent",
       [](SentTrace& t) {
         Named(t, "decode row").span.parent_span_id = Named(t, "render receipt").span.span_id;
       }},
      {"start time (1 µs)",
       [](SentTrace& t) { Named(t, "GET /checkout").span.start_time_unix_nano += 1000; }},
      {"end time (1 µs)", [](SentTrace& t) { Named(t, "SELECT orders").span.end_time_unix_nano += 1000; }},
      {"int attribute as double",
       [](SentTrace& t) {
         Attribute(Named(t, "GET /checkout").span.attributes, "http.response.status_code") = 200.0;
       }},
      {"bool attribute",
       [](SentTrace& t) { Attribute(Named(t, "GET /checkout").span.attributes, "cache.hit") = false; }},
      {"double attribute",
       [](SentTrace& t) { Attribute(Named(t, "GET /checkout").span.attributes, "load") = 0.7500001; }},
      {"int64 extreme",
       [](SentTrace& t) {
         Attribute(Named(t, "GET /checkout").span.attributes, "big.int") =
             std::int64_t{9'223'372'036'854'775'806};
       }},
      {"string array element",
       [](SentTrace& t) {
         std::get<std::vector<std::string>>(Attribute(Named(t, "GET /checkout").span.attributes, "tags"))[1] =
             "grusse";
       }},
      {"int array as strings",
       [](SentTrace& t) {
         Attribute(Named(t, "GET /checkout").span.attributes, "ports") =
             std::vector<std::string>{"80", "443", "-1"};
       }},
      {"bool array",
       [](SentTrace& t) {
         Attribute(Named(t, "GET /checkout").span.attributes, "flags") = std::vector<bool>{true, true};
       }},
      {"double array",
       [](SentTrace& t) {
         std::get<std::vector<double>>(Attribute(Named(t, "GET /checkout").span.attributes, "ratios"))[1] =
             -2.25;
       }},
      {"one attribute more",
       [](SentTrace& t) {
         model::SetAttribute(Named(t, "render receipt").span.attributes, "extra", std::string_view("x"));
       }},
      {"one attribute less", [](SentTrace& t) { Named(t, "GET /checkout").span.attributes.pop_back(); }},
      {"event name", [](SentTrace& t) { Named(t, "render receipt").span.events[0].name = "cache.hit"; }},
      {"event time (1 µs)",
       [](SentTrace& t) { Named(t, "render receipt").span.events[0].time_unix_nano += 1000; }},
      {"event attribute",
       [](SentTrace& t) {
         Attribute(Named(t, "GET /checkout").span.events[0].attributes, "bytes") = std::int64_t{513};
       }},
      {"one event less", [](SentTrace& t) { Named(t, "SELECT orders").span.events.pop_back(); }},
      {"link span",
       [](SentTrace& t) {
         Named(t, "GET /checkout").span.links[0].span_id = model::SpanId::FromHighLow(0, 7);
       }},
      {"link attribute",
       [](SentTrace& t) {
         Attribute(Named(t, "GET /checkout").span.links[0].attributes, "link.attempt") = std::int64_t{3};
       },
       false},
      {"link tracestate",
       [](SentTrace& t) { Named(t, "GET /checkout").span.links[0].trace_state = "vendor=abd"; }, false},
      {"status message", [](SentTrace& t) { Named(t, "SELECT orders").span.status.message = "timeout"; }},
      {"status code",
       [](SentTrace& t) {
         Named(t, "SELECT orders").span.status = {model::StatusCode::kOk, ""};
       }},
      {"service name",
       [](SentTrace& t) {
         ForEachResource(
             t, [](model::Attributes& a) { Attribute(a, model::kServiceNameKey) = std::string("other"); });
       }},
      {"resource attribute type",
       [](SentTrace& t) {
         ForEachResource(t, [](model::Attributes& a) { Attribute(a, "host.cpu.count") = std::string("2"); });
       }},
      {"scope version", [](SentTrace& t) { Named(t, "decode row").scope.version = "0.1.1"; }},
      {"one span more",
       [](SentTrace& t) {
         SentSpan extra = Named(t, "decode row");
         extra.span.span_id = model::SpanId::FromHighLow(0, 0x1234);
         t.spans.push_back(extra);
       }},
  };
}

using TraceChecksTest = ServeFixture;

TEST_F(TraceChecksTest, PassAsSentAndFailOnAnyChange) {
  SentTrace sent;
  ASSERT_NO_FATAL_FAILURE(SendCheckoutTrace(
      {sdk::exporters::otlp::OtlpProtocol::kHttpProtobuf, "http_protobuf", false}, serve(), &sent));
  const Fetched jaeger = FetchJaegerTrace(serve().ports().query, sent.trace_id, sent.spans.size());
  const Fetched otlp = FetchOtlpTrace(serve().ports().query, sent.trace_id, sent.spans.size());
  ASSERT_EQ(jaeger.status, 200u) << jaeger.body;
  ASSERT_EQ(otlp.status, 200u) << otlp.body;
  EXPECT_EQ(FailuresOf([&] { ExpectJaegerTrace(jaeger.body, sent); }), 0u);
  EXPECT_EQ(FailuresOf([&] { ExpectOtlpJsonTrace(otlp.body, sent); }), 0u);

  for (const Mutation& mutation : Mutations()) {
    SentTrace changed = sent;
    mutation.apply(changed);
    const std::size_t jaeger_failures = FailuresOf([&] { ExpectJaegerTrace(jaeger.body, changed); });
    EXPECT_EQ(jaeger_failures > 0, mutation.jaeger_shows_it) << mutation.what << ": Jaeger check";
    EXPECT_GT(FailuresOf([&] { ExpectOtlpJsonTrace(otlp.body, changed); }), 0u)
        << mutation.what << ": OTLP check";
  }
}

}  // namespace
}  // namespace hoptrace::cli::e2e
