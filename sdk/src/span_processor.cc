#include "hoptrace/sdk/span_processor.h"

namespace hoptrace::sdk {

SimpleSpanProcessor::SimpleSpanProcessor(std::unique_ptr<SpanExporter> exporter) : exporter_(std::move(exporter)) {}

void SimpleSpanProcessor::OnEnd(SpanRecordPtr record) {
  std::lock_guard lock(mutex_);
  if (shut_down_) return;
  exporter_->Export(std::span<const SpanRecordPtr>(&record, 1));
}

bool SimpleSpanProcessor::ForceFlush(std::chrono::milliseconds timeout) {
  std::lock_guard lock(mutex_);
  return exporter_->ForceFlush(timeout);
}

void SimpleSpanProcessor::Shutdown(std::chrono::milliseconds timeout) {
  std::lock_guard lock(mutex_);
  if (shut_down_) return;
  shut_down_ = true;
  exporter_->Shutdown(timeout);
}

MultiSpanProcessor::MultiSpanProcessor(std::vector<std::unique_ptr<SpanProcessor>> processors)
    : processors_(std::move(processors)) {}

void MultiSpanProcessor::OnStart(SpanRecord& record) {
  for (auto& processor : processors_) processor->OnStart(record);
}

void MultiSpanProcessor::OnEnd(SpanRecordPtr record) {
  if (processors_.empty()) return;
  for (std::size_t i = 0; i + 1 < processors_.size(); ++i) {
    // Each processor owns what it gets, so all but the last get a copy outside the pool.
    processors_[i]->OnEnd(SpanRecordPtr(new SpanRecord{record->span, record->resource, record->scope, nullptr}));
  }
  processors_.back()->OnEnd(std::move(record));
}

bool MultiSpanProcessor::ForceFlush(std::chrono::milliseconds timeout) {
  bool all = true;
  for (auto& processor : processors_) all &= processor->ForceFlush(timeout);
  return all;
}

void MultiSpanProcessor::Shutdown(std::chrono::milliseconds timeout) {
  for (auto& processor : processors_) processor->Shutdown(timeout);
}

}  // namespace hoptrace::sdk
