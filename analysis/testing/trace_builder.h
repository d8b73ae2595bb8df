#pragma once
// Builds fixture traces for the analysis tests and benchmarks: spans by service, times in
// milliseconds from a fixed start, IDs assigned in order (1, 2, ...).

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "hoptrace/model/span.h"

namespace hoptrace::analysis::testing {

inline constexpr std::uint64_t kMs = 1'000'000;
inline constexpr std::uint64_t kTraceStart = 1'700'000'000'000'000'000ULL;

class TraceBuilder {
 public:
  explicit TraceBuilder(std::uint64_t trace_seed = 1);

  // Adds a span of `service` from `start_ms` to `end_ms` after the trace start; parent 0 makes a
  // root. Returns its ID (a parent that is never added makes an orphan).
  std::uint64_t Add(std::string_view service, std::string name, std::uint64_t parent, double start_ms, double end_ms,
                    model::SpanKind kind = model::SpanKind::kInternal);

  TraceBuilder& Attr(std::uint64_t id, std::string key, model::AttributeValue value);
  TraceBuilder& Fail(std::uint64_t id, std::string message = {});
  TraceBuilder& Host(std::string_view service, std::string host);  // resource host.name of a service
  model::Span& span(std::uint64_t id);  // valid until the next Add

  model::TraceBatch Build() const;
  model::TraceId trace_id() const { return trace_id_; }
  static model::SpanId SpanIdOf(std::uint64_t id) { return model::SpanId::FromHighLow(0, id); }

 private:
  struct Entry {
    std::string service;
    model::Span span;
  };
  model::TraceId trace_id_;
  std::vector<Entry> entries_;
  std::map<std::string, std::string, std::less<>> hosts_;
};

// A trace of `span_count` spans (at least 3): a root with `span_count / 50` children, each with
// sequential tiny grandchildren, and one grandchild of service "ledger" ("slow-write", 5 s) that
// holds up the whole trace. Returns that span's ID in `culprit`.
model::TraceBatch LargeTrace(std::size_t span_count, std::uint64_t* culprit);

// For the aggregate view (hotspots): checkout POST /checkout (span attribute region=`region`) →
// inventory GET /stock, then payments POST /pay → fraud-api POST /score. Inventory takes most of a
// typical trace (about 60 of 80 ms); in a `slow` trace fraud-api takes 2 s. Trace ID from `seed`.
model::TraceBatch CheckoutTrace(std::uint64_t seed, bool slow, std::string region = "us-east");

// Moves every span of a fixture trace so that the trace start (kTraceStart) lands on `start_unix_nano`.
void MoveTraceStart(model::TraceBatch& batch, std::uint64_t start_unix_nano);

}  // namespace hoptrace::analysis::testing
