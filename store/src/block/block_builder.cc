#include "block/block.h"

namespace hoptrace::store::block {

struct BlockBuilder::State {
  std::size_t span_count = 0;
};

BlockBuilder::BlockBuilder() : state_(std::make_unique<State>()) {}
BlockBuilder::~BlockBuilder() = default;

void BlockBuilder::Add(const model::TraceBatch& batch) { state_->span_count += batch.SpanCount(); }
void BlockBuilder::Add(const model::Span&, const ResourceEntry&, const ScopeEntry&) { ++state_->span_count; }
std::size_t BlockBuilder::span_count() const { return state_->span_count; }
std::size_t BlockBuilder::approximate_bytes() const { return 0; }

Status BlockBuilder::Finish(const std::filesystem::path&, BlockMeta*) {
  return Status::Error(Status::Code::kIoError, "block format: not implemented yet");
}

Status MergeBlocks(const std::vector<BlockReader*>&, const std::filesystem::path&, BlockMeta*) {
  return Status::Error(Status::Code::kIoError, "block format: not implemented yet");
}

}  // namespace hoptrace::store::block
