// Bad input over real sockets: each case gets the right status and message, is counted, and leaves
// the receiver serving with earlier data intact. Then the gRPC equivalents, and overload answers.
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <future>
#include <optional>
#include <thread>
#include <vector>

#include "hoptrace/otlp/json_convert.h"
#include "hoptrace/otlp/proto_convert.h"
#include "hoptrace/sdk/exporters/otlp/gzip.h"
#include "receiver_fixture.h"
#include "test_client.h"
#include "test_payloads.h"

namespace hoptrace::collector {
namespace {

using http::testing::ClientResponse;
using http::testing::TestConnection;
using sdk::exporters::otlp::GzipCompress;

constexpr std::string_view kProtobuf = "application/x-protobuf";
constexpr std::string_view kJson = "application/json";

model::TraceBatch MakeBatch(std::size_t spans, std::uint64_t first_id = 1) {
  model::TraceBatch batch;
  model::ResourceSpans& resource_spans = batch.resource_spans.emplace_back();
  model::SetAttribute(resource_spans.resource.attributes, model::kServiceNameKey, std::string_view("shop"));
  model::ScopeSpans& scope_spans = resource_spans.scope_spans.emplace_back();
  for (std::size_t i = 0; i < spans; ++i) {
    model::Span& span = scope_spans.spans.emplace_back();
    span.trace_id = model::TraceId::FromHighLow(7, first_id + i);
    span.span_id = model::SpanId::FromHighLow(0, first_id + i);
    span.name = "op " + std::to_string(i);
    span.start_time_unix_nano = 1000;
    span.end_time_unix_nano = 2000;
  }
  return batch;
}

// Two spans; the first one's trace id is 8 bytes long.
std::string ProtobufWithShortTraceId() {
  otlp::ExportRequest request;
  otlp::ToProto(MakeBatch(2), &request);
  request.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->set_trace_id(std::string(8, '\x01'));
  return request.SerializeAsString();
}

// Two spans; the second one's trace id is all zero.
std::string JsonWithZeroTraceId() {
  model::TraceBatch batch = MakeBatch(2);
  batch.resource_spans[0].scope_spans[0].spans[1].trace_id = model::TraceId();
  return otlp::ToJson(batch);
}

otlp::ExportResponse DecodeExportResponse(const ClientResponse& response) {
  otlp::ExportResponse decoded;
  if (response.Header("Content-Type") == kJson) {
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(response.body, &decoded).ok()) << response.body;
  } else {
    EXPECT_TRUE(decoded.ParseFromString(response.body));
  }
  return decoded;
}

std::size_t PeakResidentBytes() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoul(line.substr(6)) * 1024;
  }
  return 0;
}

struct BadHttpInput {
  const char* name;
  std::function<std::string()> body;
  std::string_view content_type = kProtobuf;
  std::string_view content_encoding = {};
  const char* method = "POST";
  const char* target = "/v1/traces";
  unsigned status = 400;
  const char* message_part = "";
  const char* refused_reason = "malformed";  // hoptrace_receiver_requests_refused_total; "" for none
  std::size_t rejected_spans = 0;            // partial success
};

void PrintTo(const BadHttpInput& input, std::ostream* out) { *out << input.name; }

class OtlpHttpBadInputTest : public testing::ReceiverFixture, public ::testing::WithParamInterface<BadHttpInput> {
 protected:
  void SetUp() override {
    ReceiverFixture::SetUp();
    const auto stored = Post(otlp::SerializeExportRequest(MakeBatch(3)), kProtobuf, {});
    ASSERT_TRUE(stored);
    ASSERT_EQ(stored->status, 200u);
  }

  std::optional<ClientResponse> Post(const std::string& body, std::string_view content_type,
                                     std::string_view content_encoding, const char* method = "POST",
                                     const char* target = "/v1/traces") {
    http::Headers headers = {{"Content-Type", std::string(content_type)}};
    if (!content_encoding.empty()) headers.emplace_back("Content-Encoding", std::string(content_encoding));
    TestConnection connection(otlp_http_->port());
    return connection.Send(method, target, body, headers);
  }

