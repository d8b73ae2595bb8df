// The size target (bytes per span on disk) and rough lookup/search timings on realistic spans, and
// limited searches over several big blocks (the shape of the backend benchmark's store).
// Run for the figures: build/block/store/store_block_test --gtest_filter='BlockSize*'

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <map>

#include "block/block.h"
#include "block_test_util.h"
#include "hoptrace/metrics/cpu_time.h"

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

// ---- Search over several big blocks, the shape of the backend benchmark's 10 M-span store ----
// Defaults keep the test short; for the figures:
//   HOPTRACE_SEARCH_BLOCKS=7 HOPTRACE_SEARCH_BLOCK_SPANS=1430000 store_block_test --gtest_filter='SearchScale*'
std::size_t EnvCount(const char* name, std::size_t fallback) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::stoull(value) : fallback;
}

struct ScaleQuery {
  const char* label;
  SpanFilterPtr filter;
};

SpanFilterPtr ServiceAttributeDuration(const char* service, const char* key, CompareOp op, Literal value,
                                       std::int64_t min_duration) {
  return SpanFilter::And(
      {SpanFilter::Compare({{Intrinsic::kServiceName}, CompareOp::kEq, std::string(service)}),
       SpanFilter::Compare({{Intrinsic::kNone, AttributeScope::kSpan, key}, op, std::move(value)}),
       SpanFilter::Compare({{Intrinsic::kDuration}, CompareOp::kGt, min_duration})});
}

// The Jaeger form: tags match span or resource attributes, as a string or as a number.
SpanFilterPtr JaegerServiceTagDuration(const char* service, const char* key, const char* text, std::int64_t number,
                                       std::int64_t min_duration) {
  const Field tag{Intrinsic::kNone, AttributeScope::kAny, key};
  return SpanFilter::And(
      {SpanFilter::Compare({{Intrinsic::kServiceName}, CompareOp::kEq, std::string(service)}),
       SpanFilter::Or({SpanFilter::Compare({tag, CompareOp::kEq, std::string(text)}),
                       SpanFilter::Compare({tag, CompareOp::kEq, number})}),
       SpanFilter::Compare({{Intrinsic::kDuration}, CompareOp::kGe, min_duration})});
}

TEST(SearchScale, LimitedSearchesOverSeveralBigBlocks) {
  const std::size_t block_count = EnvCount("HOPTRACE_SEARCH_BLOCKS", 3);
  const std::size_t block_spans = EnvCount("HOPTRACE_SEARCH_BLOCK_SPANS", 60'000);
  constexpr std::uint64_t kHour = 3'600'000'000'000ULL;
  const std::uint64_t t0 = 1'700'000'000'000'000'000ULL;
  TempDir dir;
  std::vector<std::unique_ptr<BlockReader>> readers;
  auto start = std::chrono::steady_clock::now();
  for (std::size_t b = 0; b < block_count; ++b) {
    const auto data = GenerateSpans(block_spans, {.seed = (b + 1) * 1'000'000'007ULL, .start_unix_nano = t0, .spread_nanos = kHour});
    readers.push_back(testing::BuildBlock(data, dir.path() / ("scale" + std::to_string(b) + ".block")));
  }
  // Seeds far apart: the generator's streams for nearby seeds are the same stream shifted.
  std::vector<BlockReader*> reader_pointers;
  for (const auto& reader : readers) reader_pointers.push_back(reader.get());
  std::printf("built %zu blocks of %zu spans in %.0f ms\n", block_count, block_spans, MillisSince(start));

  constexpr std::int64_t kMs = 1'000'000;
  const std::vector<ScaleQuery> queries = {
      {"checkout, status >= 500, > 100ms",
       ServiceAttributeDuration("checkout", "http.status_code", CompareOp::kGe, std::int64_t{500}, 100 * kMs)},
      {"api-gateway, db.system = postgresql, > 50ms",
       ServiceAttributeDuration("api-gateway", "db.system", CompareOp::kEq, std::string("postgresql"), 50 * kMs)},
      {"frontend, retry = true, > 300ms",
       ServiceAttributeDuration("frontend", "retry", CompareOp::kEq, true, 300 * kMs)},
      {"jaeger checkout, 503, >= 100ms", JaegerServiceTagDuration("checkout", "http.status_code", "503", 503, 100 * kMs)},
  };
  for (const ScaleQuery& query : queries) {
    std::vector<double> millis, cpu_millis;
    std::size_t found = 0;
    for (int repetition = 0; repetition < 3; ++repetition) {
      start = std::chrono::steady_clock::now();
      const double cpu_start = metrics::ThreadCpuSeconds();
      std::map<model::TraceId, TraceHit> merged;
      LatestStarts latest(20);
      SearchBlocks(
          reader_pointers, {query.filter, {t0, t0 + kHour}, 20}, latest,
          [&](TraceHit& hit) {
            if (merged.try_emplace(hit.summary.trace_id, hit).second) latest.Add(hit.summary.start_unix_nano);
          },
          [](BlockReader& reader, const Status& error) { ADD_FAILURE() << reader.path() << ": " << error.message(); });
      millis.push_back(MillisSince(start));
      cpu_millis.push_back((metrics::ThreadCpuSeconds() - cpu_start) * 1e3);
      found = merged.size();
    }
    EXPECT_GT(found, 0u) << query.label;
    std::printf("search %-45s first %.1f ms (CPU %.1f), then %.1f / %.1f ms (CPU %.1f / %.1f) (%zu traces found)\n",
                query.label, millis[0], cpu_millis[0], millis[1], millis[2], cpu_millis[1], cpu_millis[2], found);
  }
}

}  // namespace
}  // namespace hoptrace::store::block
