#pragma once
// The collector's receivers: OTLP/HTTP (POST /v1/traces, protobuf and JSON), OTLP/gRPC
// (TraceService/Export) and Zipkin v2 JSON (POST /api/v2/spans). Each checks requests against
// ReceiverLimits, hands the spans to a SpanSink in OTLP protobuf form (OTLP protobuf as received;
// JSON and Zipkin re-encoded) and answers only once the sink has (so an acknowledged span is
// durable). Metrics (hoptrace_spans_*_total, hoptrace_receiver_*) go to the
// registry, labelled by protocol: "otlp_http", "otlp_grpc", "zipkin".

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "hoptrace/collector/receiver_options.h"
#include "hoptrace/collector/span_sink.h"
#include "hoptrace/metrics/registry.h"

namespace hoptrace::collector {

inline constexpr std::uint16_t kOtlpGrpcDefaultPort = 4317;
inline constexpr std::uint16_t kOtlpHttpDefaultPort = 4318;
inline constexpr std::uint16_t kZipkinDefaultPort = 9411;

class Receiver {
 public:
  virtual ~Receiver() = default;
  // Binds and starts serving. Returns false (with `error`) when the address cannot be bound. Once.
  virtual bool Start(std::string* error) = 0;
  // Stops accepting, answers requests in flight, returns when done. Idempotent; the destructor stops too.
  virtual void Stop() = 0;
  virtual std::uint16_t port() const = 0;  // the bound port; 0 before Start
  virtual std::string_view protocol() const = 0;
};

// The sink and registry must outlive the receiver.
std::unique_ptr<Receiver> MakeOtlpHttpReceiver(SpanSink& sink, metrics::Registry& registry,
                                               ReceiverOptions options = {});
std::unique_ptr<Receiver> MakeOtlpGrpcReceiver(SpanSink& sink, metrics::Registry& registry,
                                               ReceiverOptions options = {});
std::unique_ptr<Receiver> MakeZipkinReceiver(SpanSink& sink, metrics::Registry& registry,
                                             ReceiverOptions options = {});

}  // namespace hoptrace::collector
