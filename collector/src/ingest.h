#pragma once
// What every receiver does once a request is decoded, whatever its protocol: enforce the limits,
// hand the spans to the sink, count, and say what the answer is in protocol-neutral terms.

#include <cstddef>
#include <string>

#include "hoptrace/collector/receiver_options.h"
#include "hoptrace/collector/span_sink.h"
#include "hoptrace/otlp/proto_convert.h"  // DecodeReport
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

class Ingestor {
 public:
  Ingestor(SpanSink& sink, ReceiverMetrics& metrics, const ReceiverLimits& limits)
      : sink_(sink), metrics_(metrics), limits_(limits) {}

  // `batch` holds the valid spans; `report` says how many were skipped as invalid while decoding.
  Outcome Ingest(model::TraceBatch& batch, const otlp::DecodeReport& report);

 private:
  SpanSink& sink_;
  ReceiverMetrics& metrics_;
  const ReceiverLimits& limits_;
};

}  // namespace hoptrace::collector::internal
