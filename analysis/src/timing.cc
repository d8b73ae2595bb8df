#include "hoptrace/analysis/timing.h"

#include <algorithm>
#include <unordered_map>

namespace hoptrace::analysis {
namespace {

struct Interval {
  std::uint64_t start = 0;
  std::uint64_t end = 0;
  bool empty() const { return end <= start; }
};

// Each span's interval clipped to its (clipped) parent, top-down, as Jaeger UI sanitizes
// overflowing children before its critical-path walk. Async children and spans outside the top's
// subtree get an empty interval: they cannot delay the top.
std::vector<Interval> ClipToParents(const TraceView& view) {
  std::vector<Interval> clipped(view.size());
  for (std::size_t index : view.preorder()) {
    const SpanNode& node = view.node(index);
    if (index == view.top()) {
      clipped[index] = {node.start, node.end};
    } else if (node.parent != kNone && !node.async && !clipped[node.parent].empty()) {
      const Interval& parent = clipped[node.parent];
      clipped[index] = {std::max(node.start, parent.start), std::min(node.end, parent.end)};
      if (clipped[index].empty()) clipped[index] = {};
    }
  }
  return clipped;
}

// Children that may be on the path, latest end first, and how far each parent's list was walked.
class ChildrenByEnd {
 public:
  ChildrenByEnd(const TraceView& view, const std::vector<Interval>& clipped)
      : clipped_(clipped), offsets_(view.size() + 1, 0), cursor_(view.size(), 0) {
    for (std::size_t index = 0; index < view.size(); ++index) {
      const std::size_t parent = view.node(index).parent;
      if (parent != kNone && IsEligible(index)) ++offsets_[parent + 1];
    }
    for (std::size_t i = 1; i < offsets_.size(); ++i) offsets_[i] += offsets_[i - 1];
    children_.resize(offsets_.back());
    std::vector<std::size_t> fill(offsets_.begin(), offsets_.end() - 1);
    for (std::size_t index = 0; index < view.size(); ++index) {
      const std::size_t parent = view.node(index).parent;
      if (parent != kNone && IsEligible(index)) children_[fill[parent]++] = index;
    }
    for (std::size_t parent = 0; parent < view.size(); ++parent) {
      std::sort(children_.begin() + static_cast<std::ptrdiff_t>(offsets_[parent]),
                children_.begin() + static_cast<std::ptrdiff_t>(offsets_[parent + 1]),
                [&](std::size_t a, std::size_t b) { return clipped_[a].end > clipped_[b].end; });
    }
  }

  // The last-finishing child of `parent` ending by `point` not yet taken; kNone when there is none.
  // The point only moves back in time for a given parent, so skipped children never qualify later.
  std::size_t TakeLastEndingBy(std::size_t parent, std::uint64_t point) {
    std::size_t& at = cursor_[parent];
    const std::size_t end = offsets_[parent + 1] - offsets_[parent];
    const std::size_t* children = children_.data() + offsets_[parent];
    while (at < end && clipped_[children[at]].end > point) ++at;
    return at < end ? children[at++] : kNone;
  }

 private:
  bool IsEligible(std::size_t index) const { return !clipped_[index].empty(); }

  const std::vector<Interval>& clipped_;
  std::vector<std::size_t> offsets_;
  std::vector<std::size_t> children_;
  std::vector<std::size_t> cursor_;
};

// Walks a parent's children (sorted by start) and calls `uncovered(start, end)` for each stretch
// of [parent.start, parent.end) that no child covers.
template <typename Uncovered>
void ForEachUncovered(const TraceView& view, const SpanNode& parent, Uncovered uncovered) {
  std::uint64_t covered_to = parent.start;
  for (std::size_t child_index : parent.children) {
    const SpanNode& child = view.node(child_index);
    const std::uint64_t start = std::clamp(child.start, parent.start, parent.end);
    const std::uint64_t end = std::clamp(child.end, parent.start, parent.end);
    if (start > covered_to) uncovered(covered_to, start);
    covered_to = std::max(covered_to, end);
  }
  if (parent.end > covered_to) uncovered(covered_to, parent.end);
}

}  // namespace

CriticalPath ComputeCriticalPath(const TraceView& view) {
  CriticalPath path;
  path.top = view.top();
  path.contribution.assign(view.size(), 0);
  path.on_path.assign(view.size(), false);
  if (path.top == kNone) return path;
  const std::vector<Interval> clipped = ClipToParents(view);
  ChildrenByEnd children(view, clipped);
  const auto add = [&](std::size_t node, std::uint64_t start, std::uint64_t end) {
    if (end <= start) return;
    path.segments.push_back({node, start, end});
    path.contribution[node] += end - start;
    path.total += end - start;
  };
  std::size_t node = path.top;
  std::uint64_t point = clipped[node].end;
  path.on_path[node] = true;
  while (true) {
    if (const std::size_t child = children.TakeLastEndingBy(node, point); child != kNone) {
      add(node, clipped[child].end, point);
      node = child;
      point = clipped[child].end;
      path.on_path[node] = true;
      continue;
    }
    add(node, clipped[node].start, point);
    if (node == path.top) break;
    point = clipped[node].start;
    node = view.node(node).parent;
  }
  std::reverse(path.segments.begin(), path.segments.end());
  return path;
}

SelfTimes ComputeSelfTimes(const TraceView& view, const CriticalPath& path, std::uint64_t min_gap_nanos) {
  SelfTimes times;
  times.per_span.assign(view.size(), 0);
  std::unordered_map<std::string_view, ServiceTime> by_service;
  for (std::size_t index = 0; index < view.size(); ++index) {
    const SpanNode& node = view.node(index);
    ForEachUncovered(view, node, [&](std::uint64_t start, std::uint64_t end) {
      times.per_span[index] += end - start;
      if (!node.children.empty() && end - start >= min_gap_nanos) times.gaps.push_back({index, start, end});
    });
    ServiceTime& service = by_service[node.service];
    service.service = node.service;
    service.self_nanos += times.per_span[index];
    service.critical_nanos += path.contribution.empty() ? 0 : path.contribution[index];
    ++service.spans;
  }
  for (auto& [name, service] : by_service) times.per_service.push_back(service);
  std::sort(times.per_service.begin(), times.per_service.end(), [](const ServiceTime& a, const ServiceTime& b) {
    return a.self_nanos != b.self_nanos ? a.self_nanos > b.self_nanos : a.service < b.service;
  });
  std::sort(times.gaps.begin(), times.gaps.end(), [](const Gap& a, const Gap& b) {
    return a.Duration() != b.Duration() ? a.Duration() > b.Duration() : a.node < b.node;
  });
  return times;
}

}  // namespace hoptrace::analysis
