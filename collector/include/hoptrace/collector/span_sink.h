#pragma once
// Where receivers hand decoded spans. A sink returns only once the spans are durable (or refused),
// so a receiver acknowledges nothing it could still lose. StoreSink writes to a store::Store; tail
// sampling will sit between receivers and the store as another SpanSink.

#include "hoptrace/model/span.h"
#include "hoptrace/store/store.h"

namespace hoptrace::collector {

class SpanSink {
 public:
  virtual ~SpanSink() = default;
  // Takes the spans: the sink may move from `batch`. Thread-safe: receivers call it from many threads.
  // Codes (see store::Status): kInvalidArgument → 400 / INVALID_ARGUMENT, kResourceExhausted → 429 /
  // RESOURCE_EXHAUSTED, kUnavailable and kIoError → 503 / UNAVAILABLE (both with a retry hint), others → 500 / INTERNAL.
  virtual store::Status Consume(model::TraceBatch& batch) = 0;
};

class StoreSink final : public SpanSink {
 public:
  explicit StoreSink(store::Store& store) : store_(store) {}
  store::Status Consume(model::TraceBatch& batch) override { return store_.Write(batch); }

 private:
  store::Store& store_;
};

}  // namespace hoptrace::collector
