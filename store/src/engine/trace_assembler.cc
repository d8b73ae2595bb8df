#include "engine/trace_assembler.h"

#include <algorithm>

namespace hoptrace::store::engine {

model::ScopeSpans& TraceAssembler::GroupFor(const block::ResourceEntry& resource, const block::ScopeEntry& scope) {
  // Linear: a trace has a handful of services, each with a handful of scopes.
  auto resource_it = std::find_if(batch_.resource_spans.begin(), batch_.resource_spans.end(),
                                  [&](const model::ResourceSpans& candidate) {
                                    return candidate.resource == resource.resource &&
                                           candidate.schema_url == resource.schema_url;
                                  });
  if (resource_it == batch_.resource_spans.end()) {
    resource_it = batch_.resource_spans.insert(batch_.resource_spans.end(), model::ResourceSpans{});
    resource_it->resource = resource.resource;
    resource_it->schema_url = resource.schema_url;
  }
  auto& scopes = resource_it->scope_spans;
  auto scope_it = std::find_if(scopes.begin(), scopes.end(), [&](const model::ScopeSpans& candidate) {
    return candidate.scope == scope.scope && candidate.schema_url == scope.schema_url;
  });
  if (scope_it == scopes.end()) {
    scope_it = scopes.insert(scopes.end(), model::ScopeSpans{});
    scope_it->scope = scope.scope;
    scope_it->schema_url = scope.schema_url;
  }
  return *scope_it;
}

void TraceAssembler::Add(const model::Span& span, const block::ResourceEntry& resource, const block::ScopeEntry& scope) {
  if (!seen_.insert(span.span_id).second) return;
  GroupFor(resource, scope).spans.push_back(span);
}

void TraceAssembler::Add(model::Span&& span, const block::ResourceEntry& resource, const block::ScopeEntry& scope) {
  if (!seen_.insert(span.span_id).second) return;
  GroupFor(resource, scope).spans.push_back(std::move(span));
}

void TraceAssembler::Add(const model::TraceBatch& batch) {
  for (const model::ResourceSpans& resource_spans : batch.resource_spans) {
    const block::ResourceEntry resource{resource_spans.resource, resource_spans.schema_url};
    for (const model::ScopeSpans& scope_spans : resource_spans.scope_spans) {
      const block::ScopeEntry scope{scope_spans.scope, scope_spans.schema_url};
      for (const model::Span& span : scope_spans.spans) Add(span, resource, scope);
    }
  }
}

std::optional<model::TraceBatch> TraceAssembler::Finish() && {
  if (seen_.empty()) return std::nullopt;
  return std::move(batch_);
}

}  // namespace hoptrace::store::engine
