#include "hoptrace/sdk/instrumentation/http.h"

#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "hoptrace/sdk/context.h"
#include "hoptrace/sdk/propagation/carriers.h"
#include "hoptrace/sdk/propagation/trace_context.h"
#include "recording_provider.h"

namespace hoptrace::sdk {
namespace {

using model::SpanKind;
using model::StatusCode;
using testing::AttributeText;
using testing::HasAttribute;
using testing::IsChildOf;
using testing::RecordingProvider;
using Headers = std::map<std::string, std::string>;

const std::string kTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
const std::string kParentId = "00f067aa0ba902b7";

class HttpTest : public ::testing::Test {
 protected:
  RecordingProvider provider_;
  TraceContextPropagator propagator_;
};

TEST_F(HttpTest, ServerSpanContinuesTheIncomingTrace) {
  const Headers headers = {{"traceparent", "00-" + kTraceId + "-" + kParentId + "-01"},
                           {"tracestate", "vendor=x"},
                           {"User-Agent", "curl/8.5"}};
  const HeaderCarrier carrier(headers);
  HttpSpan server = StartHttpServerSpan(provider_.tracer(), propagator_,
                                        {.method = "GET",
                                         .target = "/orders/7?full=1&sig=secret",
                                         .route = "/orders/{id}",
                                         .headers = &carrier,
                                         .scheme = "https",
                                         .server_address = "shop.example",
                                         .server_port = 8443,
                                         .client_address = "10.0.0.9"});
  EXPECT_EQ(server.context().trace_id().ToHex(), kTraceId);
  EXPECT_EQ(server.context().trace_state().ToHeader(), "vendor=x");
  server.Finish(200);

  const model::Span span = provider_.OnlySpan();
  EXPECT_EQ(span.name, "GET /orders/{id}");
  EXPECT_EQ(span.kind, SpanKind::kServer);
  EXPECT_EQ(span.parent_span_id.ToHex(), kParentId);
  EXPECT_NE(span.flags & model::kSpanFlagIsRemote, 0u);
  EXPECT_EQ(AttributeText(span, "http.request.method"), "GET");
  EXPECT_EQ(AttributeText(span, "url.path"), "/orders/7");
  EXPECT_EQ(AttributeText(span, "url.query"), "full=1&sig=REDACTED");
  EXPECT_EQ(AttributeText(span, "url.scheme"), "https");
  EXPECT_EQ(AttributeText(span, "http.route"), "/orders/{id}");
  EXPECT_EQ(AttributeText(span, "server.address"), "shop.example");
  EXPECT_EQ(AttributeText(span, "server.port"), "8443");
  EXPECT_EQ(AttributeText(span, "client.address"), "10.0.0.9");
  EXPECT_EQ(AttributeText(span, "user_agent.original"), "curl/8.5");
  EXPECT_EQ(AttributeText(span, "http.response.status_code"), "200");
  EXPECT_EQ(span.status.code, StatusCode::kUnset);
}

TEST_F(HttpTest, ServerSpanWithoutContextOrRouteIsANewRootNamedByMethod) {
  const Headers headers = {{"traceparent", "00-" + kTraceId + "-" + kParentId + "-0"}};  // invalid
  const HeaderCarrier carrier(headers);
  // Even under an active context: a server request without a valid incoming context starts a trace.
  RecordingProvider other;
  Span unrelated = other.tracer().StartSpan("unrelated");
  Scope scope(unrelated.context());
  StartHttpServerSpan(provider_.tracer(), propagator_,
                      {.method = "POST", .target = "/x", .headers = &carrier})
      .Finish(201);
  const model::Span span = provider_.OnlySpan();
  EXPECT_EQ(span.name, "POST");
  EXPECT_TRUE(span.IsRoot());
  EXPECT_NE(span.trace_id.ToHex(), kTraceId);
  EXPECT_FALSE(HasAttribute(span, "http.route"));
  EXPECT_FALSE(HasAttribute(span, "url.query"));
  EXPECT_FALSE(HasAttribute(span, "server.port"));
  EXPECT_FALSE(HasAttribute(span, "user_agent.original"));
}

TEST_F(HttpTest, UnknownMethodIsOther) {
  StartHttpServerSpan(provider_.tracer(), propagator_, {.method = "PURGE", .target = "/c", .route = "/c"})
      .Finish(204);
  const model::Span span = provider_.OnlySpan();
  EXPECT_EQ(span.name, "HTTP /c");
  EXPECT_EQ(AttributeText(span, "http.request.method"), "_OTHER");
  EXPECT_EQ(AttributeText(span, "http.request.method_original"), "PURGE");
}

struct StatusCase {
  int code;
  StatusCode server;
  StatusCode client;
};

TEST_F(HttpTest, StatusFromResponseCode) {
  const std::vector<StatusCase> cases = {
      {200, StatusCode::kUnset, StatusCode::kUnset}, {302, StatusCode::kUnset, StatusCode::kUnset},
      {404, StatusCode::kUnset, StatusCode::kError}, {499, StatusCode::kUnset, StatusCode::kError},
      {500, StatusCode::kError, StatusCode::kError}, {503, StatusCode::kError, StatusCode::kError},
      {99, StatusCode::kError, StatusCode::kError},  {600, StatusCode::kError, StatusCode::kError},
  };
  for (const auto& c : cases) {
    RecordingProvider provider;
    StartHttpServerSpan(provider.tracer(), propagator_, {.method = "GET", .target = "/"}).Finish(c.code);
    StartHttpClientSpan(provider.tracer(), propagator_, {.method = "GET", .url = "http://h/"}).Finish(c.code);
    const auto spans = provider.Spans();
    ASSERT_EQ(spans.size(), 2u);
    EXPECT_EQ(spans[0].status.code, c.server) << c.code;
    EXPECT_EQ(spans[1].status.code, c.client) << c.code;
    for (const auto& span : spans) {
      EXPECT_EQ(AttributeText(span, "error.type"),
                span.status.code == StatusCode::kError ? std::to_string(c.code) : "")
          << c.code;
    }
  }
}

TEST_F(HttpTest, ClientSpanIsAChildOfTheCurrentContextAndInjects) {
  Span parent = provider_.tracer().StartSpan("checkout");
  Headers outgoing;
  HeaderCarrier carrier(outgoing);
  {
    Scope scope(parent.context());
    HttpSpan client = StartHttpClientSpan(
        provider_.tracer(), propagator_,
        {.method = "POST", .url = "https://user:pw@payments.example:8443/charge?sig=s", .headers = &carrier});
    EXPECT_EQ(outgoing.at("traceparent"),
              "00-" + client.context().trace_id().ToHex() + "-" + client.context().span_id().ToHex() + "-01");
    client.Finish(201);
  }
  parent.End();
  const auto spans = provider_.Spans();
  ASSERT_EQ(spans.size(), 2u);
  const model::Span& client = spans[0];
  EXPECT_EQ(client.name, "POST");
  EXPECT_EQ(client.kind, SpanKind::kClient);
  EXPECT_TRUE(IsChildOf(client, spans[1]));
  EXPECT_EQ(AttributeText(client, "url.full"),
            "https://REDACTED:REDACTED@payments.example:8443/charge?sig=REDACTED");
  EXPECT_EQ(AttributeText(client, "server.address"), "payments.example");
  EXPECT_EQ(AttributeText(client, "server.port"), "8443");
  EXPECT_EQ(AttributeText(client, "http.response.status_code"), "201");
}

TEST_F(HttpTest, ClientSpanUsesAnExplicitParentAndTheDefaultPort) {
  const Headers incoming = {{"traceparent", "00-" + kTraceId + "-" + kParentId + "-01"}};
  HttpSpan client = StartHttpClientSpan(provider_.tracer(), propagator_,
                                        {.method = "GET",
                                         .url = "http://inventory/items",
                                         .parent = propagator_.Extract(HeaderCarrier(incoming))});
  client.Finish(200);
  const model::Span span = provider_.OnlySpan();
  EXPECT_EQ(span.trace_id.ToHex(), kTraceId);
  EXPECT_EQ(span.parent_span_id.ToHex(), kParentId);
  EXPECT_EQ(AttributeText(span, "server.port"), "80");
}

TEST_F(HttpTest, NotSampledClientStillPropagatesTheDecision) {
  RecordingProvider dropping(AlwaysOffSampler());
  Headers outgoing;
  HeaderCarrier carrier(outgoing);
  HttpSpan client = StartHttpClientSpan(dropping.tracer(), propagator_,
                                        {.method = "GET", .url = "http://h/", .headers = &carrier});
  client.Finish(200);
  EXPECT_TRUE(outgoing.at("traceparent").ends_with("-00"));
  EXPECT_TRUE(dropping.Spans().empty());
}

TEST_F(HttpTest, TransportErrorRecordsAnExceptionEvent) {
  StartHttpClientSpan(provider_.tracer(), propagator_, {.method = "GET", .url = "http://down/"})
      .FinishWithError(std::runtime_error("connection refused"));
  const model::Span span = provider_.OnlySpan();
  EXPECT_EQ(span.status.code, StatusCode::kError);
  EXPECT_EQ(span.status.message, "connection refused");
  EXPECT_EQ(AttributeText(span, "error.type"), "std::runtime_error");
  EXPECT_FALSE(HasAttribute(span, "http.response.status_code"));
  ASSERT_EQ(span.events.size(), 1u);
  EXPECT_EQ(span.events[0].name, "exception");
  EXPECT_EQ(AttributeText(span.events[0].attributes, "exception.message"), "connection refused");
}

TEST_F(HttpTest, DestroyingWithoutFinishEndsTheSpan) {
  {
    HttpSpan server = StartHttpServerSpan(provider_.tracer(), propagator_, {.method = "GET", .target = "/"});
  }
  EXPECT_EQ(provider_.Spans().size(), 1u);
}

}  // namespace
}  // namespace hoptrace::sdk
