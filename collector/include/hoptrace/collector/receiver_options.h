#pragma once
// Limits and listening options shared by the receivers.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace hoptrace::collector {

struct ReceiverLimits {
  std::size_t max_body_bytes = 8 * 1024 * 1024;           // as received, compressed or not (gRPC: the message)
  std::size_t max_decompressed_bytes = 32 * 1024 * 1024;  // after Content-Encoding: gzip
  std::size_t max_spans_per_request = 50'000;             // more: the whole request is refused
  // Per span, and per event and per link of it (OTel span limits): extra attributes are dropped and
  // counted in dropped_attributes_count.
  std::size_t max_attributes_per_span = 128;
  // Longer string values (and strings in arrays) are cut on a UTF-8 boundary and counted in
  // hoptrace_attribute_values_truncated_total.
  std::size_t max_attribute_value_length = 16 * 1024;
};

struct ReceiverOptions {
  std::string bind_address = "127.0.0.1";
  // nullopt: the protocol's well-known port (4318, 4317, 9411); 0: an ephemeral port.
  std::optional<std::uint16_t> port;
  ReceiverLimits limits;
  int worker_threads = 4;  // threads that decode and wait for the sink
  // OTLP/gRPC: Export calls taken and not yet answered (running or waiting for a worker). grpc takes
  // every call a client opens, so without this bound a flood of senders queues requests (up to
  // max_decompressed_bytes each) without limit; beyond it a call is answered RESOURCE_EXHAUSTED with
  // the retry hint at once. 0: no bound. (OTLP/HTTP is bounded by its server's connections and workers.)
  std::size_t max_queued_requests = 64;
  std::chrono::seconds retry_after{1};  // Retry-After / retry hint when the sink is overloaded
  std::chrono::milliseconds read_timeout{30'000};
  std::chrono::milliseconds idle_timeout{60'000};
};

}  // namespace hoptrace::collector
