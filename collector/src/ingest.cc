#include "ingest.h"

namespace hoptrace::collector::internal {
namespace {

// Drops attributes past `max_count` (counted in `dropped_count`) and truncates long values.
void LimitAttributes(model::Attributes& attributes, std::uint32_t& dropped_count, const ReceiverLimits& limits,
                     LimitEffects& effects) {
  std::size_t dropped = 0;
  while (attributes.size() > limits.max_attributes_per_span) {
    attributes.pop_back();
    ++dropped;
  }
  dropped_count += static_cast<std::uint32_t>(dropped);
  effects.dropped_attributes += dropped;
  for (model::Attribute& attribute : attributes) {
    if (model::TruncateAttributeValue(attribute.value, limits.max_attribute_value_length)) ++effects.truncated_values;
  }
}

void LimitSpan(model::Span& span, const ReceiverLimits& limits, LimitEffects& effects) {
  LimitAttributes(span.attributes, span.dropped_attributes_count, limits, effects);
  for (model::Event& event : span.events) {
    LimitAttributes(event.attributes, event.dropped_attributes_count, limits, effects);
  }
  for (model::Link& link : span.links) LimitAttributes(link.attributes, link.dropped_attributes_count, limits, effects);
}

OutcomeCode FromSinkStatus(store::Status::Code code) {
  using Code = store::Status::Code;
  switch (code) {
    case Code::kOk:
      return OutcomeCode::kOk;
    case Code::kInvalidArgument:
      return OutcomeCode::kInvalidArgument;
    case Code::kResourceExhausted:
      return OutcomeCode::kResourceExhausted;
    case Code::kUnavailable:
    case Code::kIoError:
      return OutcomeCode::kUnavailable;
    case Code::kCorruption:
    case Code::kNotFound:
      break;
  }
  return OutcomeCode::kInternal;
}

const char* SinkRefusalReason(OutcomeCode code) {
  switch (code) {
    case OutcomeCode::kResourceExhausted:
      return "sink_overloaded";
    case OutcomeCode::kUnavailable:
      return "sink_unavailable";
    case OutcomeCode::kInvalidArgument:
      return "sink_invalid";
    default:
      return "sink_error";
  }
}

}  // namespace

unsigned HttpStatusOf(OutcomeCode code) {
  switch (code) {
    case OutcomeCode::kOk:
      return 200;
    case OutcomeCode::kInvalidArgument:
      return 400;
    case OutcomeCode::kPayloadTooLarge:
      return 413;
    case OutcomeCode::kUnsupportedMediaType:
      return 415;
    case OutcomeCode::kResourceExhausted:
      return 429;
    case OutcomeCode::kUnavailable:
      return 503;
    case OutcomeCode::kInternal:
      break;
  }
  return 500;
}

int RpcCodeOf(OutcomeCode code) {
  constexpr int kInvalidArgument = 3, kResourceExhausted = 8, kInternal = 13, kUnavailable = 14;
  switch (code) {
    case OutcomeCode::kOk:
      return 0;
    case OutcomeCode::kInvalidArgument:
    case OutcomeCode::kPayloadTooLarge:
    case OutcomeCode::kUnsupportedMediaType:
      return kInvalidArgument;
    case OutcomeCode::kResourceExhausted:
      return kResourceExhausted;
    case OutcomeCode::kUnavailable:
      return kUnavailable;
    case OutcomeCode::kInternal:
      break;
  }
  return kInternal;
}

const char* RefusalReason(OutcomeCode code) {
  switch (code) {
    case OutcomeCode::kInvalidArgument:
      return "malformed";
    case OutcomeCode::kPayloadTooLarge:
      return "too_large";
    case OutcomeCode::kUnsupportedMediaType:
      return "unsupported_media_type";
    case OutcomeCode::kResourceExhausted:
      return "overloaded";
    case OutcomeCode::kUnavailable:
      return "unavailable";
    default:
      return "internal";
  }
}

LimitEffects ApplyAttributeLimits(model::TraceBatch& batch, const ReceiverLimits& limits) {
  LimitEffects effects;
  for (model::ResourceSpans& resource_spans : batch.resource_spans) {
    LimitAttributes(resource_spans.resource.attributes, resource_spans.resource.dropped_attributes_count, limits,
                    effects);
    for (model::ScopeSpans& scope_spans : resource_spans.scope_spans) {
      for (model::Span& span : scope_spans.spans) LimitSpan(span, limits, effects);
    }
  }
  return effects;
}

Ingestor::Ingestor(SpanSink& sink, ReceiverMetrics& metrics, const ReceiverLimits& limits)
    : sink_(sink),
      metrics_(metrics),
      limits_(limits),
      scan_limits_{.max_attributes = limits.max_attributes_per_span,
                   .max_attribute_value_length = limits.max_attribute_value_length} {}

Outcome Ingestor::IngestProtobuf(std::string_view request) {
  thread_local otlp::wire::ScannedRequest scan;  // reused: a warm receiver thread allocates nothing here
  otlp::DecodeReport report;
  std::string error;
  const bool scanned = otlp::wire::Scan(request, scan_limits_, &scan, &report, &error);
  if (scanned && report.rejected_spans == 0 && scan.spans_over_limits == 0) {
    if (std::optional<Outcome> refused = Admit(scan.spans.size(), report)) return std::move(*refused);
    return Deliver({.request = request, .scan = scan, .request_is_exact = true}, {});
  }
  // The slow path: the model conversion decides, words the errors and trims the attributes.
  model::TraceBatch batch;
  report = {};
  if (!otlp::ParseExportRequest(request, &batch, &report, &error)) {
    return Refuse(OutcomeCode::kInvalidArgument, "malformed protobuf ExportTraceServiceRequest: " + error);
  }
  return IngestModel(batch, report);
}

Outcome Ingestor::IngestModel(model::TraceBatch& batch, const otlp::DecodeReport& report) {
  const std::size_t valid = batch.SpanCount();
  if (std::optional<Outcome> refused = Admit(valid, report)) return std::move(*refused);
  Outcome outcome;
  if (report.rejected_spans > 0) {
    outcome.rejected_spans = report.rejected_spans;
    outcome.message = std::to_string(report.rejected_spans) + " span(s) refused: " + report.first_error;
  }
  if (valid == 0) return outcome;

  const LimitEffects effects = ApplyAttributeLimits(batch, limits_);
  metrics_.AttributesDropped(effects.dropped_attributes);
  metrics_.ValuesTruncated(effects.truncated_values);

  const std::string request = otlp::SerializeExportRequest(batch);
  otlp::wire::ScannedRequest scan;
  otlp::DecodeReport rescan;
  std::string error;
  if (!otlp::wire::Scan(request, {}, &scan, &rescan, &error) || scan.spans.size() != valid) {
    metrics_.SpansRefused("internal", valid);
    return Outcome::Error(OutcomeCode::kInternal, "spans not stored: the request re-encoded does not scan: " + error);
  }
  return Deliver({.request = request, .scan = scan, .request_is_exact = true}, std::move(outcome));
}

Outcome Ingestor::Refuse(OutcomeCode code, std::string message) {
  metrics_.RequestRefused(RefusalReason(code));
  return Outcome::Error(code, std::move(message));
}

std::optional<Outcome> Ingestor::Admit(std::size_t valid, const otlp::DecodeReport& report) {
  metrics_.SpansReceived(valid + report.rejected_spans);
  metrics_.SpansRefused("invalid_span", report.rejected_spans);
  if (valid + report.rejected_spans <= limits_.max_spans_per_request) return std::nullopt;
  metrics_.SpansRefused("too_many_spans", valid);
  return Outcome::Error(OutcomeCode::kPayloadTooLarge,
                        "request holds " + std::to_string(valid + report.rejected_spans) +
                            " spans, more than the limit of " + std::to_string(limits_.max_spans_per_request));
}

Outcome Ingestor::Deliver(const OtlpSpans& spans, Outcome outcome) {
  const std::size_t valid = spans.scan.spans.size();
  if (valid == 0) return outcome;
  const store::Status status = sink_.Consume(spans);
  if (status.ok()) {
    metrics_.SpansAccepted(valid);
    return outcome;
  }
  const OutcomeCode code = FromSinkStatus(status.code());
  metrics_.SpansRefused(SinkRefusalReason(code), valid);
  return Outcome::Error(code, "spans not stored: " + status.message());
}

}  // namespace hoptrace::collector::internal
