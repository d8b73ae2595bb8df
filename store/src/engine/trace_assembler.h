#pragma once
// Builds one trace's TraceBatch from spans found in several places (head, frozen head, blocks):
// spans with the same span ID are kept once (the first one added wins), and spans with equal
// resource and scope are grouped under one ResourceSpans / ScopeSpans.

#include <optional>
#include <unordered_set>

#include "block/block.h"

namespace hoptrace::store::engine {

class TraceAssembler {
 public:
  void Add(const model::Span& span, const block::ResourceEntry& resource, const block::ScopeEntry& scope);
  void Add(model::Span&& span, const block::ResourceEntry& resource, const block::ScopeEntry& scope);
  void Add(const model::TraceBatch& batch);

  std::size_t span_count() const { return seen_.size(); }
  // Whether a span with this ID was added (a later one would be ignored).
  bool Holds(const model::SpanId& span_id) const { return seen_.contains(span_id); }
  // Empty: nullopt.
  std::optional<model::TraceBatch> Finish() &&;

 private:
  model::ScopeSpans& GroupFor(const block::ResourceEntry& resource, const block::ScopeEntry& scope);

  model::TraceBatch batch_;
  std::unordered_set<model::SpanId, model::IdHash> seen_;
};

}  // namespace hoptrace::store::engine
