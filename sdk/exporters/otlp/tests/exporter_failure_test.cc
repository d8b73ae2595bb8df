// What the exporter does when the collector is down, slow, throttling or refusing.
#include <gtest/gtest.h>

#include <thread>

#include "held_port.h"
#include "grpc_test_receiver.h"
#include "hoptrace/otlp/proto_convert.h"
#include "hoptrace/sdk/exporters/otlp/otlp_exporter.h"
#include "http_test_receiver.h"
#include "test_spans.h"

namespace hoptrace::sdk::exporters::otlp {
namespace {

using namespace std::chrono_literals;
using testing::GrpcTestReceiver;
using testing::HttpTestReceiver;
using testing::MakeRecords;

// Fast retries so failure tests finish quickly; collects log lines.
struct TestOptions {
  std::vector<std::string> log;

  OtlpExporterOptions For(std::string endpoint, OtlpProtocol protocol = OtlpProtocol::kHttpProtobuf) {
    OtlpExporterOptions options;
    options.endpoint = std::move(endpoint);
    options.protocol = protocol;
    options.timeout = 2s;
    options.retry.initial_backoff = 50ms;
    options.retry.max_backoff = 200ms;
    options.log = [this](std::string_view line) { log.emplace_back(line); };
    return options;
  }
};

// Added to a bound that should hold to the millisecond: a process in a loaded ctest -j run may wait
// seconds for a core.
constexpr auto kSchedulingMargin = 4s;

std::string SerializedPartialSuccess(std::int64_t rejected, const std::string& message) {
  hoptrace::otlp::ExportResponse response;
  response.mutable_partial_success()->set_rejected_spans(rejected);
  response.mutable_partial_success()->set_error_message(message);
  return response.SerializeAsString();
}

TEST(OtlpExporterFailureTest, CollectorDownFailsWithinTheTimeout) {
  for (const OtlpProtocol protocol : {OtlpProtocol::kHttpProtobuf, OtlpProtocol::kGrpc}) {
    TestOptions test;
    const hoptrace::http::testing::ClosedLocalPort closed;
    const std::string_view path = protocol == OtlpProtocol::kGrpc ? "" : "/v1/traces";  // gRPC: no path
    OtlpExporterOptions options = test.For(testing::LoopbackUrl(closed.port(), path), protocol);
    options.timeout = 1s;
    OtlpExporter exporter(options);
    const auto start = Clock::now();
    EXPECT_EQ(exporter.Export(MakeRecords(3)), ExportResult::kFailure);
    // Without the timeout the default retries would take 7-10 s; the margin is for a loaded machine.
    EXPECT_LT(Clock::now() - start, 1s + kSchedulingMargin);
    const OtlpExporterStats stats = exporter.stats();
    EXPECT_EQ(stats.failed_exports, 1u);
    EXPECT_GE(stats.requests, 2u) << "connection failures are retried";
    EXPECT_EQ(stats.retries, stats.requests - 1);
    EXPECT_EQ(stats.spans_sent, 0u);
    ASSERT_EQ(test.log.size(), 1u);
    EXPECT_NE(test.log[0].find("export of 3 spans failed"), std::string::npos) << test.log[0];
  }
}

TEST(OtlpExporterFailureTest, CollectorDownDoesNotBlockTheApplication) {
  TestOptions test;
  const hoptrace::http::testing::ClosedLocalPort closed;
  OtlpExporterOptions options = test.For(testing::LoopbackUrl(closed.port()));
  options.timeout = 10s;
  options.retry = RetryPolicy{};  // the real defaults: the worker sits in backoff for seconds
  auto exporter = MakeOtlpExporter(options);
  OtlpExporter* raw_exporter = exporter.get();
  TracerProviderOptions provider_options;
  provider_options.processors.push_back(std::make_unique<BatchSpanProcessor>(
      std::move(exporter), BatchSpanProcessorOptions{.schedule_delay = 10ms}));
  TracerProvider provider(std::move(provider_options));
  Tracer& tracer = provider.GetTracer("app");
  tracer.StartSpan("warm-up").End();
  std::this_thread::sleep_for(50ms);  // the worker is now retrying against the closed port

  const auto start = Clock::now();
  for (int i = 0; i < 10'000; ++i) tracer.StartSpan("request").End();
  const auto elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  ::testing::Test::RecordProperty("ten_thousand_spans_ms", static_cast<int>(elapsed_ms));
  // Recording cost only (the queue fills, then drops): ~20 ms in Debug. A blocked application
  // thread would wait out the export in progress (7-10 s of retries); the bound leaves room for
  // sanitizer builds under ctest -j on a loaded machine, where the thread waits for a core.
  EXPECT_LT(elapsed_ms, 3000) << elapsed_ms << " ms for 10k spans";

  // Shutting the exporter down ends the worker's backoff at once.
  const auto shutdown_start = Clock::now();
  raw_exporter->Shutdown(1s);
  provider.Shutdown(1s);
  EXPECT_LT(Clock::now() - shutdown_start, 1s);
  EXPECT_GE(raw_exporter->stats().failed_exports, 1u);
}

TEST(OtlpExporterFailureTest, RetriesAfter503HonouringRetryAfter) {
  HttpTestReceiver receiver;
  receiver.Respond({.status = 503, .headers = {{"Retry-After", "1"}}});
  TestOptions test;
  OtlpExporterOptions options = test.For(receiver.Url());
  options.timeout = 5s;
  OtlpExporter exporter(options);

  EXPECT_EQ(exporter.Export(MakeRecords(2)), ExportResult::kSuccess);
  const auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_GE(requests[1].received_at - requests[0].received_at, 950ms) << "Retry-After: 1 replaces the 50 ms backoff";
  EXPECT_EQ(requests[0].body, requests[1].body);
  EXPECT_EQ(exporter.stats().retries, 1u);
  EXPECT_EQ(exporter.stats().spans_sent, 2u);
  EXPECT_TRUE(test.log.empty());
}

TEST(OtlpExporterFailureTest, RetriesThrottlingAndGatewayErrors) {
  HttpTestReceiver receiver;
  for (unsigned status : {429u, 502u, 504u}) receiver.Respond({.status = status});
  TestOptions test;
  OtlpExporter exporter(test.For(receiver.Url()));
  EXPECT_EQ(exporter.Export(MakeRecords(1)), ExportResult::kSuccess);
  EXPECT_EQ(receiver.requests().size(), 4u);
  EXPECT_EQ(exporter.stats().retries, 3u);
}

TEST(OtlpExporterFailureTest, BadRequestIsNotRetried) {
  HttpTestReceiver receiver;
  receiver.Respond({.status = 400, .body = "invalid trace id"});
  TestOptions test;
  OtlpExporter exporter(test.For(receiver.Url()));
  EXPECT_EQ(exporter.Export(MakeRecords(1)), ExportResult::kFailure);
  EXPECT_EQ(receiver.requests().size(), 1u);
  EXPECT_EQ(exporter.stats().retries, 0u);
  EXPECT_EQ(exporter.stats().failed_exports, 1u);
  ASSERT_EQ(test.log.size(), 1u);
  EXPECT_NE(test.log[0].find("HTTP 400: invalid trace id"), std::string::npos) << test.log[0];
}

TEST(OtlpExporterFailureTest, GivesUpAfterMaxAttempts) {
  HttpTestReceiver receiver;
  for (int i = 0; i < 10; ++i) receiver.Respond({.status = 503});
  TestOptions test;
  OtlpExporterOptions options = test.For(receiver.Url());
  options.retry.max_attempts = 3;
  OtlpExporter exporter(options);
  EXPECT_EQ(exporter.Export(MakeRecords(1)), ExportResult::kFailure);
  EXPECT_EQ(receiver.requests().size(), 3u);
  EXPECT_EQ(exporter.stats().retries, 2u);
}

TEST(OtlpExporterFailureTest, CountsSpansRejectedByPartialSuccess) {
  HttpTestReceiver receiver;
  receiver.Respond({.status = 200, .body = SerializedPartialSuccess(2, "2 spans too old")});
  receiver.Respond({.status = 200, .body = R"({"partialSuccess":{"rejectedSpans":"1","errorMessage":"bad id"}})"});
  TestOptions test;
  OtlpExporter protobuf_exporter(test.For(receiver.Url()));
  EXPECT_EQ(protobuf_exporter.Export(MakeRecords(5)), ExportResult::kSuccess);
  EXPECT_EQ(protobuf_exporter.stats().rejected_spans, 2u);
  EXPECT_EQ(protobuf_exporter.stats().spans_sent, 5u);

  OtlpExporter json_exporter(test.For(receiver.Url(), OtlpProtocol::kHttpJson));
  EXPECT_EQ(json_exporter.Export(MakeRecords(5)), ExportResult::kSuccess);
  EXPECT_EQ(json_exporter.stats().rejected_spans, 1u);

  ASSERT_EQ(test.log.size(), 2u);
  EXPECT_NE(test.log[0].find("rejected 2 of 5 spans: 2 spans too old"), std::string::npos) << test.log[0];
  EXPECT_NE(test.log[1].find("rejected 1 of 5 spans: bad id"), std::string::npos) << test.log[1];
}

// Exports on this thread while another shuts the exporter down once the receiver has the request:
// Export must give up promptly although the receiver would keep it waiting far longer.
template <typename Receiver>
void ExpectShutdownEndsTheExport(const Receiver& receiver, OtlpExporter& exporter) {
  std::thread stopper([&] {
    receiver.WaitForRequests(1, 2s);
    std::this_thread::sleep_for(50ms);  // let the exporter settle into its wait
    exporter.Shutdown(1s);
  });
  const auto start = Clock::now();
  EXPECT_EQ(exporter.Export(MakeRecords(1)), ExportResult::kFailure);
  stopper.join();
  EXPECT_LT(Clock::now() - start, 2s);
  // After Shutdown nothing more is sent.
  EXPECT_EQ(exporter.Export(MakeRecords(1)), ExportResult::kFailure);
  EXPECT_EQ(receiver.requests().size(), 1u);
}

TEST(OtlpExporterFailureTest, ShutdownInterruptsTheBackoffSleep) {
  HttpTestReceiver receiver;
  receiver.Respond({.status = 503, .headers = {{"Retry-After", "30"}}});
  TestOptions test;
  OtlpExporterOptions options = test.For(receiver.Url());
  options.timeout = 60s;
  OtlpExporter exporter(options);
  ExpectShutdownEndsTheExport(receiver, exporter);
}

TEST(OtlpExporterFailureTest, ShutdownAbortsARequestInFlight) {
  HttpTestReceiver receiver;
  receiver.Respond({.status = 200, .delay = 10s});
  TestOptions test;
  OtlpExporterOptions options = test.For(receiver.Url());
  options.timeout = 30s;
  OtlpExporter exporter(options);
  ExpectShutdownEndsTheExport(receiver, exporter);
}

TEST(OtlpExporterFailureTest, ShutdownAbortsAGrpcCallInFlight) {
  GrpcTestReceiver receiver;
  receiver.Respond({.delay = 10s});
  TestOptions test;
  OtlpExporterOptions options = test.For(receiver.Endpoint(), OtlpProtocol::kGrpc);
  options.timeout = 30s;
  OtlpExporter exporter(options);
  ExpectShutdownEndsTheExport(receiver, exporter);
}

TEST(OtlpExporterFailureTest, HttpsEndpointIsAConfigurationError) {
  TestOptions test;
  OtlpExporter exporter(test.For("https://collector.example:4318/v1/traces"));
  EXPECT_NE(exporter.configuration_error().find("https"), std::string::npos);
  EXPECT_EQ(exporter.Export(MakeRecords(1)), ExportResult::kFailure);
  EXPECT_EQ(exporter.stats().requests, 0u);
  ASSERT_FALSE(test.log.empty());
  EXPECT_NE(test.log[0].find("unusable configuration"), std::string::npos);
}

TEST(OtlpExporterFailureTest, GrpcUnavailableIsRetried) {
  GrpcTestReceiver receiver;
  receiver.Respond({.status = grpc::Status(grpc::StatusCode::UNAVAILABLE, "restarting")});
  TestOptions test;
  OtlpExporter exporter(test.For(receiver.Endpoint(), OtlpProtocol::kGrpc));
  EXPECT_EQ(exporter.Export(MakeRecords(3)), ExportResult::kSuccess);
  const auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].request.SerializeAsString(), requests[1].request.SerializeAsString());
  EXPECT_EQ(exporter.stats().retries, 1u);
  EXPECT_EQ(exporter.stats().spans_sent, 3u);
}

TEST(OtlpExporterFailureTest, GrpcResourceExhaustedIsRetriedButInvalidArgumentIsNot) {
  GrpcTestReceiver receiver;
  receiver.Respond({.status = grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "slow down")});
  receiver.Respond({.status = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad span")});
  TestOptions test;
  OtlpExporter exporter(test.For(receiver.Endpoint(), OtlpProtocol::kGrpc));
  EXPECT_EQ(exporter.Export(MakeRecords(1)), ExportResult::kFailure);
  EXPECT_EQ(receiver.requests().size(), 2u);
  EXPECT_EQ(exporter.stats().retries, 1u);
  ASSERT_EQ(test.log.size(), 1u);
  EXPECT_NE(test.log[0].find("bad span"), std::string::npos) << test.log[0];
}

TEST(OtlpExporterFailureTest, GrpcPartialSuccessIsCounted) {
  GrpcTestReceiver receiver;
  receiver.Respond({.rejected_spans = 1, .partial_success_message = "one bad span"});
  TestOptions test;
  OtlpExporter exporter(test.For(receiver.Endpoint(), OtlpProtocol::kGrpc));
  EXPECT_EQ(exporter.Export(MakeRecords(4)), ExportResult::kSuccess);
  EXPECT_EQ(exporter.stats().rejected_spans, 1u);
  ASSERT_EQ(test.log.size(), 1u);
  EXPECT_NE(test.log[0].find("one bad span"), std::string::npos);
}

TEST(OtlpExporterFailureTest, GrpcTimeoutIsBoundedByTheDeadline) {
  // A listener that never speaks HTTP/2: the call can only end at its deadline.
  HttpTestReceiver silent_http;  // speaks HTTP/1.1, which gRPC cannot use
  TestOptions test;
  OtlpExporterOptions options = test.For("http://127.0.0.1:" + std::to_string(silent_http.port()), OtlpProtocol::kGrpc);
  options.timeout = 1s;
  OtlpExporter exporter(options);
  const auto start = Clock::now();
  EXPECT_EQ(exporter.Export(MakeRecords(1)), ExportResult::kFailure);
  EXPECT_LT(Clock::now() - start, 1s + kSchedulingMargin);  // without the deadline it never ends
}

}  // namespace
}  // namespace hoptrace::sdk::exporters::otlp
