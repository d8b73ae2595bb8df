#include "hoptrace/model/trace_tree.h"

#include <algorithm>
#include <unordered_map>

namespace hoptrace::model {

std::string_view ServiceName(const Resource& resource) {
  const AttributeValue* value = FindAttribute(resource.attributes, kServiceNameKey);
  const auto* name = value ? std::get_if<std::string>(value) : nullptr;
  return name ? std::string_view(*name) : std::string_view("unknown_service");
}

TraceTree TraceTree::Build(const TraceBatch& batch) {
  TraceTree tree;
  std::unordered_map<SpanId, std::size_t, IdHash> by_id;
  for (const auto& resource_spans : batch.resource_spans) {
    for (const auto& scope_spans : resource_spans.scope_spans) {
      for (const auto& span : scope_spans.spans) {
        if (!by_id.emplace(span.span_id, tree.nodes_.size()).second) continue;  // duplicate delivery
        tree.nodes_.push_back(Node{&span, &resource_spans.resource, &scope_spans.scope, kNoParent, {}, 0});
      }
    }
  }
  auto by_start = [&](std::size_t a, std::size_t b) {
    return tree.nodes_[a].span->start_time_unix_nano < tree.nodes_[b].span->start_time_unix_nano;
  };
  for (std::size_t i = 0; i < tree.nodes_.size(); ++i) {
    const Span& span = *tree.nodes_[i].span;
    if (span.IsRoot()) {
      tree.roots_.push_back(i);
    } else if (auto parent = by_id.find(span.parent_span_id); parent != by_id.end() && parent->second != i) {
      tree.nodes_[i].parent = parent->second;
      tree.nodes_[parent->second].children.push_back(i);
    } else {
      tree.orphans_.push_back(i);
    }
  }
  for (auto& node : tree.nodes_) std::sort(node.children.begin(), node.children.end(), by_start);
  std::sort(tree.roots_.begin(), tree.roots_.end(), by_start);
  std::sort(tree.orphans_.begin(), tree.orphans_.end(), by_start);
  // Depths from the tops down; a parent cycle (corrupt input) is never reached from a top and stays at 0.
  std::vector<std::size_t> stack = tree.Tops();
  while (!stack.empty()) {
    const std::size_t index = stack.back();
    stack.pop_back();
    for (std::size_t child : tree.nodes_[index].children) {
      tree.nodes_[child].depth = tree.nodes_[index].depth + 1;
      stack.push_back(child);
    }
  }
  if (!tree.nodes_.empty()) {
    tree.start_ = UINT64_MAX;
    for (const auto& node : tree.nodes_) {
      tree.start_ = std::min(tree.start_, node.span->start_time_unix_nano);
      tree.end_ = std::max(tree.end_, node.span->end_time_unix_nano);
    }
  }
  return tree;
}

std::vector<std::size_t> TraceTree::Tops() const {
  std::vector<std::size_t> tops = roots_;
  tops.insert(tops.end(), orphans_.begin(), orphans_.end());
  return tops;
}

}  // namespace hoptrace::model
