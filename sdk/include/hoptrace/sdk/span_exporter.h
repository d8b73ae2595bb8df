#pragma once
// Exporters send ended spans somewhere: an OTLP endpoint, the console, a test's memory.

#include <chrono>
#include <span>
#include <string>

#include "hoptrace/sdk/span_record.h"

namespace hoptrace::sdk {

enum class ExportResult { kSuccess, kFailure };

class SpanExporter {
 public:
  virtual ~SpanExporter() = default;
  // Called from one thread at a time (the processor's). Must not throw.
  virtual ExportResult Export(std::span<const SpanRecordPtr> records) = 0;
  virtual bool ForceFlush(std::chrono::milliseconds /*timeout*/) { return true; }
  // After Shutdown, Export returns kFailure without sending.
  virtual void Shutdown(std::chrono::milliseconds /*timeout*/) {}
};

}  // namespace hoptrace::sdk