  void ExpectStillServingWithEarlierDataIntact() {
    const auto next = Post(otlp::SerializeExportRequest(MakeBatch(1, 100)), kProtobuf, {});
    ASSERT_TRUE(next) << "the receiver stopped answering";
    EXPECT_EQ(next->status, 200u);
    const std::vector<model::TraceBatch> batches = sink_.batches();
    ASSERT_GE(batches.size(), 2u);
    EXPECT_EQ(batches.front(), MakeBatch(3));
    EXPECT_EQ(batches.back(), MakeBatch(1, 100));
  }
};

TEST_P(OtlpHttpBadInputTest, GetsTheRightAnswerAndIsCounted) {
  const BadHttpInput& input = GetParam();
  const std::size_t spans_before = sink_.span_count();
  const std::size_t peak_before = PeakResidentBytes();
  const auto response = Post(input.body(), input.content_type, input.content_encoding, input.method, input.target);
  ASSERT_TRUE(response);
  EXPECT_LT(PeakResidentBytes() - peak_before, 64u << 20) << "the request was expanded in memory";
  EXPECT_EQ(response->status, input.status) << response->body;
  if (input.rejected_spans > 0) {
    const otlp::ExportResponse decoded = DecodeExportResponse(*response);
    EXPECT_EQ(decoded.partial_success().rejected_spans(), static_cast<std::int64_t>(input.rejected_spans));
    EXPECT_NE(decoded.partial_success().error_message().find(input.message_part), std::string::npos)
        << decoded.partial_success().error_message();
    EXPECT_EQ(sink_.span_count(), spans_before + 2 - input.rejected_spans);
    EXPECT_EQ(Metric("hoptrace_spans_refused_total", R"(protocol="otlp_http",reason="invalid_span")"),
              static_cast<double>(input.rejected_spans));
  } else {
    // The error body is a google.rpc.Status in the request's encoding (its message is in there verbatim).
    EXPECT_NE(response->body.find(input.message_part), std::string::npos) << response->body;
    EXPECT_EQ(sink_.span_count(), spans_before);
  }
  if (input.status == 200 || input.status == 400 || input.status == 413 || input.status == 415) {
    EXPECT_EQ(response->Header("Content-Type"), input.content_type == kProtobuf ? kProtobuf : kJson);
  }
  if (*input.refused_reason != '\0') {
    EXPECT_EQ(Metric("hoptrace_receiver_requests_refused_total",
                     std::string(R"(protocol="otlp_http",reason=")") + input.refused_reason + "\""),
              1);
  }
  EXPECT_EQ(Metric("hoptrace_receiver_requests_total",
                   R"(protocol="otlp_http",code=")" + std::to_string(input.status) + "\""),
            input.status == 200 ? 2 : 1);
  ExpectStillServingWithEarlierDataIntact();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, OtlpHttpBadInputTest,
    ::testing::Values(
        BadHttpInput{.name = "malformed_protobuf",
                     .body = [] { return std::string("\xff\xff\xff\xff garbage", 12); },
                     .message_part = "malformed protobuf"},
        BadHttpInput{.name = "truncated_protobuf",
                     .body =
                         [] {
                           const std::string whole = otlp::SerializeExportRequest(MakeBatch(5));
                           return whole.substr(0, whole.size() - 7);
                         },
                     .message_part = "malformed protobuf"},
        BadHttpInput{.name = "malformed_json",
                     .body = [] { return std::string(R"({"resourceSpans": [{"scopeSpans": )"); },
                     .content_type = kJson,
                     .message_part = "malformed JSON"},
        BadHttpInput{.name = "json_of_another_shape",
                     .body = [] { return std::string(R"({"resourceSpans": 42})"); },
                     .content_type = kJson,
                     .message_part = "resourceSpans"},
        BadHttpInput{.name = "wrong_content_type",
                     .body = [] { return std::string("hello"); },
                     .content_type = "text/plain",
                     .status = 415,
                     .message_part = "unsupported Content-Type 'text/plain'",
                     .refused_reason = "unsupported_media_type"},
        BadHttpInput{.name = "unknown_content_encoding",
                     .body = [] { return otlp::SerializeExportRequest(MakeBatch(1)); },
                     .content_encoding = "br",
                     .status = 415,
                     .message_part = "unsupported Content-Encoding 'br'",
                     .refused_reason = "unsupported_media_type"},
        BadHttpInput{.name = "oversize_body",
                     .body = [] { return std::string(3 << 20, 'x'); },
                     .status = 413,
                     .message_part = "exceeds the limit of 2097152 bytes",
                     .refused_reason = "too_large"},
        BadHttpInput{.name = "gzip_bomb",
                     .body = [] { return testing::GibibyteGzipBomb(); },
                     .content_encoding = "gzip",
                     .status = 413,
                     .message_part = "decompresses to more than the limit of 8388608 bytes",
                     .refused_reason = "too_large"},
        BadHttpInput{.name = "corrupt_gzip",
                     .body = [] { return GzipCompress(otlp::SerializeExportRequest(MakeBatch(1))).substr(0, 20); },
                     .content_encoding = "gzip",
                     .message_part = "invalid gzip body"},
        BadHttpInput{.name = "too_many_spans",
                     .body = [] { return otlp::SerializeExportRequest(MakeBatch(101)); },
                     .status = 413,
                     .message_part = "101 spans, more than the limit of 100",
                     .refused_reason = ""},
        BadHttpInput{.name = "wrong_method",
                     .body = [] { return std::string(); },
                     .method = "GET",
                     .status = 405,
                     .message_part = "method GET not allowed",
                     .refused_reason = "method_not_allowed"},
        BadHttpInput{.name = "wrong_path",
                     .body = [] { return std::string(); },
                     .target = "/v1/metrics",
                     .status = 404,
                     .message_part = "no route for /v1/metrics",
                     .refused_reason = "not_found"},
        BadHttpInput{.name = "short_trace_id_protobuf",
                     .body = ProtobufWithShortTraceId,
                     .status = 200,
                     .message_part = "1 span(s) refused",
                     .refused_reason = "",
                     .rejected_spans = 1},
        BadHttpInput{.name = "zero_trace_id_json",
                     .body = JsonWithZeroTraceId,
                     .content_type = kJson,
                     .status = 200,
                     .message_part = "1 span(s) refused",
                     .refused_reason = "",
                     .rejected_spans = 1}),
    [](const ::testing::TestParamInfo<BadHttpInput>& param_info) { return std::string(param_info.param.name); });

