// OTLP/HTTP: POST /v1/traces with an ExportTraceServiceRequest as application/x-protobuf or
// application/json. Success is 200 with an ExportTraceServiceResponse (partial_success when spans were
// refused), errors carry a google.rpc.Status, both in the request's encoding (OTLP/HTTP spec).
#include <google/protobuf/util/json_util.h>

#include <cstdio>

#include "hoptrace/otlp/json_convert.h"
#include "hoptrace/otlp/proto_convert.h"
#include "http_receiver.h"
#include "rpc_status.h"

namespace hoptrace::collector {
namespace {

using internal::Outcome;
using internal::OutcomeCode;

constexpr std::string_view kProtobuf = "application/x-protobuf";
constexpr std::string_view kJson = "application/json";

// A JSON string literal; bytes outside printable ASCII are escaped one by one, so the output is
// valid JSON whatever the message holds.
void AppendJsonString(std::string_view text, std::string* out) {
  out->push_back('"');
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (byte >= 0x20 && byte < 0x7F) {
      out->push_back(c);
    } else {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", byte);
      out->append(escaped);
    }
  }
  out->push_back('"');
}

std::string EncodeRpcStatusJson(int code, std::string_view message) {
  std::string out = "{\"code\":" + std::to_string(code) + ",\"message\":";
  AppendJsonString(message, &out);
  out.push_back('}');
  return out;
}

std::string EncodeExportResponse(const Outcome& outcome, bool json) {
  otlp::ExportResponse response;
  if (outcome.rejected_spans > 0) {
    response.mutable_partial_success()->set_rejected_spans(static_cast<std::int64_t>(outcome.rejected_spans));
    response.mutable_partial_success()->set_error_message(outcome.message);
  }
  if (!json) return response.SerializeAsString();
  std::string text;
  if (!google::protobuf::util::MessageToJsonString(response, &text).ok()) text = "{}";
  return text;
}

Outcome Ingest(std::string_view media_type, std::string_view body, internal::Ingestor& ingestor) {
  if (media_type == kProtobuf) return ingestor.IngestProtobuf(body);
  if (media_type == kJson) {
    model::TraceBatch batch;
    otlp::DecodeReport report;
    std::string error;
    if (!otlp::ParseJson(body, &batch, &report, &error)) {
      return ingestor.Refuse(OutcomeCode::kInvalidArgument, "malformed JSON ExportTraceServiceRequest: " + error);
    }
    return ingestor.IngestModel(batch, report);
  }
  return internal::RefuseMediaType(ingestor, media_type, "application/x-protobuf or application/json");
}

// Answers in the request's encoding; protobuf unless the request was JSON (an unknown type gets JSON,
// which a person reading the error can read).
http::Response Respond(const http::Request& request, unsigned status, const Outcome& outcome) {
  const std::string media_type = internal::MediaType(request.Header("Content-Type"));
  const bool json = media_type != kProtobuf;
  const std::string content_type(json ? kJson : kProtobuf);
  if (outcome.ok()) return http::Response::Make(status, content_type, EncodeExportResponse(outcome, json));
  const int code = internal::RpcCodeOf(outcome.code);
  return http::Response::Make(status, content_type,
                              json ? EncodeRpcStatusJson(code, outcome.message)
                                   : internal::EncodeRpcStatus(code, outcome.message));
}

}  // namespace

std::unique_ptr<Receiver> MakeOtlpHttpReceiver(SpanSink& sink, metrics::Registry& registry, ReceiverOptions options) {
  return internal::MakeHttpReceiver({.name = "otlp_http",
                                     .default_port = kOtlpHttpDefaultPort,
                                     .path = "/v1/traces",
                                     .ingest = Ingest,
                                     .respond = Respond},
                                    sink, registry, std::move(options));
}

}  // namespace hoptrace::collector
