#pragma once
// What a client sent, in the model's terms: the expectation the read-back checks compare against.

#include <string>
#include <string_view>
#include <vector>

#include "hoptrace/model/span.h"
#include "hoptrace/sdk/in_memory_exporter.h"

namespace hoptrace::cli::e2e {

// One span with its resource and scope, as the SDK's in-memory exporter keeps it.
using SentSpan = sdk::ExportedSpan;

struct SentTrace {
  model::TraceId trace_id;
  std::vector<SentSpan> spans;
};

// What cli/tests/interop/send_trace.mjs printed (its header comment describes the format). Returns
// false with `error` when the text is not that.
bool ParseNodeSentTrace(std::string_view json, SentTrace* out, std::string* error);

// The spans of an SDK in-memory exporter, all of one trace.
SentTrace FromExportedSpans(std::vector<sdk::ExportedSpan> spans);

// The sent trace exercises what the interop tests promise to check, so a client that quietly sent
// less cannot pass them: one trace, a SERVER root with CLIENT and INTERNAL descendants, every
// attribute type, events with attributes, a link, an ERROR status with a message, a service name.
void ExpectEveryFeature(const SentTrace& sent);

}  // namespace hoptrace::cli::e2e
