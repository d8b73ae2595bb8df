#pragma once
// One assembled trace indexed once for every analysis: parent and children (by adjusted start),
// depth, service and host of each span, whether a child runs asynchronously to its parent, and
// span times after clock-skew adjustment. Built in O(n log n); every analysis walks it in O(n).
// The view borrows the batch it was built from, which must outlive it.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hoptrace/model/span.h"

namespace hoptrace::analysis {

inline constexpr std::size_t kNone = static_cast<std::size_t>(-1);

struct SpanNode {
  const model::Span* span = nullptr;
  const model::Resource* resource = nullptr;
  std::string_view service;  // service.name, or "unknown_service"
  std::string_view host;     // host.name / host.id / host.ip; empty when the resource names none
  std::size_t parent = kNone;
  std::vector<std::size_t> children;  // by adjusted start time
  std::size_t depth = 0;              // 0 for the tops (roots and orphans)
  // Runs detached from its parent: a CONSUMER span, a child of a PRODUCER, or a span linking to its
  // parent (OpenTracing's FOLLOWS_FROM arrives as a link). It may outlive the parent.
  bool async = false;
  std::uint64_t start = 0;  // after clock-skew adjustment
  std::uint64_t end = 0;

  std::uint64_t Duration() const { return end > start ? end - start : 0; }
};

// One shift made by the clock-skew adjustment (or one it could not make).
struct SkewAdjustment {
  std::size_t node = kNone;  // the span shifted, with its whole subtree
  std::size_t parent = kNone;
  std::int64_t shift_nanos = 0;  // added to the span's (and its descendants') times; 0 when not adjusted
  bool adjusted = true;          // false: outside its parent but longer than it, so left as recorded
};

// |shift| without overflow (INT64_MIN included).
inline std::uint64_t ShiftMagnitude(std::int64_t shift) {
  return shift < 0 ? static_cast<std::uint64_t>(-(shift + 1)) + 1 : static_cast<std::uint64_t>(shift);
}

class TraceView {
 public:
  static TraceView Build(const model::TraceBatch& batch);

  const std::vector<SpanNode>& nodes() const { return nodes_; }
  const SpanNode& node(std::size_t index) const { return nodes_[index]; }
  std::size_t size() const { return nodes_.size(); }

  // Spans without a parent ID, then spans whose parent is missing (orphans), each by start time.
  const std::vector<std::size_t>& roots() const { return roots_; }
  const std::vector<std::size_t>& orphans() const { return orphans_; }
  // The span whose duration is the trace's latency: the longest root, or the longest orphan when
  // the trace has no root (a split trace). kNone for an empty trace.
  std::size_t top() const { return top_; }

  const std::vector<SkewAdjustment>& skew_adjustments() const { return skew_; }

  // Depth-first order (children by start): the order of a waterfall. Parents come before children.
  const std::vector<std::size_t>& preorder() const { return preorder_; }

  bool IsAncestor(std::size_t ancestor, std::size_t node) const;

 private:
  void IndexSpans(const model::TraceBatch& batch);
  void LinkParents();
  void MarkAsync();
  void OrderDepthFirst();
  void ChooseTop();
  void AdjustClockSkew();
  void SortChildrenByStart();

  std::vector<SpanNode> nodes_;
  std::vector<std::size_t> roots_;
  std::vector<std::size_t> orphans_;
  std::vector<std::size_t> preorder_;
  std::vector<SkewAdjustment> skew_;
  std::size_t top_ = kNone;
};

// service.name / host of a resource.
std::string_view ServiceOf(const model::Resource& resource);
std::string_view HostOf(const model::Resource& resource);

}  // namespace hoptrace::analysis