otlp::ExportRequest RequestOf(const model::TraceBatch& batch) {
  otlp::ExportRequest request;
  otlp::ToProto(batch, &request);
  return request;
}

class GrpcBadInputTest : public testing::ReceiverFixture {
 protected:
  void SetUp() override {
    ReceiverFixture::SetUp();
    ExportResponse response;
    ASSERT_TRUE(CallGrpc(RequestOf(MakeBatch(3)), &response).ok());
  }
  void TearDown() override {
    ExportResponse response;
    const grpc::Status status = CallGrpc(RequestOf(MakeBatch(1, 100)), &response, /*gzip=*/true);
    EXPECT_TRUE(status.ok()) << "the receiver stopped answering: " << status.error_message();
    const std::vector<model::TraceBatch> batches = sink_.batches();
    ASSERT_GE(batches.size(), 2u);
    EXPECT_EQ(batches.front(), MakeBatch(3));
    EXPECT_EQ(batches.back(), MakeBatch(1, 100));
  }
  // A request of one span with a `size`-byte attribute value.
  static otlp::ExportRequest RequestWithValueOf(std::size_t size) {
    otlp::ExportRequest request = RequestOf(MakeBatch(1, 50));
    auto* attribute = request.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->add_attributes();
    attribute->set_key("blob");
    attribute->mutable_value()->set_string_value(std::string(size, '\0'));
    return request;
  }
};

TEST_F(GrpcBadInputTest, MalformedAndTruncatedRequestsAreInvalidArgument) {
  const std::string whole = otlp::SerializeExportRequest(MakeBatch(5));
  for (const std::string& bytes : {std::string("\xff\xff\xff\xff garbage", 12), whole.substr(0, whole.size() - 7)}) {
    const grpc::Status status = CallGrpcRaw(bytes);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
    EXPECT_NE(status.error_message().find("malformed"), std::string::npos) << status.error_message();
  }
  EXPECT_EQ(Metric("hoptrace_receiver_requests_refused_total", R"(protocol="otlp_grpc",reason="malformed")"), 2);
  EXPECT_EQ(Metric("hoptrace_receiver_requests_total", R"(protocol="otlp_grpc",code="INVALID_ARGUMENT")"), 2);
}

