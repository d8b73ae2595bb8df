#include "receiver_fixture.h"

#include <grpcpp/generic/generic_stub.h>

#include <future>
#include <sstream>

namespace hoptrace::collector::testing {
namespace {

constexpr auto kCallTimeout = std::chrono::seconds(20);

std::shared_ptr<grpc::Channel> Channel(std::uint16_t port) {
  return grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials());
}

void SetDeadline(grpc::ClientContext& context) {
  context.set_deadline(std::chrono::system_clock::now() + kCallTimeout);
}

}  // namespace

ReceiverOptions TestReceiverOptions() {
  ReceiverOptions options;
  options.port = 0;
  options.worker_threads = 2;
  options.max_queued_requests = 3;
  options.retry_after = std::chrono::seconds(7);
  options.limits.max_body_bytes = 2 << 20;
  options.limits.max_decompressed_bytes = 8 << 20;
  options.limits.max_spans_per_request = 100;
  options.limits.max_attributes_per_span = 16;
  options.limits.max_attribute_value_length = 64;
  return options;
}

void ReceiverFixture::StartReceivers(const ReceiverOptions& options) {
  options_ = options;
  otlp_http_ = MakeOtlpHttpReceiver(sink_, registry_, options);
  otlp_grpc_ = MakeOtlpGrpcReceiver(sink_, registry_, options);
  zipkin_ = MakeZipkinReceiver(sink_, registry_, options);
  for (Receiver* receiver : {otlp_http_.get(), otlp_grpc_.get(), zipkin_.get()}) {
    std::string error;
    ASSERT_TRUE(receiver->Start(&error)) << error;
    ASSERT_NE(receiver->port(), 0) << receiver->protocol();
  }
}

std::string ReceiverFixture::OtlpHttpUrl() const {
  return "http://127.0.0.1:" + std::to_string(otlp_http_->port()) + "/v1/traces";
}

std::string ReceiverFixture::GrpcEndpoint() const { return "http://127.0.0.1:" + std::to_string(otlp_grpc_->port()); }

double ReceiverFixture::Metric(std::string_view name, std::string_view labels) const {
  const std::string prefix = std::string(name) + "{" + std::string(labels) + "} ";
  std::istringstream lines(registry_.Render());
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(prefix, 0) == 0) return std::stod(line.substr(prefix.size()));
  }
  return 0;
}

grpc::Status ReceiverFixture::CallGrpc(const ExportRequest& request, ExportResponse* response, bool gzip) {
  auto stub = ::opentelemetry::proto::collector::trace::v1::TraceService::NewStub(Channel(otlp_grpc_->port()));
  grpc::ClientContext context;
  SetDeadline(context);
  if (gzip) context.set_compression_algorithm(GRPC_COMPRESS_GZIP);
  return stub->Export(&context, request, response);
}

grpc::Status ReceiverFixture::CallGrpcRaw(const std::string& bytes) {
  grpc::GenericStub stub(Channel(otlp_grpc_->port()));
  grpc::ClientContext context;
  SetDeadline(context);
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, "/opentelemetry.proto.collector.trace.v1.TraceService/Export", grpc::StubOptions(),
                 &request, &response, [&done](grpc::Status status) { done.set_value(std::move(status)); });
  return done.get_future().get();
}

}  // namespace hoptrace::collector::testing
