#pragma once
// A real OTLP/gRPC receiver for tests: a gRPC server on 127.0.0.1 (ephemeral port) implementing
// the generated TraceService. Records every request and answers with scripted statuses, then OK.

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "hoptrace/sdk/exporters/otlp/retry.h"  // Clock
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"

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
};

class GrpcTestReceiver final : public ::opentelemetry::proto::collector::trace::v1::TraceService::Service {
 public:
  GrpcTestReceiver();
  ~GrpcTestReceiver() override;

  int port() const { return port_; }
  std::string Endpoint() const;  // http://127.0.0.1:port

  void Respond(ScriptedGrpcResponse response);
  std::vector<ReceivedGrpcRequest> requests() const;
  bool WaitForRequests(std::size_t count, std::chrono::milliseconds timeout) const;

  grpc::Status Export(grpc::ServerContext* context,
                      const ::opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest* request,
                      ::opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse* response) override;

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable received_;
  std::vector<ReceivedGrpcRequest> requests_;  // guarded by mutex_
  std::deque<ScriptedGrpcResponse> responses_;  // guarded by mutex_
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace hoptrace::sdk::exporters::otlp::testing
