#pragma once
// The counters every receiver keeps, labelled by protocol ("otlp_http", "otlp_grpc", "zipkin").

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "hoptrace/metrics/registry.h"

namespace hoptrace::collector::internal {

class ReceiverMetrics {
 public:
  ReceiverMetrics(metrics::Registry& registry, std::string protocol);

  void SpansReceived(std::uint64_t count) { spans_received_.Increment(count); }
  void SpansAccepted(std::uint64_t count) { spans_accepted_.Increment(count); }
  void SpansRefused(std::string_view reason, std::uint64_t count);
  void AttributesDropped(std::uint64_t count) { attributes_dropped_.Increment(count); }
  void ValuesTruncated(std::uint64_t count) { values_truncated_.Increment(count); }

  // A request refused as a whole before its spans were looked at (malformed, too large, ...).
  void RequestRefused(std::string_view reason);
  // Every finished request: `code` is the HTTP status or gRPC code name; `bytes` as received.
  void RequestDone(std::string_view code, std::uint64_t bytes, std::chrono::nanoseconds duration);

 private:
  metrics::Registry& registry_;
  const std::string protocol_;
  metrics::Counter& spans_received_;
  metrics::Counter& spans_accepted_;
  metrics::Counter& attributes_dropped_;
  metrics::Counter& values_truncated_;
  metrics::Counter& bytes_received_;
  metrics::Histogram& duration_;
};

}  // namespace hoptrace::collector::internal
