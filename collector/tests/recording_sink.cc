#include "recording_sink.h"

#include <chrono>

#include "hoptrace/otlp/wire.h"

namespace hoptrace::collector::testing {

store::Status RecordingSink::Consume(const OtlpSpans& spans) {
  model::TraceBatch batch;
  if (!otlp::wire::DecodeSpans(spans.scan, &batch)) {
    return store::Status::Error(store::Status::Code::kInvalidArgument, "a scanned span does not decode");
  }
  std::unique_lock lock(mutex_);
  ++held_calls_;
  released_.wait_for(lock, std::chrono::minutes(1), [this] { return !held_; });
  --held_calls_;
  ++calls_;
  if (answer_.ok()) batches_.push_back(std::move(batch));
  return answer_;
}

void RecordingSink::AnswerWith(store::Status status) {
  std::lock_guard lock(mutex_);
  answer_ = std::move(status);
}

void RecordingSink::Hold() {
  std::lock_guard lock(mutex_);
  held_ = true;
}

void RecordingSink::Release() {
  {
    std::lock_guard lock(mutex_);
    held_ = false;
  }
  released_.notify_all();
}

std::vector<model::TraceBatch> RecordingSink::batches() const {
  std::lock_guard lock(mutex_);
  return batches_;
}

std::size_t RecordingSink::span_count() const {
  std::lock_guard lock(mutex_);
  std::size_t count = 0;
  for (const model::TraceBatch& batch : batches_) count += batch.SpanCount();
  return count;
}

std::size_t RecordingSink::calls() const {
  std::lock_guard lock(mutex_);
  return calls_;
}

std::size_t RecordingSink::held_calls() const {
  std::lock_guard lock(mutex_);
  return held_calls_;
}

}  // namespace hoptrace::collector::testing
