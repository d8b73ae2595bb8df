#pragma once
// What a policy sees of a buffered trace: a summary kept up to date as spans arrive (enough for most
// policies), and the spans' encoded bytes for the attribute policies.

#include <cstdint>
#include <string_view>

#include "function_ref.h"
#include "hoptrace/model/ids.h"
#include "hoptrace/model/span.h"

namespace hoptrace::collector::sampling {

struct TraceSummary {
  std::uint64_t first_arrival = 0;  // sampler clock
  std::uint64_t last_arrival = 0;
  std::uint64_t earliest_start = UINT64_MAX;  // span times (unix nanos)
  std::uint64_t latest_end = 0;
  std::uint32_t span_count = 0;
  std::uint32_t trace_state_matches = 0;  // bit i: some span's trace_state matched trace_state policy i
  std::uint8_t status_codes = 0;          // bit (1 << StatusCode) for each code seen
  bool root_seen = false;                 // OTLP carries ended spans only: a root seen is a root ended

  void Add(std::uint64_t start, std::uint64_t end, model::StatusCode status, bool root, std::uint64_t now,
           std::uint32_t trace_state_bits) {
    if (span_count == 0) first_arrival = now;
    last_arrival = now;
    if (start < earliest_start) earliest_start = start;
    if (end > latest_end) latest_end = end;
    ++span_count;
    trace_state_matches |= trace_state_bits;
    status_codes |= static_cast<std::uint8_t>(1u << static_cast<unsigned>(status));
    root_seen |= root;
  }
  bool HasStatus(model::StatusCode code) const { return (status_codes >> static_cast<unsigned>(code)) & 1u; }
  std::uint64_t DurationNanos() const { return latest_end > earliest_start ? latest_end - earliest_start : 0; }
};

// One buffered span: its encoded Span message and the encoded Resource it came under.
struct BufferedSpan {
  std::string_view span;
  std::string_view resource;
  std::uint32_t origin = 0;  // equal for spans under the same resource and scope
};

class TraceView {
 public:
  model::TraceId id;
  const TraceSummary* summary = nullptr;
  std::uint64_t now = 0;  // sampler clock at the decision

  // Calls visit for each span in arrival order until it returns false.
  virtual void ForEachSpan(FunctionRef<bool(const BufferedSpan&)> visit) const = 0;

 protected:
  ~TraceView() = default;
};

}  // namespace hoptrace::collector::sampling
