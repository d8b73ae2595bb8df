#include "engine/block_set.h"

#include <algorithm>
#include <cstdio>
#include <mutex>

namespace hoptrace::store::engine {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kBlockSuffix = ".block";

std::uint64_t BlockNumber(const fs::path& path) {
  const std::string stem = path.stem().string();
  if (stem.empty() || !std::all_of(stem.begin(), stem.end(), [](char c) { return c >= '0' && c <= '9'; })) return 0;
  return std::stoull(stem);
}

}  // namespace

BlockHandle::~BlockHandle() {
  if (!obsolete_) return;
  const fs::path path = reader_->path();
  reader_.reset();
  std::error_code ignored;
  fs::remove(path, ignored);
}

void BlockSet::Load(const fs::path& dir, const fs::path& quarantine_dir,
                    const std::function<void(const std::string&, const std::string&)>& on_quarantine) {
  dir_ = dir;
  std::vector<fs::path> files;
  std::error_code error;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, error)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  std::unique_lock lock(mutex_);
  for (const fs::path& file : files) {
    if (file.extension() == ".tmp") {
      fs::remove(file, error);
      continue;
    }
    if (file.extension() != kBlockSuffix) continue;
    next_number_ = std::max<std::uint64_t>(next_number_, BlockNumber(file) + 1);
    std::unique_ptr<block::BlockReader> reader;
    const Status status = block::BlockReader::Open(file, {}, &reader);
    if (status.ok()) {
      blocks_.push_back(std::make_shared<BlockHandle>(std::move(reader)));
      continue;
    }
    fs::create_directories(quarantine_dir, error);
    fs::rename(file, quarantine_dir / file.filename(), error);
    on_quarantine(file.filename().string(), status.message() + (error ? " (move failed: " + error.message() + ")" : ""));
  }
}

fs::path BlockSet::NextPath() {
  char name[32];
  std::snprintf(name, sizeof name, "%012llu", static_cast<unsigned long long>(next_number_++));
  return dir_ / (std::string(name) + std::string(kBlockSuffix));
}

std::vector<BlockPtr> BlockSet::Snapshot(const std::function<void()>& also) const {
  std::shared_lock lock(mutex_);
  if (also) also();
  return blocks_;
}

void BlockSet::Update(const std::vector<BlockPtr>& added, const std::vector<BlockPtr>& removed,
                      const std::function<void()>& also) {
  std::unique_lock lock(mutex_);
  for (const BlockPtr& block : removed) {
    block->MarkObsolete();
    std::erase(blocks_, block);
  }
  blocks_.insert(blocks_.end(), added.begin(), added.end());
  if (also) also();
}

std::size_t BlockSet::count() const {
  std::shared_lock lock(mutex_);
  return blocks_.size();
}

BlockSet::Totals BlockSet::totals() const {
  std::shared_lock lock(mutex_);
  Totals totals{.blocks = blocks_.size()};
  for (const BlockPtr& block : blocks_) {
    totals.bytes += block->meta().file_bytes;
    if (!block->meta().stored_raw) continue;
    ++totals.raw_blocks;
    totals.raw_bytes += block->meta().file_bytes;
  }
  return totals;
}

}  // namespace hoptrace::store::engine
