// Reads of one block as the engine does them between a cut and its compaction: a block of a cut's
// size (EmbeddedStoreOptions::cut_max_spans, 100,000 of the store generator's spans) written raw
// (kFreshBlockZstdLevel), and for comparison the same spans compressed (kCompactedBlockZstdLevel).
// Each iteration opens the block afresh, so the reader's section cache starts empty. Timed:
//   FindTraces       FindTrace of every 16th trace of the block (trace by ID) by a reader without a
//                    section cache: each lookup reads its index page and row group from the file, as
//                    one does in the store when the block's sections are not cached (yet)
//   SearchRareValue  a search whose filter matches almost no span: every row group's search columns
//   ForEachSpan      every span decoded in block order (what a merge reads of its inputs)
// The last two use the engine's reader options.
// The argument is the zstd level the block was written at (0: raw). Setup is not timed.

#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>

#include "block/block.h"
#include "span_generator.h"

namespace {

using namespace hoptrace;

constexpr std::size_t kBlockSpans = 100'000;

struct WrittenBlocks {
  std::filesystem::path dir;
  std::vector<model::TraceId> trace_ids;
  std::map<int, std::filesystem::path> by_level;

  ~WrittenBlocks() { std::filesystem::remove_all(dir); }
};

// The generated spans written once at each level, built on first use.
const WrittenBlocks& Blocks() {
  static const std::unique_ptr<WrittenBlocks> blocks = [] {
    auto owned = std::make_unique<WrittenBlocks>();
    char dir_template[] = "/tmp/hoptrace_block_read_bench_XXXXXX";
    if (mkdtemp(dir_template) == nullptr) std::abort();
    owned->dir = dir_template;
    const store::testing::GeneratedSpans spans = store::testing::GenerateSpans(kBlockSpans);
    owned->trace_ids = spans.TraceIds();
    const model::TraceBatch batch = spans.ToBatch();
    for (const int level : {store::block::kFreshBlockZstdLevel, store::block::kCompactedBlockZstdLevel}) {
      store::block::BlockBuilder builder(level);
      builder.Add(batch);
      const std::filesystem::path path = owned->dir / ("level" + std::to_string(level) + ".block");
      if (!builder.Finish(path, nullptr).ok()) std::abort();
      owned->by_level[level] = path;
    }
    return owned;
  }();
  return *blocks;
}

std::unique_ptr<store::block::BlockReader> OpenBlock(benchmark::State& state, const store::block::ReaderOptions& options = {}) {
  std::unique_ptr<store::block::BlockReader> reader;
  const store::Status status =
      store::block::BlockReader::Open(Blocks().by_level.at(static_cast<int>(state.range(0))), options, &reader);
  if (!status.ok()) state.SkipWithError(status.message().c_str());
  return reader;
}

void SetCounters(benchmark::State& state, std::size_t items) {
  state.counters["block_bytes"] = static_cast<double>(std::filesystem::file_size(Blocks().by_level.at(static_cast<int>(state.range(0)))));
  state.counters["us_per_item"] = benchmark::Counter(static_cast<double>(items) / 1e6,
                                                     benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void BM_FindTraces(benchmark::State& state) {
  constexpr std::size_t kStride = 16;
  const WrittenBlocks& blocks = Blocks();
  for (auto _ : state) {
    const auto reader = OpenBlock(state, {.cache_bytes = 0});
    if (!reader) break;
    for (std::size_t i = 0; i < blocks.trace_ids.size(); i += kStride) {
      std::optional<model::TraceBatch> trace;
      if (!reader->FindTrace(blocks.trace_ids[i], &trace).ok() || !trace) state.SkipWithError("a trace of the block was not found");
      benchmark::DoNotOptimize(trace);
    }
  }
  SetCounters(state, (blocks.trace_ids.size() + kStride - 1) / kStride);
}

void BM_SearchRareValue(benchmark::State& state) {
  store::SearchRequest request;
  request.filter = std::make_shared<const store::SpanFilter>(store::SpanFilter{
      .kind = store::SpanFilter::Kind::kComparison,
      .comparison = {.field = {.scope = store::AttributeScope::kSpan, .attribute = "http.request_content_length"},
                     .op = store::CompareOp::kGt,
                     .value = std::int64_t{19'995}}});
  std::vector<store::block::TraceHit> hits;
  for (auto _ : state) {
    const auto reader = OpenBlock(state);
    if (!reader) break;
    hits.clear();
    if (!reader->Search(request, &hits).ok()) state.SkipWithError("search failed");
  }
  state.counters["hits"] = static_cast<double>(hits.size());
  SetCounters(state, 1);
}

void BM_ForEachSpan(benchmark::State& state) {
  std::size_t spans = 0;
  for (auto _ : state) {
    const auto reader = OpenBlock(state);
    if (!reader) break;
    spans = 0;
    const store::Status status = reader->ForEachSpan([&](const model::Span&, const auto&, const auto&) {
      ++spans;
      return true;
    });
    if (!status.ok()) state.SkipWithError(status.message().c_str());
  }
  SetCounters(state, spans);
}

void Levels(benchmark::internal::Benchmark* benchmark) {
  benchmark->ArgName("zstd_level")->Arg(store::block::kFreshBlockZstdLevel)->Arg(store::block::kCompactedBlockZstdLevel);
  benchmark->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();
}
BENCHMARK(BM_FindTraces)->Apply(Levels);
BENCHMARK(BM_SearchRareValue)->Apply(Levels);
BENCHMARK(BM_ForEachSpan)->Apply(Levels);

}  // namespace

BENCHMARK_MAIN();
