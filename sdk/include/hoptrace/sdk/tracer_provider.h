#pragma once
// The SDK's root object: resource, sampler, processors and limits shared by all tracers.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "hoptrace/model/span.h"
#include "hoptrace/sdk/sampler.h"
#include "hoptrace/sdk/span_processor.h"
#include "hoptrace/sdk/tracer.h"

namespace hoptrace::sdk {

// OpenTelemetry's span limits (OTEL_SPAN_*_LIMIT, OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT).
struct SpanLimits {
  std::size_t attribute_count = 128;
  std::size_t attribute_value_length = SIZE_MAX;
  std::size_t event_count = 128;
  std::size_t link_count = 128;
  std::size_t attributes_per_event = 128;
  std::size_t attributes_per_link = 128;
};

struct TracerProviderOptions {
  model::Resource resource;  // service.name etc.; see DefaultResource()
  std::shared_ptr<const Sampler> sampler = ParentBasedSampler(AlwaysOnSampler());
  std::vector<std::unique_ptr<SpanProcessor>> processors;
  SpanLimits limits;
  // Span records made up front and reused. Covers the default BatchSpanProcessor queue (2048) plus a
  // batch in export (512) with room to spare; more in flight than this allocates (and is freed again).
  // Each record is made with buffers for 4 attributes (about 0.8 KiB in all), so spans of that size
  // allocate nothing, even on a record's first use.
  std::size_t record_pool_size = 4096;
};

// telemetry.sdk.* attributes plus service.name (default "unknown_service").
model::Resource DefaultResource(std::string_view service_name = {});

class SpanRecordPool;

class TracerProvider {
 public:
  explicit TracerProvider(TracerProviderOptions options);
  ~TracerProvider();  // shuts down
  TracerProvider(const TracerProvider&) = delete;
  TracerProvider& operator=(const TracerProvider&) = delete;

  // Returns the tracer for this scope, creating it once. The reference lives as long as the provider.
  Tracer& GetTracer(std::string_view name, std::string_view version = {});

  bool ForceFlush(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  void Shutdown(std::chrono::milliseconds timeout = std::chrono::seconds(30));

  const model::Resource& resource() const { return resource_; }
  const SpanLimits& limits() const { return limits_; }
  const Sampler& sampler() const { return *sampler_; }
  bool is_shut_down() const { return shut_down_.load(std::memory_order_relaxed); }

 private:
  friend class Tracer;
  friend class Span;
  SpanRecordPtr AcquireRecord();
  void OnEnd(SpanRecordPtr record);

  model::Resource resource_;
  std::shared_ptr<const Sampler> sampler_;
  SpanLimits limits_;
  std::unique_ptr<SpanRecordPool> pool_;      // declared before processor_: outlives queued records
  std::unique_ptr<SpanProcessor> processor_;  // null when there are none
  std::mutex tracers_mutex_;
  std::vector<std::unique_ptr<Tracer>> tracers_;
  std::atomic<bool> shut_down_{false};
};

}  // namespace hoptrace::sdk
