#pragma once
// OTLP JSON (the OTLP/HTTP JSON encoding): trace and span IDs as hex strings, enums as integers,
// 64-bit integers as decimal strings, lowerCamelCase keys. The reader also accepts what the spec
// allows besides: integer enum or 64-bit values written as JSON numbers or strings, snake_case keys,
// unknown fields (ignored).

#include <string>
#include <string_view>

#include "hoptrace/model/span.h"
#include "hoptrace/otlp/proto_convert.h"  // DecodeReport

namespace hoptrace::otlp {

std::string ToJson(const model::TraceBatch& batch);
void AppendJson(const model::Span& span, std::string* out);

// Parses an ExportTraceServiceRequest in OTLP JSON. Returns false (with `error`, naming the
// problem and where it is) on malformed JSON or a structure that is not OTLP; spans with
// invalid IDs are skipped and counted in `report`.
bool ParseJson(std::string_view json, model::TraceBatch* out, DecodeReport* report, std::string* error);

}  // namespace hoptrace::otlp