TEST_F(GrpcBadInputTest, InvalidTraceIdsComeBackAsPartialSuccess) {
  otlp::ExportRequest request = RequestOf(MakeBatch(3, 10));
  auto* spans = request.mutable_resource_spans(0)->mutable_scope_spans(0);
  spans->mutable_spans(0)->set_trace_id(std::string(8, '\x01'));
  spans->mutable_spans(2)->set_trace_id(std::string(16, '\0'));
  ExportResponse response;
  ASSERT_TRUE(CallGrpc(request, &response).ok());
  EXPECT_EQ(response.partial_success().rejected_spans(), 2);
  EXPECT_NE(response.partial_success().error_message().find("2 span(s) refused"), std::string::npos);
  EXPECT_EQ(sink_.span_count(), 4u);
  EXPECT_EQ(Metric("hoptrace_spans_refused_total", R"(protocol="otlp_grpc",reason="invalid_span")"), 2);
}

TEST_F(GrpcBadInputTest, TooManySpansIsInvalidArgument) {
  ExportResponse response;
  const grpc::Status status = CallGrpc(RequestOf(MakeBatch(101)), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("more than the limit of 100"), std::string::npos) << status.error_message();
  EXPECT_EQ(Metric("hoptrace_spans_refused_total", R"(protocol="otlp_grpc",reason="too_many_spans")"), 101);
}

