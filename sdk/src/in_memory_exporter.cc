#include "hoptrace/sdk/in_memory_exporter.h"

namespace hoptrace::sdk {

std::vector<ExportedSpan> InMemorySpanStore::Spans() const {
  std::lock_guard lock(mutex_);
  return spans_;
}

std::size_t InMemorySpanStore::size() const {
  std::lock_guard lock(mutex_);
  return spans_.size();
}

void InMemorySpanStore::Clear() {
  std::lock_guard lock(mutex_);
  spans_.clear();
}

void InMemorySpanStore::Add(const SpanRecord& record) {
  ExportedSpan exported{record.span, record.resource ? *record.resource : model::Resource{},
                        record.scope ? *record.scope : model::InstrumentationScope{}};
  std::lock_guard lock(mutex_);
  spans_.push_back(std::move(exported));
}

ExportResult InMemorySpanExporter::Export(std::span<const SpanRecordPtr> records) {
  if (shut_down_) return ExportResult::kFailure;
  for (const auto& record : records) store_->Add(*record);
  return ExportResult::kSuccess;
}

}  // namespace hoptrace::sdk
