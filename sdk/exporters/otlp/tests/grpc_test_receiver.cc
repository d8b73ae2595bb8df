#include "grpc_test_receiver.h"

#include <thread>

namespace hoptrace::sdk::exporters::otlp::testing {

std::string ReceivedGrpcRequest::Metadata(const std::string& key) const {
  const auto found = metadata.find(key);
  return found == metadata.end() ? std::string() : found->second;
}

GrpcTestReceiver::GrpcTestReceiver() {
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
  builder.RegisterService(this);
  server_ = builder.BuildAndStart();
}

GrpcTestReceiver::~GrpcTestReceiver() {
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
}

std::string GrpcTestReceiver::Endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

grpc::Status GrpcTestReceiver::Export(
    grpc::ServerContext* context, const ::opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest* request,
    ::opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse* response) {
  ReceivedGrpcRequest received{Clock::now(), *request, {}};
  for (const auto& [key, value] : context->client_metadata()) {
    received.metadata.emplace(std::string(key.data(), key.size()), std::string(value.data(), value.size()));
  }
  const ScriptedGrpcResponse scripted = Record(std::move(received));
  const auto answer_at = Clock::now() + scripted.delay;
  while (Clock::now() < answer_at && !context->IsCancelled()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (scripted.rejected_spans > 0 || !scripted.partial_success_message.empty()) {
    response->mutable_partial_success()->set_rejected_spans(scripted.rejected_spans);
    response->mutable_partial_success()->set_error_message(scripted.partial_success_message);
  }
  return scripted.status;
}

}  // namespace hoptrace::sdk::exporters::otlp::testing