TEST_F(GrpcBadInputTest, MessageOverTheLimitIsRefusedPlainOrGzipped) {
  ExportResponse response;
  const otlp::ExportRequest large = RequestWithValueOf(9 << 20);  // over the 8 MiB decompressed limit
  EXPECT_EQ(CallGrpc(large, &response).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  // 64 MiB of zeros gzip to about 64 KiB on the wire: the decompressed size is what counts.
  const otlp::ExportRequest bomb = RequestWithValueOf(64 << 20);
  const grpc::Status status = CallGrpc(bomb, &response, /*gzip=*/true);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
}

class OverloadTest : public testing::ReceiverFixture {
 protected:
  std::optional<ClientResponse> PostOtlp() {
    TestConnection connection(otlp_http_->port());
    return connection.Send("POST", "/v1/traces", otlp::SerializeExportRequest(MakeBatch(2)),
                           {{"Content-Type", std::string(kProtobuf)}});
  }
  std::optional<ClientResponse> PostZipkin() {
    TestConnection connection(zipkin_->port());
    return connection.Send("POST", "/api/v2/spans", testing::ZipkinSamplePayload(),
                           {{"Content-Type", std::string(kJson)}});
  }
  void ExpectRetryLater(store::Status::Code sink_code, unsigned http_status, grpc::StatusCode grpc_code) {
    sink_.AnswerWith(store::Status::Error(sink_code, "busy compacting"));
    for (const auto& response : {PostOtlp(), PostZipkin()}) {
      ASSERT_TRUE(response);
      EXPECT_EQ(response->status, http_status);
      EXPECT_EQ(response->Header("Retry-After"), "7");
      EXPECT_NE(response->body.find("busy compacting"), std::string::npos) << response->body;
    }
    ExportResponse grpc_response;
    const grpc::Status status = CallGrpc(RequestOf(MakeBatch(2)), &grpc_response);
    EXPECT_EQ(status.error_code(), grpc_code);
    EXPECT_NE(status.error_message().find("busy compacting"), std::string::npos);
    EXPECT_NE(status.error_details().find("google.rpc.RetryInfo"), std::string::npos) << "no retry hint";
    EXPECT_EQ(sink_.span_count(), 0u);

    sink_.AnswerWith(store::Status::Ok());  // recovered: the same requests now go through
    const auto accepted = PostOtlp();
    ASSERT_TRUE(accepted);
    EXPECT_EQ(accepted->status, 200u);
    EXPECT_EQ(sink_.span_count(), 2u);
  }
};

TEST_F(OverloadTest, ExhaustedSinkIs429AndResourceExhausted) {
  ExpectRetryLater(store::Status::Code::kResourceExhausted, 429, grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(Metric("hoptrace_spans_refused_total", R"(protocol="otlp_http",reason="sink_overloaded")"), 2);
}

TEST_F(OverloadTest, UnavailableSinkIs503AndUnavailable) {
  ExpectRetryLater(store::Status::Code::kUnavailable, 503, grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Metric("hoptrace_spans_refused_total", R"(protocol="otlp_grpc",reason="sink_unavailable")"), 2);
  EXPECT_EQ(Metric("hoptrace_spans_refused_total", R"(protocol="zipkin",reason="sink_unavailable")"), 4);
  EXPECT_EQ(Metric("hoptrace_receiver_requests_total", R"(protocol="otlp_http",code="503")"), 1);
}

TEST_F(OverloadTest, FailingDiskIs503AndUnavailable) {
  ExpectRetryLater(store::Status::Code::kIoError, 503, grpc::StatusCode::UNAVAILABLE);
}

// grpc takes every call a client opens; the receiver answers those beyond max_queued_requests at once
// instead of queueing them behind a slow sink.
TEST_F(OverloadTest, GrpcCallsBeyondTheQueueBoundAreResourceExhaustedAtOnce) {
  const std::size_t bound = options_.max_queued_requests;
  sink_.Hold();  // every call taken stays in progress
  std::vector<std::future<grpc::Status>> calls;
  for (std::size_t i = 0; i <= bound; ++i) {
    calls.push_back(std::async(std::launch::async, [this, i] {
      ExportResponse response;
      return CallGrpc(RequestOf(MakeBatch(2, 10 * i + 1)), &response);
    }));
  }
  // While the sink holds the others, exactly one call is answered: the one over the bound.
  std::optional<std::size_t> answered;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!answered && std::chrono::steady_clock::now() < deadline) {
    for (std::size_t i = 0; i < calls.size() && !answered; ++i) {
      if (calls[i].wait_for(std::chrono::milliseconds(10)) == std::future_status::ready) answered = i;
    }
  }
  const bool others_were_waiting = std::none_of(calls.begin(), calls.end(), [&](auto& call) {
    return &call != &calls[answered.value_or(0)] && call.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
  });
  sink_.Release();
  ASSERT_TRUE(answered) << "no call was refused within 30 s";
  EXPECT_TRUE(others_were_waiting);
  const grpc::Status refused = calls[*answered].get();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << refused.error_message();
  EXPECT_NE(refused.error_details().find("google.rpc.RetryInfo"), std::string::npos) << "no retry hint";
  for (std::size_t i = 0; i < calls.size(); ++i) {
    if (i == *answered) continue;
    EXPECT_TRUE(calls[i].get().ok()) << "call " << i;
  }
  EXPECT_EQ(sink_.span_count(), 2 * bound);
  EXPECT_EQ(Metric("hoptrace_receiver_requests_refused_total", R"(protocol="otlp_grpc",reason="queue_full")"), 1);
  EXPECT_EQ(Metric("hoptrace_receiver_requests_total", R"(protocol="otlp_grpc",code="RESOURCE_EXHAUSTED")"), 1);

  ExportResponse response;  // the answered calls left the queue
  EXPECT_TRUE(CallGrpc(RequestOf(MakeBatch(2, 1000)), &response).ok());
}

// max_queued_requests 0 is no bound, as 0 is for hoptrace's other limits and for a gRPC server's
// max_concurrent_streams: every call is taken, however many are in progress.
class UnboundedGrpcQueueTest : public testing::ReceiverFixture {
 protected:
  static constexpr std::size_t kCalls = 8;  // over TestReceiverOptions' bound of 3
  void SetUp() override {
    ReceiverOptions options = testing::TestReceiverOptions();
    options.max_queued_requests = 0;
    options.worker_threads = kCalls;  // every call taken waits inside the held sink, where it is counted
    StartReceivers(options);
  }
};

TEST_F(UnboundedGrpcQueueTest, ZeroTakesEveryCall) {
  sink_.Hold();
  std::vector<std::future<grpc::Status>> calls;
  for (std::size_t i = 0; i < kCalls; ++i) {
    calls.push_back(std::async(std::launch::async, [this, i] {
      ExportResponse response;
      return CallGrpc(RequestOf(MakeBatch(2, 10 * i + 1)), &response);
    }));
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (sink_.held_calls() < kCalls && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const std::size_t in_progress = sink_.held_calls();
  sink_.Release();
  EXPECT_EQ(in_progress, kCalls) << "calls in progress at once";
  for (auto& call : calls) {
    const grpc::Status status = call.get();
    EXPECT_TRUE(status.ok()) << status.error_message();
  }
  EXPECT_EQ(sink_.span_count(), 2 * kCalls);
  EXPECT_EQ(Metric("hoptrace_receiver_requests_refused_total", R"(protocol="otlp_grpc",reason="queue_full")"),
            0);
}

}  // namespace
}  // namespace hoptrace::collector
