// Zipkin v2: POST /api/v2/spans with a JSON list of spans; 202 Accepted with an empty body on success,
// like Zipkin's own server. Errors are text/plain. A request with any invalid span is refused whole
// (Zipkin does the same), so the sender learns about it.
#include "hoptrace/collector/zipkin_json.h"
#include "http_receiver.h"

namespace hoptrace::collector {
namespace {

using internal::Outcome;
using internal::OutcomeCode;

Outcome Ingest(std::string_view media_type, std::string_view body, internal::Ingestor& ingestor) {
  if (media_type != "application/json") {
    return internal::RefuseMediaType(ingestor, media_type, "Zipkin v2 JSON (application/json)");
  }
  model::TraceBatch batch;
  std::string error;
  if (!ParseZipkinJson(body, &batch, &error)) {
    return ingestor.Refuse(OutcomeCode::kInvalidArgument, "invalid Zipkin v2 JSON: " + error);
  }
  return ingestor.IngestModel(batch, {});
}

http::Response Respond(const http::Request&, unsigned status, const Outcome& outcome) {
  if (outcome.ok()) {
    http::Response accepted;
    accepted.status = 202;
    return accepted;
  }
  return http::Response::Text(status, outcome.message + "\n");
}

}  // namespace

std::unique_ptr<Receiver> MakeZipkinReceiver(SpanSink& sink, metrics::Registry& registry, ReceiverOptions options) {
  return internal::MakeHttpReceiver({.name = "zipkin",
                                     .default_port = kZipkinDefaultPort,
                                     .path = "/api/v2/spans",
                                     .ingest = Ingest,
                                     .respond = Respond},
                                    sink, registry, std::move(options));
}

}  // namespace hoptrace::collector
