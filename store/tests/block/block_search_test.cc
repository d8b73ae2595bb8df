// Search on the columns must agree with store::Matches span by span, and summaries with the spans.

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>

#include "block/block.h"
#include "block_test_util.h"

namespace hoptrace::store::block {
namespace {

using testing::BuildBlock;
using testing::GeneratedSpans;
using testing::GenerateSpans;
using testing::TempDir;

// Random filters over the fields the generator fills, with literals that hit and miss.
class FilterMaker {
 public:
  explicit FilterMaker(std::uint64_t seed) : rng_(seed) {}

  SpanFilterPtr Make(int depth = 0) {
    const auto pick = rng_() % 10;
    if (depth < 2 && pick < 2) return SpanFilter::And(Children(depth));
    if (depth < 2 && pick < 4) return SpanFilter::Or(Children(depth));
    return SpanFilter::Compare(MakeComparison());
  }

 private:
  std::vector<SpanFilterPtr> Children(int depth) {
    std::vector<SpanFilterPtr> children;
    for (std::size_t i = 0, n = 1 + rng_() % 3; i < n; ++i) children.push_back(Make(depth + 1));
    return children;
  }

  CompareOp Op() {
    static constexpr CompareOp kOps[] = {CompareOp::kEq, CompareOp::kNe,    CompareOp::kLt,       CompareOp::kLe,
                                         CompareOp::kGt, CompareOp::kGe,    CompareOp::kRegex,    CompareOp::kNotRegex,
                                         CompareOp::kExists};
    return kOps[rng_() % std::size(kOps)];
  }

  Literal Text(std::initializer_list<const char*> options) {
    const std::vector<const char*> v(options);
    return std::string(v[rng_() % v.size()]);
  }

  Comparison MakeComparison() {
    Comparison c;
    c.op = Op();
    switch (rng_() % 12) {
      case 0: c.field.intrinsic = Intrinsic::kName; c.value = Text({"GET /api/cart", "SELECT", "render", "POST", "G.*", "zzz"}); break;
      case 1: c.field.intrinsic = Intrinsic::kServiceName; c.value = Text({"frontend", "payments", "p.*s", "nope"}); break;
      case 2:
        c.field.intrinsic = Intrinsic::kKind;
        c.value = static_cast<model::SpanKind>(rng_() % 6);
        break;
      case 3:
        c.field.intrinsic = Intrinsic::kStatus;
        c.value = static_cast<model::StatusCode>(rng_() % 3);
        break;
      case 4: c.field.intrinsic = Intrinsic::kStatusMessage; c.value = Text({"upstream timeout", "", "time"}); break;
      case 5:
        c.field.intrinsic = Intrinsic::kDuration;
        c.value = rng_() % 2 ? Literal(std::int64_t(rng_() % 200'000'000)) : Literal(double(rng_() % 100'000'000));
        break;
      case 6: Attribute(c, "http.status_code", Literal(std::int64_t(rng_() % 2 ? 200 : 503))); break;
      case 7: Attribute(c, "http.route", Text({"/api/cart", "/api/users/{id}", "/api/.*", "/none"})); break;
      case 8: Attribute(c, "user.id", Text({"user-1", "user-2", "user-4.*", "user-30000"})); break;
      case 9: Attribute(c, "retry", Literal(rng_() % 2 == 0)); break;
      case 10: Attribute(c, rng_() % 2 ? "host.name" : "service.version", Text({"frontend-1", "1.2.0", "payments-0"})); break;
      default: Attribute(c, rng_() % 2 ? "sampling.ratio" : "feature.flags", Literal(0.25)); break;
    }
    if (rng_() % 15 == 0) c.value = Literal(std::int64_t(5));  // type mismatches
    return c;
  }

  void Attribute(Comparison& c, const char* key, Literal value) {
    c.field.attribute = key;
    c.field.scope = static_cast<AttributeScope>(rng_() % 3);
    c.value = std::move(value);
  }

