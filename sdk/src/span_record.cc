#include "hoptrace/sdk/span_record.h"

#include <map>
#include <utility>

namespace hoptrace::sdk {

model::TraceBatch ToTraceBatch(std::span<const SpanRecordPtr> records) {
  model::TraceBatch batch;
  // Keys are pointers owned by the provider and its tracers, so equal pointers mean equal scopes.
  std::map<const model::Resource*, std::size_t> resource_index;
  std::map<std::pair<std::size_t, const model::InstrumentationScope*>, std::size_t> scope_index;
  for (const SpanRecordPtr& record : records) {
    auto [resource_it, new_resource] = resource_index.try_emplace(record->resource, batch.resource_spans.size());
    if (new_resource) {
      auto& resource_spans = batch.resource_spans.emplace_back();
      if (record->resource != nullptr) resource_spans.resource = *record->resource;
    }
    auto& resource_spans = batch.resource_spans[resource_it->second];
    auto [scope_it, new_scope] = scope_index.try_emplace({resource_it->second, record->scope},
                                                         resource_spans.scope_spans.size());
    if (new_scope) {
      auto& scope_spans = resource_spans.scope_spans.emplace_back();
      if (record->scope != nullptr) scope_spans.scope = *record->scope;
    }
    resource_spans.scope_spans[scope_it->second].spans.push_back(record->span);
  }
  return batch;
}

}  // namespace hoptrace::sdk
