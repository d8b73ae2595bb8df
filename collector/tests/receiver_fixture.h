#pragma once
// The three receivers on 127.0.0.1 ephemeral ports in front of a RecordingSink, with helpers to read
// their metrics and to talk to them as raw clients.

#include <gtest/gtest.h>
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "hoptrace/collector/receiver.h"
#include "hoptrace/metrics/registry.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "recording_sink.h"

namespace hoptrace::collector::testing {

// Small limits, so the limit tests need small payloads.
ReceiverOptions TestReceiverOptions();

class ReceiverFixture : public ::testing::Test {
 protected:
  void SetUp() override { StartReceivers(TestReceiverOptions()); }
  void StartReceivers(const ReceiverOptions& options);

  std::string OtlpHttpUrl() const;  // http://127.0.0.1:port/v1/traces
  std::string GrpcEndpoint() const;  // http://127.0.0.1:port

  // The value of a metric sample as rendered, e.g.
  // Metric("hoptrace_spans_refused_total", R"(protocol="otlp_http",reason="invalid_span")"); 0 when absent.
  double Metric(std::string_view name, std::string_view labels) const;

  using ExportRequest = ::opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
  using ExportResponse = ::opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse;
  // TraceService/Export through the generated stub, gzip-compressed when `gzip`.
  grpc::Status CallGrpc(const ExportRequest& request, ExportResponse* response, bool gzip = false);
  // The same call with `bytes` sent as the serialized request, whatever they hold.
  grpc::Status CallGrpcRaw(const std::string& bytes);

  RecordingSink sink_;
  metrics::Registry registry_;
  ReceiverOptions options_;
  std::unique_ptr<Receiver> otlp_http_;
  std::unique_ptr<Receiver> otlp_grpc_;
  std::unique_ptr<Receiver> zipkin_;
};

}  // namespace hoptrace::collector::testing