  std::mt19937_64 rng_;
};

// What Search must return, computed with the reference Matches over the generated spans.
std::map<model::TraceId, std::vector<model::SpanId>> ExpectedMatches(const GeneratedSpans& data, const SpanFilter& filter,
                                                                    const TimeRange& range) {
  std::map<model::TraceId, std::vector<model::SpanId>> expected;
  for (const auto& generated : data.spans) {
    const model::Span& span = generated.span;
    if (range.Contains(span.start_time_unix_nano) && Matches(filter, span, data.resources[generated.resource].resource)) {
      expected[span.trace_id].push_back(span.span_id);
    }
  }
  for (auto& [trace, spans] : expected) std::sort(spans.begin(), spans.end());
  return expected;
}

class BlockSearchTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    data_ = new GeneratedSpans(GenerateSpans(10'000, {.seed = 21, .spread_nanos = 600'000'000'000ULL}));
    reader_ = BuildBlock(*data_, dir_->path() / "search.block").release();
  }
  static void TearDownTestSuite() {
    delete reader_;
    delete data_;
    delete dir_;
  }
  static TempDir* dir_;
  static GeneratedSpans* data_;
  static BlockReader* reader_;
};
TempDir* BlockSearchTest::dir_ = nullptr;
GeneratedSpans* BlockSearchTest::data_ = nullptr;
BlockReader* BlockSearchTest::reader_ = nullptr;

TEST_F(BlockSearchTest, RandomFiltersAgreeWithMatches) {
  FilterMaker maker(42);
  const std::uint64_t t0 = 1'700'000'000'000'000'000ULL;
  std::size_t non_empty = 0;
  for (int i = 0; i < 200; ++i) {
    const SpanFilterPtr filter = maker.Make();
    TimeRange range;
    if (i % 3 == 1) range = {t0 + 100'000'000'000ULL, t0 + 300'000'000'000ULL};
    const auto expected = ExpectedMatches(*data_, *filter, range);
    std::vector<TraceHit> hits;
    ASSERT_TRUE(reader_->Search({filter, range, SIZE_MAX}, &hits).ok());
    std::map<model::TraceId, std::vector<model::SpanId>> actual;
    for (const TraceHit& hit : hits) actual[hit.summary.trace_id] = hit.summary.matched_spans;
    ASSERT_EQ(actual, expected) << "filter #" << i;
    non_empty += expected.empty() ? 0 : 1;
  }
  // The filters are not vacuous: many match something, some match nothing.
  EXPECT_GT(non_empty, 60u);
  EXPECT_LT(non_empty, 200u);
}

TEST_F(BlockSearchTest, LatestTracesFirstUpToTheLimit) {
  const SpanFilterPtr filter = SpanFilter::Compare({{Intrinsic::kStatus}, CompareOp::kEq, model::StatusCode::kError});
  const auto expected = ExpectedMatches(*data_, *filter, {});
  std::vector<TraceHit> all, limited;
  ASSERT_TRUE(reader_->Search({filter, {}, SIZE_MAX}, &all).ok());
  ASSERT_TRUE(reader_->Search({filter, {}, 7}, &limited).ok());
  ASSERT_EQ(all.size(), expected.size());
  ASSERT_EQ(limited.size(), 7u);
  for (std::size_t i = 0; i < limited.size(); ++i) EXPECT_EQ(limited[i].summary.trace_id, all[i].summary.trace_id);
  for (std::size_t i = 1; i < all.size(); ++i) EXPECT_GE(all[i - 1].summary.start_unix_nano, all[i].summary.start_unix_nano);
}

