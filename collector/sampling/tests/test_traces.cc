#include "test_traces.h"

#include <gtest/gtest.h>

#include "hoptrace/otlp/proto_convert.h"

namespace hoptrace::collector::sampling::testing {

model::TraceId TraceIdOf(std::uint64_t n) { return model::TraceId::FromHighLow(0xABCD000000000000ULL ^ n, n * 0x9E3779B97F4A7C15ULL + 1); }
model::SpanId SpanIdOf(std::uint64_t n) { return model::SpanId::FromHighLow(0, n); }

model::Span MakeSpan(std::uint64_t trace, std::uint64_t span, std::uint64_t parent, std::uint64_t duration_ms) {
  model::Span out;
  out.trace_id = TraceIdOf(trace);
  out.span_id = SpanIdOf(span);
  if (parent != 0) out.parent_span_id = SpanIdOf(parent);
  out.name = "GET /orders/{id}";
  out.kind = parent == 0 ? model::SpanKind::kServer : model::SpanKind::kClient;
  out.flags = model::kTraceFlagSampled;
  out.start_time_unix_nano = 1'700'000'000'000'000'000ULL;
  out.end_time_unix_nano = out.start_time_unix_nano + duration_ms * 1'000'000;
  return out;
}

BatchBuilder::BatchBuilder(std::string service, model::Attributes resource_attributes) {
  auto& resource_spans = batch_.resource_spans.emplace_back();
  resource_spans.resource.attributes = std::move(resource_attributes);
  model::SetAttribute(resource_spans.resource.attributes, model::kServiceNameKey, std::string_view(service));
  resource_spans.scope_spans.emplace_back().scope.name = "test";
}

BatchBuilder& BatchBuilder::Add(model::Span span) {
  batch_.resource_spans[0].scope_spans[0].spans.push_back(std::move(span));
  return *this;
}

model::TraceBatch BatchBuilder::Build() const { return batch_; }

ScannedBatch Scan(const model::TraceBatch& batch) {
  ScannedBatch out;
  out.bytes = otlp::SerializeExportRequest(batch);
  otlp::DecodeReport report;
  std::string error;
  EXPECT_TRUE(otlp::wire::Scan(out.bytes, {}, &out.scan, &report, &error)) << error;
  return out;
}

void Feed(TailSampler& sampler, const model::TraceBatch& batch) {
  const ScannedBatch scanned = Scan(batch);
  const store::Status status = sampler.Consume(OtlpSpans{scanned.bytes, scanned.scan, true});
  EXPECT_TRUE(status.ok()) << status.message();
}

store::Status RecordingSink::Consume(const OtlpSpans& spans) {
  const auto& scan = spans.scan;
  EXPECT_TRUE(spans.request_is_exact);
  // What arrives must be a valid request on its own: scan it again from a copy.
  const std::string copy(spans.request);
  otlp::wire::ScannedRequest rescanned;
  otlp::DecodeReport report;
  std::string error;
  EXPECT_TRUE(otlp::wire::Scan(copy, {}, &rescanned, &report, &error)) << error;
  EXPECT_EQ(rescanned.spans.size(), scan.spans.size());
  std::lock_guard lock(mutex_);
  ++requests_;
  if (fail_ != store::Status::Code::kOk) return store::Status::Error(fail_, "refused by the test");
  for (const auto& span : scan.spans) ++spans_by_trace_[span.trace_id];
  span_count_ += scan.spans.size();
  return store::Status::Ok();
}

std::set<model::TraceId> RecordingSink::traces() const {
  std::lock_guard lock(mutex_);
  std::set<model::TraceId> out;
  for (const auto& [id, count] : spans_by_trace_) out.insert(id);
  return out;
}

std::size_t RecordingSink::span_count() const {
  std::lock_guard lock(mutex_);
  return span_count_;
}

std::size_t RecordingSink::SpansOf(const model::TraceId& id) const {
  std::lock_guard lock(mutex_);
  const auto found = spans_by_trace_.find(id);
  return found == spans_by_trace_.end() ? 0 : found->second;
}

std::size_t RecordingSink::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

}  // namespace hoptrace::collector::sampling::testing
