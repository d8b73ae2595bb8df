#pragma once
// A real OTLP/gRPC receiver for tests: a gRPC server on 127.0.0.1 (ephemeral port) implementing
// the generated TraceService. Records every request and answers with scripted statuses, then OK.

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "hoptrace/sdk/exporters/otlp/retry.h"  // Clock
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "recorded_exchanges.h"

namespace hoptrace::sdk::exporters::otlp::testing {

struct ReceivedGrpcRequest {
  Clock::time_point received_at;
  ::opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest request;
  std::multimap<std::string, std::string> metadata;
  std::string Metadata(const std::string& key) const;  // first value; empty when absent
};

struct ScriptedGrpcResponse {
  grpc::Status status = grpc::Status::OK;
  std::int64_t rejected_spans = 0;  // partial success, with an OK status
  std::string partial_success_message;
  std::chrono::milliseconds delay{0};  // wait this long (or until the client cancels) before answering
};

class GrpcTestReceiver final : public ::opentelemetry::proto::collector::trace::v1::TraceService::Service,
                               public RecordedExchanges<ReceivedGrpcRequest, ScriptedGrpcResponse> {
 public:
  GrpcTestReceiver();
  ~GrpcTestReceiver() override;

  int port() const { return port_; }
  std::string Endpoint() const;  // http://127.0.0.1:port

  // Respond() queues responses; requests beyond the queue get OK.
  grpc::Status Export(grpc::ServerContext* context,
                      const ::opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest* request,
                      ::opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse* response) override;

 private:
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace hoptrace::sdk::exporters::otlp::testing
