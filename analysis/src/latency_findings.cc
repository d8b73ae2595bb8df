// The critical path's heaviest spans, the gaps on it, and async work that outlived the top span.

#include <algorithm>

#include "finders.h"

namespace hoptrace::analysis::internal {
namespace {

// "+1.2 s" from the top span's start.
std::string Offset(const Context& context, std::uint64_t time) {
  const std::uint64_t start = context.view.node(context.view.top()).start;
  std::string offset = "+";  // not "+" + string: GCC 12 at -O3 warns falsely (-Wrestrict)
  offset += FormatNanos(time > start ? time - start : 0);
  return offset;
}

void FindHeavySpans(const Context& context, std::vector<Finding>* out) {
  const auto& contribution = context.path.contribution;
  std::vector<std::size_t> on_path;
  for (std::size_t index = 0; index < contribution.size(); ++index) {
    if (contribution[index] > 0) on_path.push_back(index);
  }
  const std::size_t named = std::min(on_path.size(), context.options.critical_span_max_findings);
  std::partial_sort(on_path.begin(), on_path.begin() + static_cast<std::ptrdiff_t>(named), on_path.end(),
                    [&](std::size_t a, std::size_t b) {
                      return contribution[a] != contribution[b] ? contribution[a] > contribution[b] : a < b;
                    });
  const auto min_nanos =
      static_cast<std::uint64_t>(context.options.critical_span_min_share * static_cast<double>(context.top_duration));
  for (std::size_t rank = 0; rank < named; ++rank) {
    const std::size_t index = on_path[rank];
    if (rank > 0 && contribution[index] < min_nanos) break;  // the heaviest is always named
    const SpanNode& node = context.view.node(index);
    std::string headline = DescribeSpan(context.view, index) + " took " + FormatNanos(contribution[index]) + " of " +
                           FormatNanos(context.top_duration) + " (" + context.Percent(contribution[index]) +
                           ") on the critical path";
    if (!node.children.empty()) {  // the path only runs through a span's own time
      headline += ", in its own code (no child span running)";
    }
    headline += DecisiveSuffix(*node.span);
    out->push_back({FindingKind::kCriticalPath, std::move(headline), contribution[index], 0,
                    {context.Cite(index, contribution[index], "span duration " + FormatNanos(node.Duration()))}});
  }
}

// Critical-path time of `node` inside [start, end): the part of a gap that delayed the trace.
std::uint64_t OnPathWithin(const CriticalPath& path, const std::vector<std::size_t>& segments, std::uint64_t start,
                           std::uint64_t end) {
  std::uint64_t total = 0;
  for (std::size_t index : segments) {
    const PathSegment& segment = path.segments[index];
    const std::uint64_t from = std::max(segment.start, start), to = std::min(segment.end, end);
    if (to > from) total += to - from;
  }
  return total;
}

void FindGaps(const Context& context, std::vector<Finding>* out) {
  const auto min_nanos = static_cast<std::uint64_t>(context.options.gap_min_share * static_cast<double>(context.top_duration));
  std::vector<std::vector<std::size_t>> segments_of;  // only for spans with a large gap
  std::vector<std::size_t> slot(context.view.size(), kNone);
  for (const Gap& gap : context.self_times.gaps) {
    if (gap.Duration() < min_nanos) break;  // longest first
    if (slot[gap.node] == kNone) {
      slot[gap.node] = segments_of.size();
      segments_of.emplace_back();
    }
  }
  if (segments_of.empty()) return;
  for (std::size_t i = 0; i < context.path.segments.size(); ++i) {
    if (const std::size_t at = slot[context.path.segments[i].node]; at != kNone) segments_of[at].push_back(i);
  }
  for (const Gap& gap : context.self_times.gaps) {
    if (gap.Duration() < min_nanos) break;
    const std::uint64_t on_path = OnPathWithin(context.path, segments_of[slot[gap.node]], gap.start, gap.end);
    if (on_path < min_nanos) continue;
    const SpanNode& node = context.view.node(gap.node);
    out->push_back({FindingKind::kGap,
                    DescribeSpan(context.view, gap.node) + " ran " + FormatNanos(gap.Duration()) +
                        " with no child span (" + context.Percent(on_path) + " of the trace, " +
                        Offset(context, gap.start) + " to " + Offset(context, gap.end) + "): untraced work inside " +
                        std::string(node.service) + DecisiveSuffix(*node.span),
                    on_path, 0,
                    {context.Cite(gap.node, on_path, "gap " + Offset(context, gap.start) + " .. " + Offset(context, gap.end))}});
  }
}

void FindAsyncAfterEnd(const Context& context, std::vector<Finding>* out) {
  const SpanNode& top = context.view.node(context.view.top());
  std::vector<std::size_t> late;
  for (std::size_t index : context.view.preorder()) {
    const SpanNode& node = context.view.node(index);
    if (node.async && node.end > top.end && (node.parent == kNone || !context.view.node(node.parent).async)) {
      late.push_back(index);
    }
  }
  if (late.empty()) return;
  const std::size_t last = *std::max_element(late.begin(), late.end(), [&](std::size_t a, std::size_t b) {
    return context.view.node(a).end < context.view.node(b).end;
  });
  Finding finding{FindingKind::kAsyncAfterEnd,
                  DescribeSpan(context.view, last) + " ran asynchronously until " +
                      FormatNanos(context.view.node(last).end - top.end) + " after " +
                      DescribeSpan(context.view, context.view.top()) +
                      " returned: off the critical path, it did not delay the response" +
                      (late.size() > 1 ? " (" + std::to_string(late.size()) + " async spans outlived it)" : ""),
                  0, 0, {}};
  for (std::size_t index : late) finding.evidence.push_back(context.Cite(index, 0, "ends " + Offset(context, context.view.node(index).end)));
  out->push_back(std::move(finding));
}

}  // namespace

void FindLatency(const Context& context, std::vector<Finding>* out) {
  FindHeavySpans(context, out);
  FindGaps(context, out);
  FindAsyncAfterEnd(context, out);
}

}  // namespace hoptrace::analysis::internal
