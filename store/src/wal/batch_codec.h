#pragma once
// The WAL's payload: a TraceBatch in a compact binary encoding (varints, length-prefixed strings,
// raw IDs). Chosen over the OTLP protobuf because store/ may depend on model/ only, and because it
// needs no intermediate message objects: one pass over the model in, one pass out.

#include <string>
#include <string_view>

#include "hoptrace/model/span.h"

namespace hoptrace::store::wal {

// Appends the encoding of `batch` to `out`.
void EncodeBatch(const model::TraceBatch& batch, std::string* out);

// Decodes a payload written by EncodeBatch into `out` (replacing its contents). False when the bytes
// are malformed (truncated, unknown version or value type); `out` is then unspecified.
bool DecodeBatch(std::string_view payload, model::TraceBatch* out);

}  // namespace hoptrace::store::wal
