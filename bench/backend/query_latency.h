#pragma once
// Latency of query API requests, one after another on one keep-alive connection (what a user
// clicking through the UI sees, not a throughput figure).

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "hoptrace/http/message.h"

namespace hoptrace::bench {

struct Latency {
  std::size_t requests = 0;
  std::size_t failures = 0;   // not 200, or the check said no
  std::size_t with_hits = 0;  // answers the check counted as non-empty
  double p50_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
  std::string first_error;
};

// GETs `targets` in order (stopping once `budget` is spent). `has_hits` says whether a 200 answer
// found something; an answer that is not 200 is a failure.
Latency MeasureGets(std::uint16_t port, const std::vector<std::string>& targets, std::chrono::seconds budget,
                    const std::function<bool(const http::Response&)>& has_hits);

// Query-string escaping of one parameter value (everything but unreserved characters).
std::string PercentEncode(std::string_view text);

}  // namespace hoptrace::bench
