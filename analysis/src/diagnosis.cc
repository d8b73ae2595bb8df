#include "hoptrace/analysis/diagnosis.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "finders.h"
#include "hoptrace/analysis/span_semantics.h"

namespace hoptrace::analysis {
namespace {

// Findings that change how every other one must be read come first, whatever latency they
// explain: a leaked credential (fix now) and broken propagation (the picture is incomplete, the
// real culprit may be in the missing part). Then latency findings; then the rest.
int RankGroup(FindingKind kind) {
  switch (kind) {
    case FindingKind::kSecret:
    case FindingKind::kSplitTrace:
    case FindingKind::kOrphans:
      return 0;
    case FindingKind::kCriticalPath:
    case FindingKind::kGap:
    case FindingKind::kNPlusOne:
    case FindingKind::kSerialCalls:
    case FindingKind::kErrorOrigin:
      return 1;
    default:
      return 2;
  }
}

void Rank(std::vector<Finding>& findings) {
  std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    if (RankGroup(a.kind) != RankGroup(b.kind)) return RankGroup(a.kind) < RankGroup(b.kind);
    if (a.explained_nanos != b.explained_nanos) return a.explained_nanos > b.explained_nanos;
    return a.kind < b.kind;
  });
}

// Per span, the critical-path time of its whole subtree: children add into parents, bottom-up.
std::vector<std::uint64_t> SubtreeCritical(const TraceView& view, const CriticalPath& path) {
  std::vector<std::uint64_t> sums = path.contribution;
  const auto& order = view.preorder();
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    if (const std::size_t parent = view.node(*it).parent; parent != kNone) sums[parent] += sums[*it];
  }
  return sums;
}

// The service on the other side of a call: a child span in another service, else the peer
// attributes (an uninstrumented database or API).
std::string_view CalleeService(const TraceView& view, std::size_t index) {
  const SpanNode& node = view.node(index);
  for (std::size_t child : node.children) {
    if (view.node(child).service != node.service) return view.node(child).service;
  }
  return PeerOf(*node.span);
}

}  // namespace

const char* FindingKindName(FindingKind kind) {
  switch (kind) {
    case FindingKind::kSecret: return "secret";
    case FindingKind::kSplitTrace: return "split_trace";
    case FindingKind::kOrphans: return "orphans";
    case FindingKind::kCriticalPath: return "critical_path";
    case FindingKind::kGap: return "gap";
    case FindingKind::kNPlusOne: return "n_plus_one";
    case FindingKind::kSerialCalls: return "serial_calls";
    case FindingKind::kErrorOrigin: return "error_origin";
    case FindingKind::kAsyncAfterEnd: return "async_after_end";
    case FindingKind::kClockSkew: return "clock_skew";
    case FindingKind::kMissingAttributes: return "missing_attributes";
    case FindingKind::kOversizedAttribute: return "oversized_attribute";
    case FindingKind::kTinySpanFlood: return "tiny_span_flood";
  }
  return "unknown";
}

std::string FormatNanos(std::uint64_t nanos) {
  static constexpr std::pair<double, const char*> kUnits[] = {{1e9, "s"}, {1e6, "ms"}, {1e3, "µs"}};
  const double value = static_cast<double>(nanos);
  char text[32];
  for (const auto& [scale, unit] : kUnits) {
    if (value < scale) continue;
    const double scaled = value / scale;
    std::snprintf(text, sizeof text, scaled < 10 ? "%.1f %s" : "%.0f %s", scaled, unit);
    return text;
  }
  std::snprintf(text, sizeof text, "%llu ns", static_cast<unsigned long long>(nanos));
  return text;
}

std::string DescribeSpan(const TraceView& view, std::size_t index) {
  const SpanNode& node = view.node(index);
  const std::string operation = std::string(node.service) + " " + node.span->name;
  if (node.parent != kNone && view.node(node.parent).service != node.service) {
    return std::string(view.node(node.parent).service) + " → " + operation;
  }
  const model::SpanKind kind = node.span->kind;
  if (kind == model::SpanKind::kClient || kind == model::SpanKind::kProducer) {
    const std::string_view callee = CalleeService(view, index);
    if (!callee.empty() && callee != node.service) {
      return std::string(node.service) + " → " + std::string(callee) + " " + node.span->name;
    }
  }
  return operation;
}

namespace internal {

std::string Context::Percent(std::uint64_t nanos) const {
  const double percent = 100.0 * Share(nanos);
  if (percent > 0 && percent < 1) return "<1 %";
  return std::to_string(static_cast<long long>(std::lround(percent))) + " %";
}

Evidence Context::Cite(std::size_t node, std::uint64_t explained, std::string note) const {
  return {node, view.node(node).Duration(), explained, std::move(note)};
}

std::string DecisiveSuffix(const model::Span& span) {
  const KeyValue decisive = DecisiveAttribute(span);
  return decisive.key.empty() ? std::string() : "; " + std::string(decisive.key) + "=" + decisive.value;
}

}  // namespace internal

Diagnosis Diagnose(const model::TraceBatch& batch, const DiagnoseOptions& options) {
  Diagnosis diagnosis{.view = TraceView::Build(batch)};
  diagnosis.critical_path = ComputeCriticalPath(diagnosis.view);
  const std::uint64_t top_duration = diagnosis.TopDuration();
  const auto min_gap = static_cast<std::uint64_t>(options.gap_list_min_share * static_cast<double>(top_duration));
  diagnosis.self_times = ComputeSelfTimes(diagnosis.view, diagnosis.critical_path, std::max<std::uint64_t>(min_gap, 1));
  diagnosis.subtree_critical = SubtreeCritical(diagnosis.view, diagnosis.critical_path);
  if (diagnosis.view.top() == kNone) return diagnosis;

  internal::Context context{diagnosis.view, diagnosis.critical_path, diagnosis.self_times, options,
                            diagnosis.subtree_critical, top_duration, {}};
  context.calls.reserve(diagnosis.view.size());
  for (const SpanNode& node : diagnosis.view.nodes()) context.calls.push_back(ClassifyCall(*node.span));
  std::vector<Finding>& findings = diagnosis.findings;
  internal::FindBrokenPropagation(context, &diagnosis.candidate_parents, &findings);
  internal::FindLatency(context, &findings);
  internal::FindPatterns(context, &findings);
  internal::FindErrorOrigins(context, &findings);
  internal::FindHygiene(context, &findings);
  for (Finding& finding : findings) {
    finding.share = context.Share(finding.explained_nanos);
    if (finding.evidence.size() > options.max_evidence) finding.evidence.resize(options.max_evidence);
  }
  Rank(findings);
  return diagnosis;
}

}  // namespace hoptrace::analysis
