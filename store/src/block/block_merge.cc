// Compaction: every span of the inputs through one builder, which groups traces and drops duplicates.
// The builder holds the merged spans in memory until Finish, so callers bound the inputs' total size.

#include <unordered_map>

#include "block/block.h"

namespace hoptrace::store::block {

Status MergeBlocks(const std::vector<BlockReader*>& inputs, const std::filesystem::path& output, BlockMeta* meta) {
  BlockBuilder builder;
  for (BlockReader* input : inputs) {
    // An input's resources and scopes stay where they are while it is read: each is interned once.
    std::unordered_map<const ResourceEntry*, std::uint32_t> resource_ids;
    std::unordered_map<const ScopeEntry*, std::uint32_t> scope_ids;
    const Status status = input->ForEachSpan([&](const model::Span& span, const ResourceEntry& resource, const ScopeEntry& scope) {
      auto [resource_id, new_resource] = resource_ids.try_emplace(&resource);
      if (new_resource) resource_id->second = builder.InternResource(resource);
      auto [scope_id, new_scope] = scope_ids.try_emplace(&scope);
      if (new_scope) scope_id->second = builder.InternScope(scope);
      builder.Add(model::Span(span), resource_id->second, scope_id->second);
      return true;
    });
    if (!status.ok()) return status;
  }
  return builder.Finish(output, meta);
}

}  // namespace hoptrace::store::block
