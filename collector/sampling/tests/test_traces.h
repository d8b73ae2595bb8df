#pragma once
// Test inputs built the way receivers get them: model::TraceBatch -> OTLP bytes -> wire::Scan; and a
// downstream that records what the sampler sends.

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "hoptrace/collector/sampling/tail_sampler.h"
#include "hoptrace/model/span.h"
#include "hoptrace/otlp/wire.h"

namespace hoptrace::collector::sampling::testing {

model::TraceId TraceIdOf(std::uint64_t n);
model::SpanId SpanIdOf(std::uint64_t n);

// A span of trace `trace` (root when parent is 0), 1 ms long unless said otherwise, sampled flag set.
model::Span MakeSpan(std::uint64_t trace, std::uint64_t span, std::uint64_t parent, std::uint64_t duration_ms = 1);

// Batches of spans under one resource (service.name plus any extra resource attributes).
class BatchBuilder {
 public:
  explicit BatchBuilder(std::string service = "checkout", model::Attributes resource_attributes = {});
  BatchBuilder& Add(model::Span span);
  model::TraceBatch Build() const;

 private:
  model::TraceBatch batch_;
};

// Serialized bytes and their scan, kept together (the scan points into the bytes).
struct ScannedBatch {
  std::string bytes;
  otlp::wire::ScannedRequest scan;
};
ScannedBatch Scan(const model::TraceBatch& batch);

// Consume() a batch into the sampler; expects Ok.
void Feed(TailSampler& sampler, const model::TraceBatch& batch);

class RecordingSink final : public SpanSink {
 public:
  store::Status Consume(const OtlpSpans& spans) override;
  std::set<model::TraceId> traces() const;
  std::size_t span_count() const;
  std::size_t SpansOf(const model::TraceId& id) const;
  std::size_t requests() const;
  void FailWith(store::Status::Code code) { fail_ = code; }

 private:
  mutable std::mutex mutex_;
  std::map<model::TraceId, std::size_t> spans_by_trace_;
  std::size_t span_count_ = 0;
  std::size_t requests_ = 0;
  store::Status::Code fail_ = store::Status::Code::kOk;
};

}  // namespace hoptrace::collector::sampling::testing