TEST_F(BlockSearchTest, SummariesDescribeTheWholeTrace) {
  std::vector<TraceHit> hits;
  ASSERT_TRUE(reader_->Search({SpanFilter::True(), {}, SIZE_MAX}, &hits).ok());
  ASSERT_EQ(hits.size(), data_->TraceIds().size());
  std::map<model::TraceId, TraceSummary> expected;
  std::map<model::TraceId, std::uint64_t> ends;
  for (const auto& generated : data_->spans) {
    const model::Span& span = generated.span;
    const std::string service = std::get<std::string>(
        *model::FindAttribute(data_->resources[generated.resource].resource.attributes, model::kServiceNameKey));
    TraceSummary& summary = expected[span.trace_id];
    if (summary.span_count == 0) summary.start_unix_nano = UINT64_MAX;
    std::uint64_t& end = ends[span.trace_id];
    end = std::max(end, span.end_time_unix_nano);
    summary.start_unix_nano = std::min(summary.start_unix_nano, span.start_time_unix_nano);
    summary.duration_nanos = end - summary.start_unix_nano;
    ++summary.span_count;
    summary.error_count += span.status.code == model::StatusCode::kError;
    if (span.IsRoot()) {
      summary.root_service = service;
      summary.root_name = span.name;
    }
    if (std::find(summary.services.begin(), summary.services.end(), service) == summary.services.end()) {
      summary.services.insert(std::lower_bound(summary.services.begin(), summary.services.end(), service), service);
    }
  }
  for (const TraceHit& hit : hits) {
    const TraceSummary& want = expected[hit.summary.trace_id];
    EXPECT_TRUE(hit.root_found);
    EXPECT_EQ(hit.summary.root_service, want.root_service);
    EXPECT_EQ(hit.summary.root_name, want.root_name);
    EXPECT_EQ(hit.summary.start_unix_nano, want.start_unix_nano);
    EXPECT_EQ(hit.summary.duration_nanos, want.duration_nanos);
    EXPECT_EQ(hit.summary.span_count, want.span_count);
    EXPECT_EQ(hit.summary.error_count, want.error_count);
    EXPECT_EQ(hit.summary.services, want.services);
    EXPECT_EQ(hit.summary.matched_spans.size(), want.span_count);
  }
}

// The `limit` most recent traces of `expected` (MoreRecent: trace start, then ID), as ID -> spans.
std::vector<std::pair<model::TraceId, std::vector<model::SpanId>>> MostRecent(
    const GeneratedSpans& data, const std::map<model::TraceId, std::vector<model::SpanId>>& expected, std::size_t limit) {
  std::map<model::TraceId, std::uint64_t> starts;
  for (const auto& generated : data.spans) {
    const auto [it, created] = starts.try_emplace(generated.span.trace_id, generated.span.start_time_unix_nano);
    if (!created) it->second = std::min(it->second, generated.span.start_time_unix_nano);
  }
  std::vector<std::pair<model::TraceId, std::vector<model::SpanId>>> ranked(expected.begin(), expected.end());
  std::sort(ranked.begin(), ranked.end(), [&](const auto& a, const auto& b) {
    const std::uint64_t start_a = starts.at(a.first), start_b = starts.at(b.first);
    return start_a != start_b ? start_a > start_b : a.first < b.first;
  });
  if (ranked.size() > limit) ranked.resize(limit);
  return ranked;
}

std::vector<std::pair<model::TraceId, std::vector<model::SpanId>>> IdsAndSpans(const std::vector<TraceHit>& hits) {
  std::vector<std::pair<model::TraceId, std::vector<model::SpanId>>> out;
  for (const TraceHit& hit : hits) out.emplace_back(hit.summary.trace_id, hit.summary.matched_spans);
  return out;
}

