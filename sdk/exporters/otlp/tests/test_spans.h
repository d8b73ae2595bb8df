#pragma once
// Spans for the exporter tests: recorded through a real TracerProvider (every field the model
// has), or built by hand when a test only needs something to send.

#include <memory>
#include <vector>

#include "hoptrace/model/span.h"
#include "hoptrace/sdk/in_memory_exporter.h"
#include "hoptrace/sdk/span_record.h"
#include "hoptrace/sdk/tracer_provider.h"

namespace hoptrace::sdk::exporters::otlp::testing {

// Ends a remote-parented server span and a client child with typed attributes (scalars and
// arrays), events, links, statuses and a tracestate.
void RecordRichSpans(TracerProvider& provider);

// `count` minimal records (pool = nullptr, so SpanRecordRelease deletes them).
std::vector<SpanRecordPtr> MakeRecords(std::size_t count);

// Every span of the batch with its resource and scope, in order.
std::vector<ExportedSpan> Flatten(const model::TraceBatch& batch);

// Compares what a receiver decoded with what the SDK recorded, span by span and field by field.
void ExpectSameSpans(const std::vector<ExportedSpan>& received, const std::vector<ExportedSpan>& recorded);

}  // namespace hoptrace::sdk::exporters::otlp::testing
