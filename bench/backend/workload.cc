#include "workload.h"

#include <algorithm>

#include "hoptrace/otlp/proto_convert.h"

namespace hoptrace::bench {

SpanSource::SpanSource(const WorkloadOptions& options) : options_(options) {}

void SpanSource::GenerateChunk() {
  // 3..10 services, varying chunk by chunk; "frontend", "api-gateway" and "checkout" are in every one.
  const std::size_t services = 3 + chunk_index_ % 8;
  // The generator's state advances by a constant per draw, so seeds that differ by less than the draws
  // of a chunk give the same numbers shifted (near-copies that compress unrealistically well): space
  // the seeds 2^32 draws apart.
  const std::uint64_t seed = ((options_.seed << 20) + chunk_index_ + 1) << 32;
  chunk_ = store::testing::GenerateSpans(options_.chunk_spans, {.seed = seed,
                                                                .services = services,
                                                                .start_unix_nano = options_.start_unix_nano,
                                                                .spread_nanos = options_.spread_nanos});
  ++chunk_index_;
  position_ = 0;
}

model::TraceBatch SpanSource::NextBatch(std::vector<model::TraceId>* sampled_trace_ids) {
  if (position_ >= chunk_.spans.size()) GenerateChunk();
  // A batch does not straddle two chunks: the last one of a chunk may be a little short.
  const std::size_t end = std::min(chunk_.spans.size(), position_ + options_.batch_spans);
  for (std::size_t index = position_; index < end; ++index) {
    const model::TraceId& id = chunk_.spans[index].span.trace_id;
    const bool starts_trace = index == 0 || chunk_.spans[index - 1].span.trace_id != id;  // traces are contiguous
    if (starts_trace && traces_seen_++ % options_.trace_id_sample_every == 0) sampled_trace_ids->push_back(id);
  }
  model::TraceBatch batch = chunk_.ToBatch(position_, end - position_);
  position_ = end;
  return batch;
}

SerializedBatch SpanSource::NextSerialized() {
  SerializedBatch serialized;
  const model::TraceBatch batch = NextBatch(&serialized.sampled_trace_ids);
  serialized.bytes = otlp::SerializeExportRequest(batch);
  serialized.spans = static_cast<std::uint32_t>(batch.SpanCount());
  return serialized;
}

std::vector<SerializedBatch> PrepareBatches(SpanSource& source, std::size_t spans) {
  std::vector<SerializedBatch> batches;
  for (std::size_t prepared = 0; prepared < spans;) {
    batches.push_back(source.NextSerialized());
    prepared += batches.back().spans;
  }
  return batches;
}

std::shared_ptr<const SerializedBatch> PreparedFeed::Next() {
  const std::size_t index = next_.fetch_add(1);
  if (index >= batches_.size()) return nullptr;
  // Aliasing constructor with no owner: the list outlives the senders, nothing is allocated.
  return std::shared_ptr<const SerializedBatch>(std::shared_ptr<void>(), &batches_[index]);
}

GeneratingFeed::GeneratingFeed(SpanSource& source, std::size_t spans, std::size_t depth)
    : depth_(depth), producer_([this, &source, spans] { Produce(source, spans); }) {}

GeneratingFeed::~GeneratingFeed() {
  Cancel();
  producer_.join();
}

void GeneratingFeed::Cancel() {
  std::lock_guard lock(mutex_);
  cancelled_ = true;
  changed_.notify_all();
}

void GeneratingFeed::Produce(SpanSource& source, std::size_t spans) {
  for (std::size_t produced = 0; produced < spans;) {
    auto batch = std::make_shared<const SerializedBatch>(source.NextSerialized());
    produced += batch->spans;
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return cancelled_ || queue_.size() < depth_; });
    if (cancelled_) break;
    queue_.push_back(std::move(batch));
    changed_.notify_all();
  }
  std::lock_guard lock(mutex_);
  finished_ = true;
  changed_.notify_all();
}

std::shared_ptr<const SerializedBatch> GeneratingFeed::Next() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return !queue_.empty() || finished_ || cancelled_; });
  if (queue_.empty()) return nullptr;
  auto batch = std::move(queue_.front());
  queue_.pop_front();
  changed_.notify_all();
  return batch;
}

}  // namespace hoptrace::bench
