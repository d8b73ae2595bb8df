// Compaction's streaming merge (block_merge.cc) against the reference it replaces: every span of the
// inputs through one BlockBuilder. Traces held by one input, traces spread over several, repeated
// spans, and a merged block merged again must all read back the same way.

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>

#include "block/block.h"
#include "block/block_format.h"
#include "block_test_util.h"

namespace hoptrace::store::block {
namespace {

using testing::Flatten;
using testing::GenerateSpans;
using testing::ReadAll;
using testing::TempDir;

// What the merge did before it streamed: each input's spans, in input order, through a builder.
std::unique_ptr<BlockReader> ReferenceMerge(const std::vector<BlockReader*>& inputs, const std::filesystem::path& path) {
  BlockBuilder builder;
  for (BlockReader* input : inputs) {
    const Status read = input->ForEachSpan([&](const model::Span& span, const ResourceEntry& resource, const ScopeEntry& scope) {
      builder.Add(span, resource, scope);
      return true;
    });
    EXPECT_TRUE(read.ok()) << read.message();
  }
  EXPECT_TRUE(builder.Finish(path, nullptr).ok());
  std::unique_ptr<BlockReader> reader;
  EXPECT_TRUE(BlockReader::Open(path, {}, &reader).ok());
  return reader;
}

std::unique_ptr<BlockReader> StreamingMerge(const std::vector<BlockReader*>& inputs, const std::filesystem::path& path) {
  const Status merged = MergeBlocks(inputs, path, nullptr);
  EXPECT_TRUE(merged.ok()) << merged.message();
  std::unique_ptr<BlockReader> reader;
  EXPECT_TRUE(BlockReader::Open(path, {}, &reader).ok());
  return reader;
}

void ExpectSameBlock(BlockReader& actual, BlockReader& expected, const std::vector<model::TraceId>& trace_ids) {
  const BlockMeta& a = actual.meta();
  const BlockMeta& e = expected.meta();
  EXPECT_EQ(a.span_count, e.span_count);
  EXPECT_EQ(a.trace_count, e.trace_count);
  EXPECT_EQ(a.min_start_unix_nano, e.min_start_unix_nano);
  EXPECT_EQ(a.max_start_unix_nano, e.max_start_unix_nano);
  EXPECT_EQ(a.max_end_unix_nano, e.max_end_unix_nano);
  EXPECT_EQ(actual.Services(), expected.Services());
  for (const std::string& service : expected.Services()) EXPECT_EQ(actual.Operations(service), expected.Operations(service));
  EXPECT_EQ(actual.Dependencies(), expected.Dependencies());
  EXPECT_EQ(ReadAll(actual), ReadAll(expected));  // block order differs only where starts tie
  for (std::size_t t = 0; t < trace_ids.size(); t += 7) {  // a lookup decodes a row group: a sample
    const model::TraceId& id = trace_ids[t];
    std::optional<model::TraceBatch> got, want;
    ASSERT_TRUE(actual.FindTrace(id, &got).ok());
    ASSERT_TRUE(expected.FindTrace(id, &want).ok());
    ASSERT_TRUE(got && want) << id.ToHex();
    EXPECT_EQ(Flatten(*got), Flatten(*want)) << id.ToHex();
  }
  // Summaries: an unlimited search over everything gives every trace's row.
  SearchRequest everything;
  everything.limit = SIZE_MAX;
  std::vector<TraceHit> got_hits, want_hits;
  ASSERT_TRUE(actual.Search(everything, &got_hits).ok());
  ASSERT_TRUE(expected.Search(everything, &want_hits).ok());
  ASSERT_EQ(got_hits.size(), want_hits.size());
  for (std::size_t i = 0; i < got_hits.size(); ++i) {
    const TraceSummary& got = got_hits[i].summary;
    const TraceSummary& want = want_hits[i].summary;
    EXPECT_EQ(std::tie(got.trace_id, got.root_service, got.root_name, got.start_unix_nano, got.duration_nanos,
                       got.span_count, got.error_count, got.services),
              std::tie(want.trace_id, want.root_service, want.root_name, want.start_unix_nano, want.duration_nanos,
                       want.span_count, want.error_count, want.services))
        << i;
    EXPECT_EQ(got_hits[i].root_found, want_hits[i].root_found) << i;
  }
}

// Four blocks of whole traces, except every 7th trace whose spans alternate between two blocks,
// and every 50th span written again into the next block (a retried write).
std::vector<testing::GeneratedSpans> DealIntoBlocks(const testing::GeneratedSpans& data) {
  std::vector<testing::GeneratedSpans> blocks(4, {data.resources, data.scopes, {}});
  std::map<model::TraceId, std::size_t> trace_numbers;
  for (std::size_t i = 0; i < data.spans.size(); ++i) {
    const auto [it, inserted] = trace_numbers.try_emplace(data.spans[i].span.trace_id, trace_numbers.size());
    const std::size_t trace = it->second;
    const std::size_t block = trace % 7 == 0 ? (trace + i) % 4 : trace % 4;
    blocks[block].spans.push_back(data.spans[i]);
    if (i % 50 == 0) blocks[(block + 1) % 4].spans.push_back(data.spans[i]);
  }
  return blocks;
}

// Merge inputs: each of `blocks` written to `dir` as in<b>.block, at `level_of(b)`.
struct InputBlocks {
  std::vector<std::unique_ptr<BlockReader>> readers;
  std::vector<BlockReader*> inputs;
};
InputBlocks WriteInputs(const std::vector<testing::GeneratedSpans>& blocks, const std::filesystem::path& dir,
                        const std::function<int(std::size_t)>& level_of = [](std::size_t) { return kCompactedBlockZstdLevel; }) {
  InputBlocks written;
  for (std::size_t b = 0; b < blocks.size(); ++b) {
    written.readers.push_back(
        testing::BuildBlock(blocks[b], dir / ("in" + std::to_string(b) + ".block"), nullptr, level_of(b)));
    written.inputs.push_back(written.readers.back().get());
  }
  return written;
}

TEST(StreamingMerge, ReadsBackAsTheBuilderMergeDoes) {
  TempDir dir;
  const auto data = GenerateSpans(20'000, {.seed = 23});
  const InputBlocks written = WriteInputs(DealIntoBlocks(data), dir.path());
  const std::vector<BlockReader*>& inputs = written.inputs;
  const auto streamed = StreamingMerge(inputs, dir.path() / "streamed.block");
  const auto reference = ReferenceMerge(inputs, dir.path() / "reference.block");
  ASSERT_TRUE(streamed && reference);
  EXPECT_EQ(streamed->meta().span_count, data.spans.size());
  EXPECT_EQ(ReadAll(*streamed), Flatten(data));
  ExpectSameBlock(*streamed, *reference, data.TraceIds());
  // The output's dictionary is as good as the builder's: within 2 % of its bytes.
  EXPECT_LT(static_cast<double>(streamed->meta().file_bytes), 1.02 * static_cast<double>(reference->meta().file_bytes));

  // A merged block merged again with an input it shares traces with: copies out of a compacted block.
  const std::vector<BlockReader*> again{streamed.get(), inputs[1]};
  const auto twice = StreamingMerge(again, dir.path() / "twice.block");
  const auto twice_reference = ReferenceMerge(again, dir.path() / "twice-reference.block");
  ASSERT_TRUE(twice && twice_reference);
  ExpectSameBlock(*twice, *twice_reference, data.TraceIds());
}

// The merge builds its dictionary from the inputs' dictionaries without counting references: a
// string only one input holds, one an input left inline (it came once there) that another's
// dictionary holds, and one inline everywhere must all read back, in a block as small as the
// builder's.
TEST(StreamingMerge, InputsWithDifferentDictionaries) {
  TempDir dir;
  const auto data = GenerateSpans(6'000, {.seed = 31});
  std::vector<testing::GeneratedSpans> blocks(2, {data.resources, data.scopes, {}});
  for (std::size_t i = 0; i < data.spans.size(); ++i) {
    testing::GeneratedSpan span = data.spans[i];
    const std::size_t block = span.span.trace_id.data()[0] % 2;
    const std::string own = block == 0 ? "only-in-the-first" : "only-in-the-second";
    span.span.attributes.push_back({"vocabulary", own + std::to_string(i % 5)});
    // Once in the first block (inline there), in every span of the second (in its dictionary).
    if (block == 1 || i == 0) span.span.attributes.push_back({"shared.rarely", std::string("inline-in-the-first")});
    span.span.attributes.push_back({"unique", "value-" + std::to_string(i)});  // inline in both
    blocks[i == 0 ? 0 : block].spans.push_back(std::move(span));
  }
  std::vector<std::unique_ptr<BlockReader>> readers;
  std::vector<BlockReader*> inputs;
  testing::GeneratedSpans all{data.resources, data.scopes, {}};
  for (std::size_t b = 0; b < blocks.size(); ++b) {
    ASSERT_FALSE(blocks[b].spans.empty());
    all.spans.insert(all.spans.end(), blocks[b].spans.begin(), blocks[b].spans.end());
    readers.push_back(testing::BuildBlock(blocks[b], dir.path() / ("in" + std::to_string(b) + ".block")));
    inputs.push_back(readers.back().get());
  }
  const auto streamed = StreamingMerge(inputs, dir.path() / "streamed.block");
  const auto reference = ReferenceMerge(inputs, dir.path() / "reference.block");
  ASSERT_TRUE(streamed && reference);
  EXPECT_EQ(ReadAll(*streamed), Flatten(all));
  ExpectSameBlock(*streamed, *reference, all.TraceIds());
  EXPECT_LT(static_cast<double>(streamed->meta().file_bytes), 1.02 * static_cast<double>(reference->meta().file_bytes));
}

// Traces cut in two: the first half of each one's spans in one block, the rest in another, and
// more traces whole in a third. Merged with the third, the second halves are copied alone, their
// parents outside (explicit parent IDs, copied as bytes); the service graph comes from the inputs'
// graphs, less what a spread trace's parts counted: merged with the first halves, edges between a
// parent in one input and a child in the other appear.
TEST(StreamingMerge, TracesCutInTwo) {
  TempDir dir;
  const auto data = GenerateSpans(12'000, {.seed = 41});
  std::vector<testing::GeneratedSpans> blocks(3, {data.resources, data.scopes, {}});
  std::map<model::TraceId, std::size_t> seen;  // spans of each trace so far
  for (const testing::GeneratedSpan& span : data.spans) {
    const std::size_t position = seen[span.span.trace_id]++;
    const bool whole = span.span.trace_id.data()[1] % 3 == 0;
    blocks[whole ? 2 : (position % 4 < 2 ? 0 : 1)].spans.push_back(span);
  }
  std::vector<std::unique_ptr<BlockReader>> readers;
  for (std::size_t b = 0; b < blocks.size(); ++b) {
    ASSERT_FALSE(blocks[b].spans.empty());
    readers.push_back(testing::BuildBlock(blocks[b], dir.path() / ("in" + std::to_string(b) + ".block")));
  }
  for (const auto& [first, second] : {std::pair{1, 2}, std::pair{0, 1}}) {
    SCOPED_TRACE(std::to_string(first) + " with " + std::to_string(second));
    const std::vector<BlockReader*> inputs{readers[first].get(), readers[second].get()};
    testing::GeneratedSpans both{data.resources, data.scopes, blocks[first].spans};
    both.spans.insert(both.spans.end(), blocks[second].spans.begin(), blocks[second].spans.end());
    const std::string name = std::to_string(first) + std::to_string(second);
    const auto streamed = StreamingMerge(inputs, dir.path() / ("streamed" + name + ".block"));
    const auto reference = ReferenceMerge(inputs, dir.path() / ("reference" + name + ".block"));
    ASSERT_TRUE(streamed && reference);
    EXPECT_EQ(streamed->meta().span_count, both.spans.size());
    EXPECT_FALSE(streamed->Dependencies().empty());
    ExpectSameBlock(*streamed, *reference, both.TraceIds());
  }
}

// The codec of every section of a block file, from its directory.
std::vector<std::uint8_t> SectionCodecs(const std::filesystem::path& path) {
  const std::string file = testing::ReadFile(path);
  Footer footer;
  std::vector<SectionHandle> sections;
  EXPECT_GE(file.size(), kFooterSize);
  if (file.size() < kFooterSize) return {};
  EXPECT_TRUE(DecodeFooter(std::string_view(file).substr(file.size() - kFooterSize), &footer).ok());
  EXPECT_TRUE(DecodeDirectory(std::string_view(file).substr(footer.directory_offset, footer.directory_bytes),
                              footer.directory_offset, &sections)
                  .ok());
  std::vector<std::uint8_t> codecs;
  for (const SectionHandle& section : sections) codecs.push_back(section.codec);
  return codecs;
}

bool AllRaw(const std::vector<std::uint8_t>& codecs) {
  return std::all_of(codecs.begin(), codecs.end(), [](std::uint8_t codec) { return codec == kCodecRaw; });
}

// A fresh cut's block (kFreshBlockZstdLevel): every section raw, flagged so in its meta, larger, and
// every read (spans, trace by ID, search, services, operations, dependencies) as from a compressed one.
TEST(RawBlock, EverySectionIsRawAndReadsAsTheCompressedBlock) {
  TempDir dir;
  const auto data = GenerateSpans(10'000, {.seed = 53});
  const auto raw = testing::BuildBlock(data, dir.path() / "raw.block", nullptr, kFreshBlockZstdLevel);
  const auto compressed = testing::BuildBlock(data, dir.path() / "compressed.block");
  ASSERT_TRUE(raw && compressed);
  EXPECT_TRUE(raw->meta().stored_raw);
  EXPECT_FALSE(compressed->meta().stored_raw);
  EXPECT_TRUE(AllRaw(SectionCodecs(dir.path() / "raw.block")));
  EXPECT_FALSE(AllRaw(SectionCodecs(dir.path() / "compressed.block")));
  EXPECT_GT(raw->meta().file_bytes, 2 * compressed->meta().file_bytes);
  EXPECT_EQ(ReadAll(*raw), Flatten(data));
  ExpectSameBlock(*raw, *compressed, data.TraceIds());
}

// Raw (fresh) and compressed (compacted) inputs merge into one compressed block; a raw block merged
// alone (compaction's lone rewrite) becomes compressed with the same spans.
TEST(StreamingMerge, RawAndCompressedInputsMergeIntoACompressedBlock) {
  TempDir dir;
  const auto data = GenerateSpans(12'000, {.seed = 59});
  const auto blocks = DealIntoBlocks(data);
  const InputBlocks written = WriteInputs(blocks, dir.path(), [](std::size_t b) {
    return b % 2 == 0 ? kFreshBlockZstdLevel : kCompactedBlockZstdLevel;
  });
  const std::vector<BlockReader*>& inputs = written.inputs;
  for (std::size_t b = 0; b < inputs.size(); ++b) {
    ASSERT_NE(inputs[b], nullptr);
    EXPECT_EQ(inputs[b]->meta().stored_raw, b % 2 == 0);
  }
  const auto streamed = StreamingMerge(inputs, dir.path() / "streamed.block");
  const auto reference = ReferenceMerge(inputs, dir.path() / "reference.block");
  ASSERT_TRUE(streamed && reference);
  EXPECT_FALSE(streamed->meta().stored_raw);
  EXPECT_FALSE(AllRaw(SectionCodecs(dir.path() / "streamed.block")));
  EXPECT_EQ(ReadAll(*streamed), Flatten(data));
  ExpectSameBlock(*streamed, *reference, data.TraceIds());

  const auto rewritten = StreamingMerge({inputs[0]}, dir.path() / "rewritten.block");
  ASSERT_TRUE(rewritten);
  EXPECT_FALSE(rewritten->meta().stored_raw);
  EXPECT_LT(2 * rewritten->meta().file_bytes, inputs[0]->meta().file_bytes);
  ExpectSameBlock(*rewritten, *inputs[0], blocks[0].TraceIds());
}

TEST(StreamingMerge, NoInputsGiveAnEmptyBlock) {
  TempDir dir;
  BlockMeta meta;
  ASSERT_TRUE(MergeBlocks({}, dir.path() / "empty.block", &meta).ok());
  EXPECT_EQ(meta.span_count, 0u);
  std::unique_ptr<BlockReader> reader;
  ASSERT_TRUE(BlockReader::Open(dir.path() / "empty.block", {}, &reader).ok());
  EXPECT_EQ(reader->meta().trace_count, 0u);
}

}  // namespace
}  // namespace hoptrace::store::block
