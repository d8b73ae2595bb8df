#pragma once
// What processors and exporters receive for an ended span: the model span plus where it came from.
// Records are pooled: a SpanRecordPtr returns its record to the pool when it is destroyed, and the
// record's buffers are reused for the next span.

#include <cstddef>
#include <memory>
#include <span>

#include "hoptrace/model/span.h"

namespace hoptrace::sdk {

class SpanRecordPool;

struct SpanRecord {
  model::Span span;
  const model::Resource* resource = nullptr;           // owned by the TracerProvider
  const model::InstrumentationScope* scope = nullptr;  // owned by the Tracer
  SpanRecordPool* pool = nullptr;                      // where the record goes back to; null: delete
  std::size_t pool_stripe = 0;                         // and to which of its stripes
};

struct SpanRecordRelease {
  void operator()(SpanRecord* record) const;
};
using SpanRecordPtr = std::unique_ptr<SpanRecord, SpanRecordRelease>;

// Groups records by resource and scope into the OTLP shape (copies the spans).
model::TraceBatch ToTraceBatch(std::span<const SpanRecordPtr> records);

}  // namespace hoptrace::sdk
