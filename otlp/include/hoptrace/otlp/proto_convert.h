#pragma once
// Conversion between hoptrace's model and OTLP protobuf messages (opentelemetry.proto.*.v1).

#include <cstddef>
#include <string>

#include "hoptrace/model/span.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace hoptrace::otlp {

namespace pb = ::opentelemetry::proto;
using ExportRequest = pb::collector::trace::v1::ExportTraceServiceRequest;
using ExportResponse = pb::collector::trace::v1::ExportTraceServiceResponse;

// What a decode refused: spans are skipped one by one (e.g. a trace ID that is not 16 bytes or is
// all zero), the rest of the request is kept. `first_error` names the first problem in plain words.
struct DecodeReport {
  std::size_t accepted_spans = 0;
  std::size_t rejected_spans = 0;
  std::string first_error;
  bool ok() const { return rejected_spans == 0; }
};

// model → protobuf.
void ToProto(const model::TraceBatch& batch, ExportRequest* out);
void ToProto(const model::Span& span, pb::trace::v1::Span* out);
void ToProto(const model::Resource& resource, pb::resource::v1::Resource* out);
void ToProto(const model::InstrumentationScope& scope, pb::common::v1::InstrumentationScope* out);
void ToProto(const model::Attributes& attributes,
             ::google::protobuf::RepeatedPtrField<pb::common::v1::KeyValue>* out);

// protobuf → model. Appends to `out`. AnyValue kinds the model has no type for become text (the
// JSON reader does the same): bytes → base64, kvlist → JSON object text such as {"a":1}, arrays of
// mixed types → string arrays. Invalid span IDs skip the span (counted in the report).
DecodeReport FromProto(const ExportRequest& request, model::TraceBatch* out);

// Parses serialized ExportTraceServiceRequest bytes. Returns false (with `error`) when the bytes
// are not a valid protobuf message; per-span problems are reported in `report`.
bool ParseExportRequest(std::string_view bytes, model::TraceBatch* out, DecodeReport* report,
                        std::string* error);
std::string SerializeExportRequest(const model::TraceBatch& batch);

}  // namespace hoptrace::otlp
