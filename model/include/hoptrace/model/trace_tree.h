#pragma once
// The spans of one trace linked into a tree: who is whose parent, which spans are roots, and which
// are orphans (their parent is not in the trace: lost, not yet arrived, or broken propagation).
// The tree borrows from the batch it was built from, which must outlive it.

#include <cstddef>
#include <string_view>
#include <vector>

#include "hoptrace/model/span.h"

namespace hoptrace::model {

// service.name of a resource; "unknown_service" when it has none.
std::string_view ServiceName(const Resource& resource);

class TraceTree {
 public:
  static constexpr std::size_t kNoParent = static_cast<std::size_t>(-1);

  struct Node {
    const Span* span = nullptr;
    const Resource* resource = nullptr;
    const InstrumentationScope* scope = nullptr;
    std::size_t parent = kNoParent;     // index into nodes()
    std::vector<std::size_t> children;  // by start time
    std::size_t depth = 0;              // 0 for roots and orphans
  };

  // Spans with the same span ID appear once (the first seen).
  static TraceTree Build(const TraceBatch& batch);

  const std::vector<Node>& nodes() const { return nodes_; }
  // Spans without a parent ID, by start time.
  const std::vector<std::size_t>& roots() const { return roots_; }
  // Spans whose parent ID is not in the trace, by start time.
  const std::vector<std::size_t>& orphans() const { return orphans_; }
  // Roots, then orphans: every subtree's top, each once.
  std::vector<std::size_t> Tops() const;

  std::uint64_t StartUnixNano() const { return start_; }  // earliest span start
  std::uint64_t EndUnixNano() const { return end_; }      // latest span end

  // Depth-first, children by start time: the order of a waterfall.
  template <typename Visit>
  void ForEachDepthFirst(Visit visit) const {
    for (std::size_t top : Tops()) VisitSubtree(top, visit);
  }

 private:
  template <typename Visit>
  void VisitSubtree(std::size_t index, Visit& visit) const {
    visit(nodes_[index]);
    for (std::size_t child : nodes_[index].children) VisitSubtree(child, visit);
  }

  std::vector<Node> nodes_;
  std::vector<std::size_t> roots_;
  std::vector<std::size_t> orphans_;
  std::uint64_t start_ = 0;
  std::uint64_t end_ = 0;
};

}  // namespace hoptrace::model
