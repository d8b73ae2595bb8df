#pragma once
// The analyses behind Diagnose(), one function per family, each appending its findings. Internal.

#include <string>
#include <vector>

#include "hoptrace/analysis/diagnosis.h"
#include "hoptrace/analysis/span_semantics.h"

namespace hoptrace::analysis::internal {

struct Context {
  const TraceView& view;
  const CriticalPath& path;
  const SelfTimes& self_times;
  const DiagnoseOptions& options;
  const std::vector<std::uint64_t>& subtree_critical;  // per span: critical-path time inside its subtree
  std::uint64_t top_duration = 0;
  std::vector<CallClass> calls;  // per span: a DB call, an HTTP call (classified once)

  double Share(std::uint64_t nanos) const {
    return top_duration == 0 ? 0.0 : static_cast<double>(nanos) / static_cast<double>(top_duration);
  }
  // "88 %" of the top span's duration.
  std::string Percent(std::uint64_t nanos) const;
  Evidence Cite(std::size_t node, std::uint64_t explained, std::string note = {}) const;
};

// "; key=value" for the span's decisive attribute, or nothing.
std::string DecisiveSuffix(const model::Span& span);

void FindLatency(const Context& context, std::vector<Finding>* out);       // critical path, gaps, async
void FindPatterns(const Context& context, std::vector<Finding>* out);      // N+1, serial calls, floods
void FindErrorOrigins(const Context& context, std::vector<Finding>* out);
void FindBrokenPropagation(const Context& context, std::vector<CandidateParent>* candidates,
                           std::vector<Finding>* out);  // orphans, split trace
void FindHygiene(const Context& context, std::vector<Finding>* out);       // attributes, secrets, skew

}  // namespace hoptrace::analysis::internal
