#pragma once
// Shared by the block tests: a temporary directory, and spans flattened to comparable rows.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <tuple>

#include "block/block.h"
#include "span_generator.h"

namespace hoptrace::store::testing {

class TempDir {
 public:
  TempDir() {
    std::random_device random;
    path_ = std::filesystem::temp_directory_path() / ("hoptrace-block-" + std::to_string(random()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// A span with its envelope, comparable as a whole.
struct FlatSpan {
  model::Span span;
  block::ResourceEntry resource;
  block::ScopeEntry scope;
  friend bool operator==(const FlatSpan&, const FlatSpan&) = default;
};

inline bool ById(const FlatSpan& a, const FlatSpan& b) {
  return std::tie(a.span.trace_id, a.span.span_id) < std::tie(b.span.trace_id, b.span.span_id);
}

inline std::vector<FlatSpan> Flatten(const model::TraceBatch& batch) {
  std::vector<FlatSpan> flat;
  for (const auto& resource_spans : batch.resource_spans) {
    for (const auto& scope_spans : resource_spans.scope_spans) {
      for (const auto& span : scope_spans.spans) {
        flat.push_back({span, {resource_spans.resource, resource_spans.schema_url}, {scope_spans.scope, scope_spans.schema_url}});
      }
    }
  }
  std::sort(flat.begin(), flat.end(), ById);
  return flat;
}

inline std::vector<FlatSpan> Flatten(const GeneratedSpans& data) {
  std::vector<FlatSpan> flat;
  for (const GeneratedSpan& generated : data.spans) {
    flat.push_back({generated.span, data.resources[generated.resource], data.scopes[generated.scope]});
  }
  std::sort(flat.begin(), flat.end(), ById);
  return flat;
}

inline std::vector<FlatSpan> ReadAll(block::BlockReader& reader) {
  std::vector<FlatSpan> flat;
  const Status status = reader.ForEachSpan(
      [&](const model::Span& span, const block::ResourceEntry& resource, const block::ScopeEntry& scope) {
        flat.push_back({span, resource, scope});
        return true;
      });
  EXPECT_TRUE(status.ok()) << status.message();
  std::sort(flat.begin(), flat.end(), ById);
  return flat;
}

// Builds a block of `data` at dir/name and opens it.
inline std::unique_ptr<block::BlockReader> BuildBlock(const GeneratedSpans& data, const std::filesystem::path& path,
                                                      block::BlockMeta* meta = nullptr,
                                                      int zstd_level = block::kCompactedBlockZstdLevel) {
  block::BlockBuilder builder(zstd_level);
  builder.Add(data.ToBatch());
  const Status built = builder.Finish(path, meta);
  EXPECT_TRUE(built.ok()) << built.message();
  std::unique_ptr<block::BlockReader> reader;
  const Status opened = block::BlockReader::Open(path, {}, &reader);
  EXPECT_TRUE(opened.ok()) << opened.message();
  return reader;
}

}  // namespace hoptrace::store::testing
