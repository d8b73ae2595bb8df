#pragma once
// Where receivers hand spans. Spans travel in their OTLP protobuf wire form (the request's bytes and
// their otlp::wire::Scan), so a sink that only routes, samples or stores them never builds model
// objects. A sink returns only once the spans are durable (or refused), so a receiver acknowledges
// nothing it could still lose. StoreSink writes to a store::Store; the tail sampler sits between
// receivers and the store as another SpanSink.

#include "hoptrace/store/store.h"

namespace hoptrace::collector {

// { request bytes, their scan, request_is_exact }: see store::OtlpSpans. The receivers always pass
// exact requests (the limits already applied); the views are valid during Consume only.
using OtlpSpans = store::OtlpSpans;

class SpanSink {
 public:
  virtual ~SpanSink() = default;
  // Thread-safe: receivers call it from many threads. Codes (see store::Status): kInvalidArgument →
  // 400 / INVALID_ARGUMENT, kResourceExhausted → 429 / RESOURCE_EXHAUSTED, kUnavailable and kIoError
  // → 503 / UNAVAILABLE (both with a retry hint), others → 500 / INTERNAL.
  virtual store::Status Consume(const OtlpSpans& spans) = 0;
};

class StoreSink final : public SpanSink {
 public:
  explicit StoreSink(store::Store& store) : store_(store) {}
  store::Status Consume(const OtlpSpans& spans) override { return store_.WriteOtlp(spans); }

 private:
  store::Store& store_;
};

}  // namespace hoptrace::collector
