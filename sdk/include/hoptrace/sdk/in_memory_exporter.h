#pragma once
// Keeps exported spans in memory, for tests of instrumented code (like OpenTelemetry's
// InMemorySpanExporter). Thread-safe; the handle stays valid after the exporter is handed to a processor.

#include <memory>
#include <mutex>
#include <vector>

#include "hoptrace/sdk/span_exporter.h"

namespace hoptrace::sdk {

struct ExportedSpan {
  model::Span span;
  model::Resource resource;
  model::InstrumentationScope scope;
};

class InMemorySpanStore {
 public:
  std::vector<ExportedSpan> Spans() const;
  std::size_t size() const;
  void Clear();
  void Add(const SpanRecord& record);

 private:
  mutable std::mutex mutex_;
  std::vector<ExportedSpan> spans_;
};

class InMemorySpanExporter final : public SpanExporter {
 public:
  InMemorySpanExporter() : store_(std::make_shared<InMemorySpanStore>()) {}
  // The spans exported so far; keep this handle to read them after moving the exporter away.
  std::shared_ptr<InMemorySpanStore> store() const { return store_; }

  ExportResult Export(std::span<const SpanRecordPtr> records) override;
  void Shutdown(std::chrono::milliseconds) override { shut_down_ = true; }

 private:
  std::shared_ptr<InMemorySpanStore> store_;
  bool shut_down_ = false;
};

}  // namespace hoptrace::sdk
