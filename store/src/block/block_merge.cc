// Compaction: every span of the inputs through one builder, which groups traces and drops duplicates.
// The builder holds the merged spans in memory until Finish, so callers bound the inputs' total size.

#include "block/block.h"

namespace hoptrace::store::block {

Status MergeBlocks(const std::vector<BlockReader*>& inputs, const std::filesystem::path& output, BlockMeta* meta) {
  BlockBuilder builder;
  for (BlockReader* input : inputs) {
    const Status status = input->ForEachSpan([&](const model::Span& span, const ResourceEntry& resource, const ScopeEntry& scope) {
      builder.Add(span, resource, scope);
      return true;
    });
    if (!status.ok()) return status;
  }
  return builder.Finish(output, meta);
}

}  // namespace hoptrace::store::block
