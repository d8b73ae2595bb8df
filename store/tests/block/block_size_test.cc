// The size target (bytes per span on disk) and rough lookup/search timings on realistic spans.
// Run for the figures: build/block/store/store_block_test --gtest_filter='BlockSize*'

#include <gtest/gtest.h>

#include <chrono>

#include "block/block.h"
#include "block_test_util.h"

namespace hoptrace::store::block {
namespace {

using testing::GenerateSpans;
using testing::TempDir;

double MillisSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

TEST(BlockSize, HundredThousandRealisticSpansFitTheBudget) {
  TempDir dir;
  const auto data = GenerateSpans(100'000, {.seed = 2024});
  BlockBuilder builder;
  builder.Add(data.ToBatch());
  auto start = std::chrono::steady_clock::now();
  BlockMeta meta;
  ASSERT_TRUE(builder.Finish(dir.path() / "big.block", &meta).ok());
  const double build_ms = MillisSince(start);
  const double per_span = static_cast<double>(meta.file_bytes) / static_cast<double>(meta.span_count);
  std::printf("block: %llu spans, %llu traces, %llu bytes = %.1f bytes/span (span columns %.1f, index+bloom %.1f, "
              "summaries %.1f, dictionaries %.1f); built in %.0f ms\n",
              static_cast<unsigned long long>(meta.span_count), static_cast<unsigned long long>(meta.trace_count),
              static_cast<unsigned long long>(meta.file_bytes), per_span,
              static_cast<double>(meta.span_data_bytes) / static_cast<double>(meta.span_count),
              static_cast<double>(meta.index_bytes) / static_cast<double>(meta.span_count),
              static_cast<double>(meta.summary_bytes) / static_cast<double>(meta.span_count),
              static_cast<double>(meta.dictionary_bytes) / static_cast<double>(meta.span_count), build_ms);
  EXPECT_LT(per_span, 60.0);

  std::unique_ptr<BlockReader> reader;
  start = std::chrono::steady_clock::now();
  ASSERT_TRUE(BlockReader::Open(dir.path() / "big.block", {}, &reader).ok());
  const double open_ms = MillisSince(start);
  const auto trace_ids = data.TraceIds();
  constexpr std::size_t kLookups = 200;
  start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < kLookups; ++i) {
    std::optional<model::TraceBatch> trace;
    ASSERT_TRUE(reader->FindTrace(trace_ids[(i * 7919) % trace_ids.size()], &trace).ok());
    ASSERT_TRUE(trace);
  }
  const double lookup_ms = MillisSince(start) / kLookups;
  const auto filter = SpanFilter::And(
      {SpanFilter::Compare({{Intrinsic::kServiceName}, CompareOp::kEq, std::string("payments")}),
       SpanFilter::Compare({{Intrinsic::kNone, AttributeScope::kSpan, "http.status_code"}, CompareOp::kGe, std::int64_t{500}})});
  std::vector<TraceHit> hits;
  start = std::chrono::steady_clock::now();
  ASSERT_TRUE(reader->Search({filter, {}, 20}, &hits).ok());
  const double search_ms = MillisSince(start);
  start = std::chrono::steady_clock::now();
  ASSERT_TRUE(reader->Search({filter, {}, SIZE_MAX}, &hits).ok());
  const double search_all_ms = MillisSince(start);
  std::printf("open %.2f ms; FindTrace %.2f ms each (warm cache after the first); search limit 20: %.1f ms, "
              "unlimited: %.1f ms (%zu traces)\n",
              open_ms, lookup_ms, search_ms, search_all_ms, hits.size());
}

}  // namespace
}  // namespace hoptrace::store::block