// Row groups hold traces in start order, so a limited search reads the latest groups only, and still
// returns exactly the most recent matches.
TEST_F(BlockSearchTest, LimitedSearchReadsOnlyTheLatestRowGroups) {
  std::unique_ptr<BlockSearch> search;
  ASSERT_TRUE(reader_->StartSearch({SpanFilter::True(), {}, 5}, &search).ok());
  std::size_t groups = 0;
  std::uint64_t previous = UINT64_MAX;
  while (const std::optional<std::uint64_t> latest = search->next_group_latest_start()) {
    EXPECT_LE(*latest, previous);  // latest traces first
    previous = *latest;
    std::vector<TraceHit> hits;
    ASSERT_TRUE(search->SearchNextGroup(&hits).ok());
    ++groups;
  }
  ASSERT_GT(groups, 1u);

  FilterMaker maker(7);
  for (int i = 0; i < 100; ++i) {
    const SpanFilterPtr filter = maker.Make();
    const std::size_t limit = 1 + static_cast<std::size_t>(i % 12);
    std::vector<TraceHit> hits;
    ASSERT_TRUE(reader_->Search({filter, {}, limit}, &hits).ok());
    EXPECT_EQ(IdsAndSpans(hits), MostRecent(*data_, ExpectedMatches(*data_, *filter, {}), limit)) << "filter #" << i;
  }
  ASSERT_TRUE(reader_->StartSearch({SpanFilter::True(), {}, 5}, &search).ok());
  LatestStarts latest(5);
  std::vector<TraceHit> hits;
  while (const auto next = search->next_group_latest_start()) {
    if (latest.Excludes(*next)) break;
    const std::size_t before = hits.size();
    ASSERT_TRUE(search->SearchNextGroup(&hits).ok());
    for (std::size_t i = before; i < hits.size(); ++i) latest.Add(hits[i].summary.start_unix_nano);
  }
  EXPECT_EQ(search->groups_searched(), 1u);  // a group holds far more than 5 traces
}

// SearchBlocks over several blocks that cover the same time agrees with Matches over all their
// spans, and reads only a few of their row groups for a limited search.
TEST(SearchBlocksTest, SeveralBlocksAgreeWithMatchesOverAllTheirSpans) {
  TempDir dir;
  GeneratedSpans all;
  std::vector<std::unique_ptr<BlockReader>> readers;
  std::vector<BlockReader*> pointers;
  for (std::uint64_t b = 0; b < 3; ++b) {
    // Seeds far apart: nearby seeds give the same stream shifted (and the same trace IDs).
    GeneratedSpans data = GenerateSpans(6'000, {.seed = (b + 1) * 1'000'000'007ULL, .spread_nanos = 600'000'000'000ULL});
    readers.push_back(BuildBlock(data, dir.path() / ("b" + std::to_string(b) + ".block")));
    pointers.push_back(readers.back().get());
    for (testing::GeneratedSpan& span : data.spans) span.resource += all.resources.size();
    all.resources.insert(all.resources.end(), data.resources.begin(), data.resources.end());
    all.spans.insert(all.spans.end(), data.spans.begin(), data.spans.end());
  }
  FilterMaker maker(99);
  const std::uint64_t t0 = 1'700'000'000'000'000'000ULL;
  for (int i = 0; i < 60; ++i) {
    const SpanFilterPtr filter = maker.Make();
    const std::size_t limit = i % 2 ? 20 : 3;
    const TimeRange range = i % 3 == 1 ? TimeRange{t0 + 100'000'000'000ULL, t0 + 300'000'000'000ULL} : TimeRange{};
    LatestStarts latest(limit);
    std::vector<TraceHit> hits;
    SearchBlocks(
        pointers, {filter, range, limit}, latest,
        [&](TraceHit& hit) {
          latest.Add(hit.summary.start_unix_nano);  // trace IDs differ between the blocks
          hits.push_back(hit);
        },
        [](BlockReader& reader, const Status& error) { ADD_FAILURE() << reader.path() << ": " << error.message(); });
    KeepMostRecent(hits, limit, [](const TraceHit& hit) -> const TraceSummary& { return hit.summary; });
    EXPECT_EQ(IdsAndSpans(hits), MostRecent(all, ExpectedMatches(all, *filter, range), limit)) << "filter #" << i;
  }
}

TEST_F(BlockSearchTest, RangeOutsideTheBlockReadsNothing) {
  std::vector<TraceHit> hits;
  ASSERT_TRUE(reader_->Search({SpanFilter::True(), {0, 1000}, 20}, &hits).ok());
  EXPECT_TRUE(hits.empty());
}

}  // namespace
}  // namespace hoptrace::store::block
