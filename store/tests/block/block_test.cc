// Round trips, lookups, per-block catalogs (services, operations, dependencies) and merging.

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "block/block.h"
#include "block_test_util.h"

namespace hoptrace::store::block {
namespace {

using testing::BuildBlock;
using testing::Flatten;
using testing::GenerateSpans;
using testing::ReadAll;
using testing::TempDir;

// A span that uses every field, with values that stress the encodings.
testing::GeneratedSpans EdgeCaseSpans() {
  testing::GeneratedSpans data = GenerateSpans(1);
  data.spans.resize(1);
  model::Span& span = data.spans[0].span;
  span.trace_state = "unique=state";
  span.flags = 0x301;
  span.dropped_attributes_count = 7;
  span.dropped_events_count = 8;
  span.dropped_links_count = 9;
  span.end_time_unix_nano = span.start_time_unix_nano - 5;  // bad clock: ends before it starts
  span.status = {model::StatusCode::kError, "a one-off message"};
  span.attributes.push_back({"bools", std::vector<bool>{true, false, true}});
  span.attributes.push_back({"doubles", std::vector<double>{1.5, -0.0, 1e300}});
  span.attributes.push_back({"ints", std::vector<std::int64_t>{INT64_MIN, 0, INT64_MAX}});
  span.attributes.push_back({"strings", std::vector<std::string>{"", "x", std::string(300, 'y')}});
  span.attributes.push_back({"empty", std::string()});
  model::Event& event = span.events.emplace_slot();
  event.time_unix_nano = 0;  // before the span
  event.name = "early";
  event.dropped_attributes_count = 2;
  event.attributes.push_back({"k", std::int64_t{-1}});
  model::Link& link = span.links.emplace_slot();
  link.trace_id = model::TraceId::FromHighLow(1, 2);
  link.span_id = model::SpanId::FromHighLow(0, 3);
  link.flags = 0x101;
  link.dropped_attributes_count = 4;
  model::Span orphan = span;  // a parent outside the block, and a second span id
  orphan.span_id = model::SpanId::FromHighLow(0, 0xabc);
  orphan.parent_span_id = model::SpanId::FromHighLow(0, 0xdef);
  orphan.start_time_unix_nano = 0;
  data.spans.push_back({orphan, 1, 2});
  return data;
}

TEST(BlockRoundTrip, EveryFieldOfEverySpanComesBack) {
  TempDir dir;
  const auto data = GenerateSpans(20'000, {.seed = 7});
  BlockMeta meta;
  auto reader = BuildBlock(data, dir.path() / "a.block", &meta);
  ASSERT_TRUE(reader);
  EXPECT_EQ(ReadAll(*reader), Flatten(data));
  EXPECT_EQ(meta.span_count, data.spans.size());
  EXPECT_EQ(meta.trace_count, data.TraceIds().size());
  EXPECT_EQ(reader->meta().span_count, meta.span_count);
  EXPECT_EQ(reader->meta().file_bytes, std::filesystem::file_size(dir.path() / "a.block"));
  EXPECT_EQ(meta.format_version, 2u);
}

TEST(BlockRoundTrip, EdgeCaseValuesSurvive) {
  TempDir dir;
  const auto data = EdgeCaseSpans();
  auto reader = BuildBlock(data, dir.path() / "edge.block");
  ASSERT_TRUE(reader);
  EXPECT_EQ(ReadAll(*reader), Flatten(data));
}

TEST(BlockRoundTrip, DuplicateSpansAreStoredOnce) {
  TempDir dir;
  const auto data = GenerateSpans(500);
  BlockBuilder builder;
  builder.Add(data.ToBatch());
  builder.Add(data.ToBatch());  // a replayed write
  EXPECT_EQ(builder.span_count(), 2 * data.spans.size());
  EXPECT_GT(builder.approximate_bytes(), 0u);
  BlockMeta meta;
  ASSERT_TRUE(builder.Finish(dir.path() / "dup.block", &meta).ok());
  EXPECT_EQ(meta.span_count, data.spans.size());
  EXPECT_EQ(builder.span_count(), 0u);
}

// A trace's spans added in many runs between other traces' spans (every other span, from the end),
// then each again under another name: every trace comes back whole, each span as first added.
TEST(BlockRoundTrip, TracesAddedInScatteredRunsKeepTheFirstCopyOfEachSpan) {
  TempDir dir;
  const auto data = GenerateSpans(3000, {.seed = 11});
  BlockBuilder builder;
  const auto add = [&](std::size_t i, std::string_view suffix) {
    model::Span span = data.spans[i].span;
    span.name += suffix;
    builder.Add(span, data.resources[data.spans[i].resource], data.scopes[data.spans[i].scope]);
  };
  for (std::size_t i = data.spans.size(); i-- > 0;) {
    if (i % 2 == 0) add(i, "");
  }
  for (std::size_t i = data.spans.size(); i-- > 0;) {
    if (i % 2 == 1) add(i, "");
  }
  for (std::size_t i = 0; i < data.spans.size(); ++i) add(i, " (a later copy)");
  BlockMeta meta;
  ASSERT_TRUE(builder.Finish(dir.path() / "scattered.block", &meta).ok());
  std::unique_ptr<BlockReader> reader;
  ASSERT_TRUE(BlockReader::Open(dir.path() / "scattered.block", {}, &reader).ok());
  EXPECT_EQ(meta.trace_count, data.TraceIds().size());
  EXPECT_EQ(ReadAll(*reader), Flatten(data));
}

TEST(BlockRoundTrip, EmptyBlock) {
  TempDir dir;
  BlockBuilder builder;
  BlockMeta meta;
  ASSERT_TRUE(builder.Finish(dir.path() / "empty.block", &meta).ok());
  std::unique_ptr<BlockReader> reader;
  ASSERT_TRUE(BlockReader::Open(dir.path() / "empty.block", {}, &reader).ok());
  EXPECT_EQ(reader->meta().span_count, 0u);
  EXPECT_TRUE(ReadAll(*reader).empty());
  EXPECT_TRUE(reader->Services().empty());
  std::optional<model::TraceBatch> trace;
  EXPECT_TRUE(reader->FindTrace(model::TraceId::FromHighLow(1, 1), &trace).ok());
  EXPECT_FALSE(trace);
  std::vector<TraceHit> hits;
  EXPECT_TRUE(reader->Search({}, &hits).ok());
  EXPECT_TRUE(hits.empty());
}

TEST(BlockRoundTrip, FinishLeavesNoTemporaryFileAndFailsOnAMissingDirectory) {
  TempDir dir;
  BlockBuilder builder;
  builder.Add(GenerateSpans(10).ToBatch());
  ASSERT_TRUE(builder.Finish(dir.path() / "x.block", nullptr).ok());
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
  builder.Add(GenerateSpans(10).ToBatch());
  const Status status = builder.Finish(dir.path() / "missing" / "x.block", nullptr);
  EXPECT_EQ(status.code(), Status::Code::kIoError);
}

TEST(BlockLookup, FindsTracesAndOnlyTheirSpans) {
  TempDir dir;
  const auto data = GenerateSpans(30'000, {.seed = 3});
  auto reader = BuildBlock(data, dir.path() / "a.block");
  ASSERT_TRUE(reader);
  std::map<model::TraceId, std::vector<testing::FlatSpan>> expected;
  for (const auto& span : Flatten(data)) expected[span.span.trace_id].push_back(span);
  std::size_t checked = 0;
  for (const auto& [trace_id, spans] : expected) {
    if (checked++ % 7 != 0) continue;  // a sample from every row group keeps the debug build quick
    EXPECT_TRUE(reader->MayContain(trace_id));
    std::optional<model::TraceBatch> trace;
    ASSERT_TRUE(reader->FindTrace(trace_id, &trace).ok());
    ASSERT_TRUE(trace);
    EXPECT_EQ(Flatten(*trace), spans);
  }
}

TEST(BlockLookup, MissesIncludingBloomFalsePositives) {
  TempDir dir;
  const auto data = GenerateSpans(10'000, {.seed = 4});
  auto reader = BuildBlock(data, dir.path() / "a.block");
  ASSERT_TRUE(reader);
  std::size_t bloom_passes = 0;
  constexpr std::size_t kProbes = 20'000;
  for (std::uint64_t i = 0; i < kProbes; ++i) {
    const auto absent = model::TraceId::FromHighLow(i * 7919 + 13, i);
    bloom_passes += reader->MayContain(absent) ? 1 : 0;
    std::optional<model::TraceBatch> trace;
    ASSERT_TRUE(reader->FindTrace(absent, &trace).ok());
    EXPECT_FALSE(trace);
  }
  // 10 bits per trace: about 1% false positives; some must have gone down the index path.
  EXPECT_GT(bloom_passes, 0u);
  EXPECT_LT(bloom_passes, kProbes / 30);
  std::printf("bloom false positives: %zu of %zu (%.2f%%)\n", bloom_passes, kProbes, 100.0 * static_cast<double>(bloom_passes) / kProbes);
}

TEST(BlockLookup, SmallCacheStillAnswers) {
  TempDir dir;
  const auto data = GenerateSpans(20'000, {.seed = 5});
  BlockBuilder builder;
  builder.Add(data.ToBatch());
  ASSERT_TRUE(builder.Finish(dir.path() / "a.block", nullptr).ok());
  std::unique_ptr<BlockReader> reader;
  ASSERT_TRUE(BlockReader::Open(dir.path() / "a.block", {.cache_bytes = 1024}, &reader).ok());
  EXPECT_EQ(ReadAll(*reader), Flatten(data));
}

TEST(BlockCatalog, ServicesOperationsAndDependenciesMatchTheSpans) {
  TempDir dir;
  const auto data = GenerateSpans(5'000, {.seed = 9, .services = 5});
  auto reader = BuildBlock(data, dir.path() / "a.block");
  ASSERT_TRUE(reader);
  std::set<std::string> services;
  std::map<std::string, std::set<Operation>> operations;
  std::map<std::pair<std::string, std::string>, std::pair<std::uint64_t, std::uint64_t>> edges;
  std::map<model::SpanId, std::string> service_of;
  for (const auto& generated : data.spans) {
    service_of[generated.span.span_id] = std::get<std::string>(*model::FindAttribute(
        data.resources[generated.resource].resource.attributes, model::kServiceNameKey));
  }
  for (const auto& generated : data.spans) {
    const std::string& service = service_of[generated.span.span_id];
    services.insert(service);
    operations[service].insert({generated.span.name, generated.span.kind});
    const auto parent = service_of.find(generated.span.parent_span_id);
    if (parent != service_of.end() && parent->second != service) {
      auto& [calls, errors] = edges[{parent->second, service}];
      ++calls;
      errors += generated.span.status.code == model::StatusCode::kError;
    }
  }
  EXPECT_EQ(reader->Services(), std::vector<std::string>(services.begin(), services.end()));
  EXPECT_EQ(services.size(), 5u);
  for (const auto& [service, expected] : operations) {
    EXPECT_EQ(reader->Operations(service), std::vector<Operation>(expected.begin(), expected.end())) << service;
  }
  EXPECT_TRUE(reader->Operations("no-such-service").empty());
  std::vector<DependencyLink> expected_links;
  for (const auto& [pair, counts] : edges) expected_links.push_back({pair.first, pair.second, counts.first, counts.second});
  EXPECT_EQ(reader->Dependencies(), expected_links);
  EXPECT_FALSE(expected_links.empty());
}

TEST(BlockMerge, SpansOfOneTraceFromSeveralBlocksEndUpTogether) {
  TempDir dir;
  const auto data = GenerateSpans(8'000, {.seed = 11});
  // Deal the spans round-robin into three blocks, so every trace is split across them, and
  // repeat some spans in two blocks (a retried write).
  std::vector<testing::GeneratedSpans> parts(3, {data.resources, data.scopes, {}});
  for (std::size_t i = 0; i < data.spans.size(); ++i) {
    parts[i % 3].spans.push_back(data.spans[i]);
    if (i % 10 == 0) parts[(i + 1) % 3].spans.push_back(data.spans[i]);
  }
  std::vector<std::unique_ptr<BlockReader>> readers;
  std::vector<BlockReader*> inputs;
  for (std::size_t p = 0; p < parts.size(); ++p) {
    readers.push_back(BuildBlock(parts[p], dir.path() / ("part" + std::to_string(p) + ".block")));
    ASSERT_TRUE(readers.back());
    inputs.push_back(readers.back().get());
  }
  BlockMeta meta;
  ASSERT_TRUE(MergeBlocks(inputs, dir.path() / "merged.block", &meta).ok());
  EXPECT_EQ(meta.span_count, data.spans.size());
  EXPECT_EQ(meta.trace_count, data.TraceIds().size());
  std::unique_ptr<BlockReader> merged;
  ASSERT_TRUE(BlockReader::Open(dir.path() / "merged.block", {}, &merged).ok());
  EXPECT_EQ(ReadAll(*merged), Flatten(data));
  const model::TraceId some_trace = data.TraceIds()[3];
  std::optional<model::TraceBatch> trace;
  ASSERT_TRUE(merged->FindTrace(some_trace, &trace).ok());
  ASSERT_TRUE(trace);
  std::size_t expected_spans = 0;
  for (const auto& generated : data.spans) expected_spans += generated.span.trace_id == some_trace;
  EXPECT_EQ(trace->SpanCount(), expected_spans);
}

}  // namespace
}  // namespace hoptrace::store::block
