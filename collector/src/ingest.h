#pragma once
// What every receiver does with a request's body, whatever its protocol: scan or decode it, enforce
// the limits, hand the spans to the sink, count, and say what the answer is in protocol-neutral terms.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "hoptrace/collector/receiver_options.h"
#include "hoptrace/collector/span_sink.h"
#include "hoptrace/otlp/proto_convert.h"  // DecodeReport
#include "hoptrace/otlp/wire.h"
#include "receiver_metrics.h"

namespace hoptrace::collector::internal {

// The answer a request gets, mapped to HTTP statuses and gRPC codes by the receivers.
enum class OutcomeCode {
  kOk,
  kInvalidArgument,       // 400 / INVALID_ARGUMENT
  kPayloadTooLarge,       // 413 / INVALID_ARGUMENT (resending the same request cannot succeed)
  kUnsupportedMediaType,  // 415 / (not reachable over gRPC)
  kResourceExhausted,     // 429 / RESOURCE_EXHAUSTED, with a retry hint
  kUnavailable,           // 503 / UNAVAILABLE, with a retry hint
  kInternal,              // 500 / INTERNAL
};

struct Outcome {
  OutcomeCode code = OutcomeCode::kOk;
  std::string message;  // for errors; for kOk with rejected spans, the partial-success message
  std::size_t rejected_spans = 0;

  static Outcome Error(OutcomeCode code, std::string message) { return {code, std::move(message), 0}; }
  bool ok() const { return code == OutcomeCode::kOk; }
  bool retryable() const { return code == OutcomeCode::kResourceExhausted || code == OutcomeCode::kUnavailable; }
};

unsigned HttpStatusOf(OutcomeCode code);
// The google.rpc.Code number (the gRPC status code) for `code`.
int RpcCodeOf(OutcomeCode code);
// A metrics label for a request refused as a whole ("malformed", "body_too_large", ...).
const char* RefusalReason(OutcomeCode code);

// Truncates attribute values and drops attributes over the limits, on spans, their events and links,
// and resources. Returns {dropped attributes, truncated values}.
struct LimitEffects {
  std::size_t dropped_attributes = 0;
  std::size_t truncated_values = 0;
};
LimitEffects ApplyAttributeLimits(model::TraceBatch& batch, const ReceiverLimits& limits);

// The receivers' path into the sink. OTLP protobuf is scanned in place (otlp::wire::Scan) and handed
// on as it arrived; only a request with invalid spans or attributes over the limits is decoded into
// the model, trimmed and serialized again (the rare, slow path), so answers, messages and counters are
// those of the model conversions. Other encodings arrive here already decoded.
class Ingestor {
 public:
  Ingestor(SpanSink& sink, ReceiverMetrics& metrics, const ReceiverLimits& limits);

  // A serialized ExportTraceServiceRequest, decompressed.
  Outcome IngestProtobuf(std::string_view request);
  // `batch` holds the valid spans; `report` says how many were skipped as invalid while decoding.
  Outcome IngestModel(model::TraceBatch& batch, const otlp::DecodeReport& report);
  // A request refused whole before its spans were looked at: counted, and the error to answer.
  Outcome Refuse(OutcomeCode code, std::string message);

 private:
  // Counts the spans received and refused as invalid; an error when the request holds too many.
  std::optional<Outcome> Admit(std::size_t valid, const otlp::DecodeReport& report);
  Outcome Deliver(const OtlpSpans& spans, Outcome outcome);

  SpanSink& sink_;
  ReceiverMetrics& metrics_;
  const ReceiverLimits& limits_;
  const otlp::wire::ScanLimits scan_limits_;
};

}  // namespace hoptrace::collector::internal
