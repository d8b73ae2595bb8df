#include "block/block.h"

namespace hoptrace::store::block {

struct BlockReader::State {
  std::filesystem::path path;
  BlockMeta meta;
  std::vector<std::string> services;
  std::vector<DependencyLink> dependencies;
};

BlockReader::BlockReader(std::unique_ptr<State> state) : state_(std::move(state)) {}
BlockReader::~BlockReader() = default;

Status BlockReader::Open(const std::filesystem::path&, const ReaderOptions&, std::unique_ptr<BlockReader>*) {
  return Status::Error(Status::Code::kIoError, "block format: not implemented yet");
}
const BlockMeta& BlockReader::meta() const { return state_->meta; }
const std::filesystem::path& BlockReader::path() const { return state_->path; }
bool BlockReader::MayContain(const model::TraceId&) const { return false; }
Status BlockReader::FindTrace(const model::TraceId&, std::optional<model::TraceBatch>* trace) {
  trace->reset();
  return Status::Ok();
}
Status BlockReader::Search(const SearchRequest&, std::vector<TraceHit>* hits) {
  hits->clear();
  return Status::Ok();
}
const std::vector<std::string>& BlockReader::Services() const { return state_->services; }
std::vector<Operation> BlockReader::Operations(std::string_view) const { return {}; }
const std::vector<DependencyLink>& BlockReader::Dependencies() const { return state_->dependencies; }
Status BlockReader::ForEachSpan(const SpanVisitor&) { return Status::Ok(); }

}  // namespace hoptrace::store::block
