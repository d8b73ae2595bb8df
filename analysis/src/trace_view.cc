#include "hoptrace/analysis/trace_view.h"

#include <algorithm>

#include "hoptrace/model/trace_tree.h"

namespace hoptrace::analysis {
namespace {

std::string_view StringAttribute(const model::Attributes& attributes, std::string_view key) {
  const model::AttributeValue* value = model::FindAttribute(attributes, key);
  const auto* text = value ? std::get_if<std::string>(value) : nullptr;
  return text ? std::string_view(*text) : std::string_view();
}

// Shift arithmetic saturates: corrupt times (near 0 or UINT64_MAX) must not overflow.
std::uint64_t Shifted(std::uint64_t time, std::int64_t shift) {
  const std::uint64_t magnitude = ShiftMagnitude(shift);
  if (shift < 0) return magnitude > time ? 0 : time - magnitude;
  return magnitude > UINT64_MAX - time ? UINT64_MAX : time + magnitude;
}

// to - from as a signed shift, clamped to the int64 range.
std::int64_t SignedDistance(std::uint64_t from, std::uint64_t to) {
  constexpr auto kMax = static_cast<std::uint64_t>(INT64_MAX);
  if (to >= from) return static_cast<std::int64_t>(std::min(to - from, kMax));
  return -static_cast<std::int64_t>(std::min(from - to, kMax));
}

std::int64_t SaturatingAdd(std::int64_t a, std::int64_t b) {
  std::int64_t sum;
  if (__builtin_add_overflow(a, b, &sum)) return b > 0 ? INT64_MAX : INT64_MIN;
  return sum;
}

// Whether child and parent ran on different clocks: different hosts when both name one, else
// different services (a service boundary is usually a process boundary).
bool AcrossClocks(const SpanNode& child, const SpanNode& parent) {
  if (!child.host.empty() && !parent.host.empty()) return child.host != parent.host;
  return child.service != parent.service;
}

// Jaeger's clock-skew adjuster (model/adjuster/clockskew.go): a child outside its parent is
// centred in it, assuming the network latency is the same both ways. 0 when it already fits.
std::int64_t CenteringShift(const SpanNode& child, const SpanNode& parent) {
  if (child.start >= parent.start && child.end <= parent.end) return 0;
  const std::uint64_t latency = (parent.Duration() - child.Duration()) / 2;
  return SignedDistance(child.start, parent.start + latency);
}

}  // namespace

std::string_view ServiceOf(const model::Resource& resource) { return model::ServiceName(resource); }

std::string_view HostOf(const model::Resource& resource) {
  for (std::string_view key : {"host.name", "host.id", "host.ip", "net.host.ip"}) {
    if (std::string_view host = StringAttribute(resource.attributes, key); !host.empty()) return host;
  }
  return {};
}

TraceView TraceView::Build(const model::TraceBatch& batch) {
  TraceView view;
  view.IndexSpans(batch);
  view.MarkAsync();
  view.OrderDepthFirst();
  view.ChooseTop();
  view.AdjustClockSkew();
  if (!view.skew_.empty()) {  // shifted subtrees may now start in another order
    view.SortChildrenByStart();
    view.OrderDepthFirst();
  }
  return view;
}

// The tree's children are already ordered by recorded start.
void TraceView::IndexSpans(const model::TraceBatch& batch) {
  const model::TraceTree tree = model::TraceTree::Build(batch);
  nodes_.resize(tree.nodes().size());
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const model::TraceTree::Node& from = tree.nodes()[i];
    SpanNode& node = nodes_[i];
    node.span = from.span;
    node.resource = from.resource;
    node.service = ServiceOf(*from.resource);
    node.host = HostOf(*from.resource);
    node.parent = from.parent == model::TraceTree::kNoParent ? kNone : from.parent;
    node.children = from.children;
    node.depth = from.depth;
    node.start = from.span->start_time_unix_nano;
    node.end = std::max(from.span->end_time_unix_nano, node.start);
  }
  roots_ = tree.roots();
  orphans_ = tree.orphans();
}

