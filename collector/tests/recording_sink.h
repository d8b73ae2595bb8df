#pragma once
// A SpanSink for tests: records every request it is given, decoded into the model, and answers with a status the test sets
// (Ok by default), so overload and failure answers can be provoked on demand.

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <vector>

#include "hoptrace/collector/span_sink.h"

namespace hoptrace::collector::testing {

class RecordingSink final : public SpanSink {
 public:
  store::Status Consume(const OtlpSpans& spans) override;

  // Every later Consume answers `status` (and records nothing unless it is Ok).
  void AnswerWith(store::Status status);
  // Later Consume calls wait until Release (at most a minute, so a failing test does not hang), to
  // keep requests in progress inside a receiver.
  void Hold();
  void Release();
  std::vector<model::TraceBatch> batches() const;
  std::size_t span_count() const;
  std::size_t calls() const;
  std::size_t held_calls() const;  // Consume calls waiting for Release now

 private:
  mutable std::mutex mutex_;
  std::condition_variable released_;
  bool held_ = false;
  store::Status answer_;
  std::vector<model::TraceBatch> batches_;
  std::size_t calls_ = 0;
  std::size_t held_calls_ = 0;
};

}  // namespace hoptrace::collector::testing
