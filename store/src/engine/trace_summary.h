#pragma once
// A trace's search summary computed from its spans, the way the block builder computes the ones it
// stores: the head summarizes its spans with it, and Search recomputes a trace whose spans sit in
// several places (head and blocks) from the assembled trace, so counts are exact.

#include <set>
#include <string>

#include "block/block.h"

namespace hoptrace::store::engine {

// The resource's service.name, "" when absent or not a string.
std::string ServiceOf(const model::Resource& resource);

class SummaryBuilder {
 public:
  explicit SummaryBuilder(const model::TraceId& trace_id);
  void Add(const model::Span& span, const std::string& service);
  void AddMatch(const model::SpanId& span_id) { hit_.summary.matched_spans.push_back(span_id); }
  void Add(const model::TraceBatch& trace);
  std::size_t span_count() const { return hit_.summary.span_count; }
  // Sorted services and matched spans; start and duration cover every span added.
  block::TraceHit Finish() &&;

 private:
  block::TraceHit hit_;
  std::uint64_t end_ = 0;
  std::uint64_t root_start_ = UINT64_MAX;
  std::set<std::string> services_;
};

}  // namespace hoptrace::store::engine
