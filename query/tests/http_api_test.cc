// The query HTTP API over real sockets, on the real embedded store in a temporary directory.

#include "hoptrace/query/http_api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <filesystem>
#include <set>

#include "hoptrace/http/url.h"
#include "hoptrace/otlp/json_convert.h"
#include "hoptrace/query/jaeger_api.h"
#include "hoptrace/store/embedded_store.h"
#include "api_test_server.h"
#include "test_client.h"

namespace hoptrace::query {
namespace {

using http::testing::ClientResponse;
using model::SpanId;
using model::TraceId;

constexpr std::uint64_t kMs = 1'000'000;

// (Jaeger trace ID, span count) per trace of a response.
using TraceList = std::vector<std::pair<std::string, std::size_t>>;

std::uint64_t NowUnixNano() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

model::Span MakeSpan(TraceId trace, std::uint64_t id, std::uint64_t parent, std::string name, model::SpanKind kind,
                     std::uint64_t start, std::uint64_t duration) {
  model::Span span;
  span.trace_id = trace;
  span.span_id = SpanId::FromHighLow(0, id);
  if (parent != 0) span.parent_span_id = SpanId::FromHighLow(0, parent);
  span.name = std::move(name);
  span.kind = kind;
  span.start_time_unix_nano = start;
  span.end_time_unix_nano = start + duration;
  return span;
}

model::ResourceSpans ServiceSpans(std::string service, std::vector<model::Span> spans) {
  model::ResourceSpans resource_spans;
  resource_spans.resource.attributes.push_back({"service.name", std::move(service)});
  resource_spans.scope_spans.resize(1);
  resource_spans.scope_spans[0].spans = std::move(spans);
  return resource_spans;
}

// Parameter: whether the spans are cut from the store's in-memory head into an on-disk block before
// the queries, so both of the store's read paths answer through the API.
class HttpApiTest : public ::testing::TestWithParam<bool> {
 protected:
  const TraceId checkout_ = TraceId::FromHighLow(0x1, 0xc0ffee);
  const TraceId health_ = TraceId::FromHighLow(0x2, 0x4ea1);
  const std::uint64_t start_ = NowUnixNano() - 10 * 60'000 * kMs;  // ten minutes ago

  void SetUp() override {
    const store::Status opened = testing::OpenTestStore("/tmp/hoptrace_query_http_XXXXXX", registry_, &dir_, &store_);
    ASSERT_TRUE(opened.ok()) << opened.message();
    ASSERT_TRUE(store_->Write(Traces()).ok());
    if (GetParam()) {
      ASSERT_TRUE(store_->CutHead(/*everything=*/true).ok());
      ASSERT_EQ(store_->stats().head_spans, 0u);
      ASSERT_EQ(store_->stats().blocks, 1u);
    }

    server_ = std::make_unique<testing::ApiTestServer>(*store_, registry_,
                                                        HttpApi::Options{.ready = [this] { return ready_.load(); }});
    std::string error;
    ASSERT_TRUE(server_->Start(&error)) << error;
  }

