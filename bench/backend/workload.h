#pragma once
// The spans the backend benchmarks send: store/testing's realistic generator (call trees 4-6 deep,
// 8-15 attributes of mixed types), 3-10 services, cut into exporter-sized batches and serialized as
// OTLP protobuf. Spans come chunk by chunk (whole traces per chunk, each chunk its own seed), so any
// number of spans can be produced in bounded memory. Each batch carries a sample of the trace IDs it
// starts, which a sender keeps once the batch is acknowledged: lookups ask only for stored traces.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "hoptrace/model/span.h"
#include "span_generator.h"

namespace hoptrace::bench {

struct WorkloadOptions {
  std::uint64_t seed = 1;
  std::size_t batch_spans = 512;
  std::size_t chunk_spans = 32'768;          // spans generated at a time
  std::uint64_t start_unix_nano = 0;         // traces start in [start, start + spread)
  std::uint64_t spread_nanos = 3'600'000'000'000ULL;
  std::size_t trace_id_sample_every = 50;    // keep every Nth trace ID
};

struct SerializedBatch {
  std::string bytes;  // ExportTraceServiceRequest
  std::uint32_t spans = 0;
  std::vector<model::TraceId> sampled_trace_ids;
};

class SpanSource {
 public:
  explicit SpanSource(const WorkloadOptions& options);

  // The next batch_spans spans in generation order (a trace may continue in the next batch, as it
  // does with an SDK's batch processor). Appends the sampled IDs of the traces it starts.
  model::TraceBatch NextBatch(std::vector<model::TraceId>* sampled_trace_ids);
  SerializedBatch NextSerialized();

 private:
  void GenerateChunk();

  WorkloadOptions options_;
  std::uint64_t chunk_index_ = 0;
  store::testing::GeneratedSpans chunk_;
  std::size_t position_ = 0;
  std::size_t traces_seen_ = 0;
};

// `spans` spans (rounded up to whole batches), serialized before any clock starts.
std::vector<SerializedBatch> PrepareBatches(SpanSource& source, std::size_t spans);

// Hands batches to sender threads: a prepared list, or a bounded queue a producer thread fills.
class BatchFeed {
 public:
  virtual ~BatchFeed() = default;
  // Null when there is nothing more to send.
  virtual std::shared_ptr<const SerializedBatch> Next() = 0;
};

class PreparedFeed final : public BatchFeed {
 public:
  explicit PreparedFeed(const std::vector<SerializedBatch>& batches) : batches_(batches) {}
  std::shared_ptr<const SerializedBatch> Next() override;

 private:
  const std::vector<SerializedBatch>& batches_;
  std::atomic<std::size_t> next_{0};
};

// Generates and serializes on its own thread while the senders send; at most `depth` batches wait.
class GeneratingFeed final : public BatchFeed {
 public:
  GeneratingFeed(SpanSource& source, std::size_t spans, std::size_t depth = 64);
  ~GeneratingFeed() override;
  std::shared_ptr<const SerializedBatch> Next() override;
  void Cancel();  // the producer stops; Next hands out what is queued, then null

 private:
  void Produce(SpanSource& source, std::size_t spans);

  const std::size_t depth_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::shared_ptr<const SerializedBatch>> queue_;
  bool finished_ = false;
  bool cancelled_ = false;
  std::thread producer_;
};

}  // namespace hoptrace::bench
