#pragma once
// OTLP senders for the load generator: N concurrent connections (OTLP/HTTP protobuf over keep-alive
// HTTP/1.1, or OTLP/gRPC over one channel per connection) sending pre-serialized batches as fast as
// the server acknowledges them. An overload answer (429/503, RESOURCE_EXHAUSTED/UNAVAILABLE) is
// retried after a pause, as an SDK exporter does; everything is bounded by a deadline.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "workload.h"

namespace hoptrace::bench {

enum class Protocol { kHttpProtobuf, kGrpc };
const char* ProtocolName(Protocol protocol);

struct SendOptions {
  Protocol protocol = Protocol::kHttpProtobuf;
  std::uint16_t port = 0;
  int connections = 8;
  std::chrono::steady_clock::time_point deadline;  // no new batch is taken after it
  int max_retries = 300;                           // per batch, overload answers only (100 ms apart)
  std::uint64_t milestone_spans = 0;               // also time the first this many acknowledged spans
};

struct SendResult {
  std::uint64_t spans_acked = 0;
  std::uint64_t batches_acked = 0;
  std::uint64_t retries = 0;          // overload answers
  std::uint64_t failed_batches = 0;   // refused for good, or the connection failed
  std::string first_error;
  double seconds = 0;                 // first send to last answer
  double milestone_seconds = 0;       // first send to the answer that passed milestone_spans (0: never)
  std::vector<model::TraceId> stored_trace_ids;  // samples of acknowledged batches
};

// Sends until the feed is empty or the deadline has passed.
SendResult Send(BatchFeed& feed, const SendOptions& options);

}  // namespace hoptrace::bench