void TraceView::ChooseTop() {
  const auto longest = [&](const std::vector<std::size_t>& candidates) {
    return *std::max_element(candidates.begin(), candidates.end(), [&](std::size_t a, std::size_t b) {
      return nodes_[a].Duration() < nodes_[b].Duration();
    });
  };
  if (!roots_.empty()) {
    top_ = longest(roots_);
  } else if (!orphans_.empty()) {
    top_ = longest(orphans_);
  }
}

void TraceView::MarkAsync() {
  for (SpanNode& node : nodes_) {
    if (node.parent == kNone) continue;
    const model::Span& span = *node.span;
    const bool links_parent = std::any_of(span.links.begin(), span.links.end(), [&](const model::Link& link) {
      return link.span_id == span.parent_span_id;
    });
    node.async = span.kind == model::SpanKind::kConsumer ||
                 nodes_[node.parent].span->kind == model::SpanKind::kProducer || links_parent;
  }
}

// Also sets depths, and breaks parent cycles (corrupt input): a span on a cycle is unreachable from
// every top, so it is detached from its parent and treated as an orphan.
void TraceView::OrderDepthFirst() {
  preorder_.clear();
  preorder_.reserve(nodes_.size());
  std::vector<bool> visited(nodes_.size(), false);
  std::vector<std::size_t> stack;
  const auto visit_from = [&](std::size_t top) {
    nodes_[top].depth = 0;
    stack.push_back(top);
    while (!stack.empty()) {
      const std::size_t index = stack.back();
      stack.pop_back();
      visited[index] = true;
      preorder_.push_back(index);
      const auto& children = nodes_[index].children;
      for (std::size_t child : children) nodes_[child].depth = nodes_[index].depth + 1;
      stack.insert(stack.end(), children.rbegin(), children.rend());
    }
  };
  for (std::size_t root : roots_) visit_from(root);
  for (std::size_t orphan : orphans_) visit_from(orphan);
  for (std::size_t index = 0; index < nodes_.size(); ++index) {
    if (visited[index]) continue;
    std::erase(nodes_[nodes_[index].parent].children, index);
    nodes_[index].parent = kNone;
    nodes_[index].async = false;
    orphans_.push_back(index);
    visit_from(index);
  }
}

// Parents are adjusted before their children (pre-order), and a shift moves the whole subtree, as
// in Jaeger. Async children may legitimately start after their parent ended, so they are only moved
// when they start before it (a consumer cannot start before its producer).
void TraceView::AdjustClockSkew() {
  std::vector<std::int64_t> shift(nodes_.size(), 0);
  for (std::size_t index : preorder_) {
    SpanNode& node = nodes_[index];
    if (node.parent == kNone) continue;
    const SpanNode& parent = nodes_[node.parent];
    shift[index] = shift[node.parent];
    node.start = Shifted(node.span->start_time_unix_nano, shift[index]);
    node.end = std::max(Shifted(node.span->end_time_unix_nano, shift[index]), node.start);
    if (!AcrossClocks(node, parent)) continue;
    std::int64_t own = 0;
    if (node.async) {
      if (node.start < parent.start) own = SignedDistance(node.start, parent.start);
    } else if (node.Duration() > parent.Duration()) {
      if (node.start < parent.start || node.end > parent.end) {
        skew_.push_back({index, node.parent, 0, false});
      }
      continue;
    } else {
      own = CenteringShift(node, parent);
    }
    if (own == 0) continue;
    shift[index] = SaturatingAdd(shift[index], own);
    node.start = Shifted(node.start, own);
    node.end = Shifted(node.end, own);
    skew_.push_back({index, node.parent, own, true});
  }
}

void TraceView::SortChildrenByStart() {
  for (SpanNode& node : nodes_) {
    std::stable_sort(node.children.begin(), node.children.end(),
                     [&](std::size_t a, std::size_t b) { return nodes_[a].start < nodes_[b].start; });
  }
}

bool TraceView::IsAncestor(std::size_t ancestor, std::size_t index) const {
  for (std::size_t at = nodes_[index].parent; at != kNone; at = nodes_[at].parent) {
    if (at == ancestor) return true;
  }
  return false;
}

}  // namespace hoptrace::analysis
