#pragma once
// Writes ended spans to a stream for humans (kText) or for tools (kJsonLines).
//
// kText: one indented block per span — name, kind, ids, service and scope, start, duration,
// status, then attributes, events and links when present.
// kJsonLines: one line per Export call holding a complete OTLP-JSON ExportTraceServiceRequest.
// A whole request (rather than one span object per line) keeps resource and scope next to the
// spans, and is the format the OpenTelemetry Collector's file exporter writes and its
// otlpjsonfile receiver reads, so a captured file can be replayed into a collector as is.

#include <cstdio>
#include <iosfwd>
#include <mutex>
#include <string>

#include "hoptrace/model/span.h"
#include "hoptrace/sdk/span_exporter.h"

namespace hoptrace::sdk::exporters::console {

enum class ConsoleFormat { kText, kJsonLines };

class ConsoleSpanExporter final : public SpanExporter {
 public:
  // The stream or file must outlive the exporter; it is flushed after every Export.
  explicit ConsoleSpanExporter(std::ostream& out, ConsoleFormat format = ConsoleFormat::kText);
  explicit ConsoleSpanExporter(std::FILE* out, ConsoleFormat format = ConsoleFormat::kText);

  ExportResult Export(std::span<const SpanRecordPtr> records) override;
  bool ForceFlush(std::chrono::milliseconds timeout) override;
  void Shutdown(std::chrono::milliseconds timeout) override;

 private:
  void Write(const std::string& text);
  void Flush();

  std::ostream* stream_ = nullptr;  // exactly one of stream_ and file_ is set
  std::FILE* file_ = nullptr;
  const ConsoleFormat format_;
  std::mutex mutex_;  // the stream may be shared with other writers of this exporter
  bool shut_down_ = false;
};

// The kText block for one span (ends with a newline). `resource` and `scope` may be null.
std::string FormatSpanText(const model::Span& span, const model::Resource* resource,
                           const model::InstrumentationScope* scope);

}  // namespace hoptrace::sdk::exporters::console