  void TearDown() override {
    server_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // frontend GET /checkout (server, error) -> frontend POST /charge (client) -> payments charge (server,
  // http.status_code 500); and a separate quick frontend GET /health.
  model::TraceBatch Traces() const {
    model::Span root = MakeSpan(checkout_, 0x1, 0, "GET /checkout", model::SpanKind::kServer, start_, 40 * kMs);
    root.status = {model::StatusCode::kError, "payment failed"};
    model::Span call = MakeSpan(checkout_, 0x2, 0x1, "POST /charge", model::SpanKind::kClient, start_ + kMs, 30 * kMs);
    model::Span charge = MakeSpan(checkout_, 0x3, 0x2, "charge", model::SpanKind::kServer, start_ + 2 * kMs, 25 * kMs);
    charge.attributes.push_back({"http.status_code", std::int64_t{500}});
    model::Span health = MakeSpan(health_, 0x9, 0, "GET /health", model::SpanKind::kServer, start_ + 5 * kMs, 100'000);

    model::TraceBatch batch;
    batch.resource_spans.push_back(ServiceSpans("frontend", {root, call, health}));
    batch.resource_spans.push_back(ServiceSpans("payments", {charge}));
    return batch;
  }

  ClientResponse Get(const std::string& target) {
    auto response = http::testing::Fetch(server_->port(), "GET", target);
    EXPECT_TRUE(response.has_value()) << target;
    return response.value_or(ClientResponse{});
  }

  // Parses `body` (kept alive in the parser) and returns its root.
  simdjson::dom::element Parse(const std::string& body) {
    simdjson::dom::element root;
    EXPECT_EQ(parser_.parse(body).get(root), simdjson::SUCCESS) << body;
    return root;
  }

  // The trace IDs and span counts of a Jaeger traces response.
  TraceList JaegerTraces(const std::string& body) {
    TraceList traces;
    for (simdjson::dom::element trace : Parse(body)["data"].get_array()) {
      traces.emplace_back(std::string(trace["traceID"].get_string().value()), trace["spans"].get_array().size());
    }
    return traces;
  }

  std::string dir_;
  metrics::Registry registry_;
  std::unique_ptr<store::EmbeddedStore> store_;
  std::atomic<bool> ready_{true};
  std::unique_ptr<testing::ApiTestServer> server_;
  simdjson::dom::parser parser_;
};

TEST_P(HttpApiTest, ServicesAndOperations) {
  ClientResponse response = Get("/api/services");
  EXPECT_EQ(response.status, 200u);
  EXPECT_EQ(response.Header("Content-Type"), "application/json");
  EXPECT_EQ(response.body, R"({"data":["frontend","payments"],"total":2,"limit":0,"offset":0,"errors":null})");

  EXPECT_EQ(Get("/api/services/frontend/operations").body,
            R"({"data":["GET /checkout","GET /health","POST /charge"],"total":3,"limit":0,"offset":0,"errors":null})");
  EXPECT_EQ(Get("/api/operations?service=frontend&spanKind=server").body,
            R"({"data":[{"name":"GET /checkout","spanKind":"server"},{"name":"GET /health","spanKind":"server"}],)"
            R"("total":2,"limit":0,"offset":0,"errors":null})");

  response = Get("/api/operations");
  EXPECT_EQ(response.status, 400u);
  EXPECT_EQ(response.body,
            R"({"data":null,"total":0,"limit":0,"offset":0,"errors":[{"code":400,"msg":"parameter 'service' is required"}]})");
  EXPECT_EQ(Get("/api/operations?service=frontend&spanKind=sideways").status, 400u);
}

TEST_P(HttpApiTest, JaegerSearchReturnsWholeTraces) {
  const std::string checkout_id = JaegerTraceId(checkout_);
  // The tag matches only the payments span; the answer holds the whole trace (all three spans).
  ClientResponse response =
      Get("/api/traces?service=payments&tags=" + http::PercentEncode(R"({"http.status_code":"500"})") + "&limit=20");
  ASSERT_EQ(response.status, 200u) << response.body;
  EXPECT_EQ(JaegerTraces(response.body), (TraceList{{checkout_id, 3}}));

  EXPECT_EQ(JaegerTraces(Get("/api/traces?service=frontend&tags=error%3Dtrue").body),
            (TraceList{{checkout_id, 3}}));
  EXPECT_EQ(JaegerTraces(Get("/api/traces?service=frontend&operation=GET%20%2Fhealth").body),
            (TraceList{{JaegerTraceId(health_), 1}}));
  EXPECT_EQ(JaegerTraces(Get("/api/traces?service=frontend&minDuration=35ms").body),
            (TraceList{{checkout_id, 3}}));
  // A window that ends before the spans start finds nothing.
  const std::uint64_t before_us = (start_ - 60'000 * kMs) / 1000;
  EXPECT_TRUE(JaegerTraces(Get("/api/traces?service=frontend&end=" + std::to_string(before_us)).body).empty());

  response = Get("/api/traces?operation=x");
  EXPECT_EQ(response.status, 400u);
  EXPECT_EQ(response.body,
            R"({"data":null,"total":0,"limit":0,"offset":0,"errors":[{"code":400,"msg":"parameter 'service' is required"}]})");
}

TEST_P(HttpApiTest, JaegerTraceById) {
  const std::string checkout_id = JaegerTraceId(checkout_);
  ClientResponse response = Get("/api/traces/" + checkout_id);
  ASSERT_EQ(response.status, 200u);
  EXPECT_EQ(JaegerTraces(response.body), (TraceList{{checkout_id, 3}}));
  simdjson::dom::element trace = Parse(response.body)["data"].at(0);
  EXPECT_EQ(trace["processes"].get_object().size(), 2u);

  response = Get("/api/traces/" + JaegerTraceId(TraceId::FromHighLow(7, 7)));
  EXPECT_EQ(response.status, 404u);
  EXPECT_EQ(response.body,
            R"({"data":null,"total":0,"limit":0,"offset":0,"errors":[{"code":404,"msg":"trace not found"}]})");
  EXPECT_EQ(Get("/api/traces/not-hex").status, 400u);

  // traceID parameters fetch traces directly and report the missing ones.
  response = Get("/api/traces?traceID=" + checkout_id + "&traceID=77");
  ASSERT_EQ(response.status, 200u);
  EXPECT_EQ(JaegerTraces(response.body), (TraceList{{checkout_id, 3}}));
  EXPECT_NE(response.body.find(R"("errors":[{"msg":"trace not found","traceID":"0000000000000077"}])"), std::string::npos);
}

TEST_P(HttpApiTest, Dependencies) {
  const std::uint64_t now_ms = NowUnixNano() / kMs;
  const ClientResponse response =
      Get("/api/dependencies?endTs=" + std::to_string(now_ms) + "&lookback=" + std::to_string(3'600'000));
  ASSERT_EQ(response.status, 200u) << response.body;
  EXPECT_EQ(response.body,
            R"({"data":[{"parent":"frontend","child":"payments","callCount":1}],"total":0,"limit":0,"offset":0,"errors":null})");
  EXPECT_EQ(Get("/api/dependencies?service=cart").body, R"({"data":[],"total":0,"limit":0,"offset":0,"errors":null})");
  EXPECT_EQ(Get("/api/dependencies?lookback=1h").status, 400u);
}

TEST_P(HttpApiTest, TraceAsOtlpJson) {
  const ClientResponse response = Get("/api/v2/traces/" + checkout_.ToHex());
  ASSERT_EQ(response.status, 200u);
  const std::string prefix = R"({"trace":)";
  ASSERT_TRUE(response.body.starts_with(prefix)) << response.body;
  model::TraceBatch trace;
  otlp::DecodeReport report;
  std::string error;
  ASSERT_TRUE(otlp::ParseJson(std::string_view(response.body).substr(prefix.size(), response.body.size() - prefix.size() - 1),
                              &trace, &report, &error))
      << error;
  std::set<std::string> span_ids;
  for (const auto& resource_spans : trace.resource_spans) {
    for (const auto& scope_spans : resource_spans.scope_spans) {
      for (const auto& span : scope_spans.spans) span_ids.insert(span.span_id.ToHex());
    }
  }
  EXPECT_EQ(span_ids, (std::set<std::string>{"0000000000000001", "0000000000000002", "0000000000000003"}));

  EXPECT_EQ(Get("/api/v2/traces/" + TraceId::FromHighLow(7, 7).ToHex()).status, 404u);
  EXPECT_EQ(Get("/api/v2/traces/zz").body, R"({"error":"invalid trace ID \"zz\": expected 1 to 32 hex digits"})");
}

TEST_P(HttpApiTest, TraceAnalysisNamesTheSlowHopAndTheErrorOrigin) {
  const ClientResponse response = Get("/api/v2/traces/" + checkout_.ToHex() + "/analysis");
  ASSERT_EQ(response.status, 200u) << response.body;
  const simdjson::dom::element root = Parse(response.body);
  EXPECT_EQ(std::string_view(root["traceId"]), checkout_.ToHex());
  EXPECT_EQ(std::uint64_t(root["durationNanos"]), 40 * kMs);
  const simdjson::dom::element first = root["findings"].at(0);
  EXPECT_EQ(std::string_view(first["kind"]), "critical_path");
  EXPECT_EQ(std::string_view(first["headline"]), "frontend → payments charge took 25 ms of 40 ms (63 %) on the critical path");
  EXPECT_EQ(std::string_view(first["evidence"].at(0)["spanId"]), SpanId::FromHighLow(0, 0x3).ToHex());
  bool error_origin = false;
  for (simdjson::dom::element finding : root["findings"].get_array()) {
    if (std::string_view(finding["kind"]) != "error_origin") continue;
    error_origin = true;
    // charge answered 500 without setting error status; the client span between recorded none.
    EXPECT_EQ(std::string_view(finding["headline"]),
              "frontend → payments charge is where the error started (http.status_code=500); 1 caller(s) only passed it "
              "up, up to frontend GET /checkout");
  }
  EXPECT_TRUE(error_origin) << response.body;
  // The path in time order: frontend's first millisecond, the call, charge, back up.
  const simdjson::dom::array path = root["criticalPath"].get_array();
  ASSERT_EQ(path.size(), 5u);
  EXPECT_EQ(std::string_view(path.at(2)["operation"]), "charge");
  EXPECT_EQ(std::uint64_t(path.at(2)["durationNanos"]), 25 * kMs);
  EXPECT_EQ(std::string_view(root["services"].at(0)["service"]), "payments");

  EXPECT_EQ(Get("/api/v2/traces/" + TraceId::FromHighLow(7, 7).ToHex() + "/analysis").status, 404u);
  EXPECT_EQ(Get("/api/v2/traces/zz/analysis").body, R"({"error":"invalid trace ID \"zz\": expected 1 to 32 hex digits"})");
}

// A split trace: payments' server span names a remote parent that its trace lacks. The caller's
// span is in another stored trace, found through the store by its peer attributes.
TEST_P(HttpApiTest, TraceAnalysisFindsTheCallerOfASplitTraceInTheStore) {
  const TraceId caller_trace = TraceId::FromHighLow(0x5, 0xca11);
  const TraceId split_trace = TraceId::FromHighLow(0x5, 0x5b1);
  model::Span caller_root = MakeSpan(caller_trace, 0x51, 0, "POST /order", model::SpanKind::kServer, start_, 60 * kMs);
  model::Span call = MakeSpan(caller_trace, 0x52, 0x51, "POST /pay", model::SpanKind::kClient, start_ + kMs, 50 * kMs);
  call.attributes.push_back({"peer.service", std::string("billing")});
  model::Span decoy = MakeSpan(caller_trace, 0x53, 0x51, "GET /stock", model::SpanKind::kClient, start_ + kMs, 50 * kMs);
  decoy.attributes.push_back({"peer.service", std::string("stock")});
  model::Span split = MakeSpan(split_trace, 0x61, 0x52, "POST /pay", model::SpanKind::kServer, start_ + 3 * kMs, 45 * kMs);
  model::TraceBatch batch;
  batch.resource_spans.push_back(ServiceSpans("orders", {caller_root, call, decoy}));
  batch.resource_spans.push_back(ServiceSpans("billing", {split}));
  ASSERT_TRUE(store_->Write(batch).ok());

  const ClientResponse response = Get("/api/v2/traces/" + split_trace.ToHex() + "/analysis");
  ASSERT_EQ(response.status, 200u) << response.body;
  const simdjson::dom::element root = Parse(response.body);
  const simdjson::dom::element first = root["findings"].at(0);
  EXPECT_EQ(std::string_view(first["kind"]), "split_trace");
  EXPECT_THAT(std::string(std::string_view(first["headline"])),
              ::testing::HasSubstr("likeliest caller: orders POST /pay in trace " + caller_trace.ToHex()));
  const simdjson::dom::array candidates = root["candidateParents"].get_array();
  ASSERT_EQ(candidates.size(), 1u) << response.body;
  EXPECT_EQ(std::string_view(candidates.at(0)["spanId"]), SpanId::FromHighLow(0, 0x52).ToHex());
  EXPECT_EQ(std::string_view(candidates.at(0)["reason"]),
            "its span ID is the missing parent, its time contains the call, peer.service=billing, same operation name");
}

TEST_P(HttpApiTest, NativeSearchWithTheQueryLanguage) {
  ClientResponse response = Get("/api/search?q=" + http::PercentEncode(R"({ resource.service.name = "payments" && span.http.status_code >= 500 })"));
  ASSERT_EQ(response.status, 200u) << response.body;
  simdjson::dom::element traces = Parse(response.body)["traces"];
  ASSERT_EQ(traces.get_array().size(), 1u);
  EXPECT_EQ(std::string_view(traces.at(0)["traceID"].get_string().value()), checkout_.ToHex());
  EXPECT_EQ(std::string_view(traces.at(0)["rootServiceName"].get_string().value()), "frontend");
  EXPECT_EQ(std::string_view(traces.at(0)["rootTraceName"].get_string().value()), "GET /checkout");
  EXPECT_EQ(traces.at(0)["spanCount"].get_uint64().value(), 3u);
  EXPECT_EQ(traces.at(0)["errorCount"].get_uint64().value(), 1u);
  EXPECT_EQ(std::string_view(traces.at(0)["matchedSpans"].at(0).get_string().value()), "0000000000000003");

  response = Get("/api/search?q=" + http::PercentEncode("{ duration < 1ms }") + "&limit=5");
  ASSERT_EQ(response.status, 200u);
  EXPECT_EQ(Parse(response.body)["traces"].get_array().size(), 1u);

  response = Get("/api/search?q=" + http::PercentEncode("{ duration >= }"));
  EXPECT_EQ(response.status, 400u);
  EXPECT_EQ(response.body, R"({"error":"invalid query: column 15: expected a value after '>=', found '}'","column":15})");
  EXPECT_EQ(Get("/api/search?q=%zz").status, 400u);
}

TEST_P(HttpApiTest, MetricsHealthAndReadiness) {
  Get("/api/services");
  Get("/api/search?q=nonsense");
  const ClientResponse metrics = Get("/metrics");
  EXPECT_EQ(metrics.status, 200u);
  EXPECT_NE(metrics.body.find(R"(hoptrace_query_duration_seconds_count{endpoint="services"} 1)"), std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find(R"(hoptrace_query_rejected_total{endpoint="search"} 1)"), std::string::npos);

  EXPECT_EQ(Get("/healthz").status, 200u);
  EXPECT_EQ(Get("/readyz").status, 200u);
  ready_ = false;
  EXPECT_EQ(Get("/readyz").status, 503u);
}

INSTANTIATE_TEST_SUITE_P(StoreParts, HttpApiTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& param) { return param.param ? "Blocks" : "Head"; });

}  // namespace
}  // namespace hoptrace::query
