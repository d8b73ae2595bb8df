#include "engine/compaction_policy.h"

#include <gtest/gtest.h>

#include <random>

namespace hoptrace::store::engine {
namespace {

const CompactionPolicy kPolicy{.cut_spans = 100'000, .fanout = 4, .max_spans = 1'000'000, .max_bytes = 256ull << 20};

std::vector<BlockSize> BlocksOf(std::initializer_list<std::uint64_t> spans) {
  std::vector<BlockSize> blocks;
  for (const std::uint64_t count : spans) blocks.push_back({.spans = count, .bytes = count * 35});
  return blocks;
}

TEST(CompactionPolicyTest, TiersArePowersOfTheFanoutAboveAQuarterCut) {
  EXPECT_EQ(TierOf(1, kPolicy), 0u);
  EXPECT_EQ(TierOf(24'999, kPolicy), 0u);
  EXPECT_EQ(TierOf(25'000, kPolicy), 1u);
  EXPECT_EQ(TierOf(99'999, kPolicy), 1u);
  EXPECT_EQ(TierOf(100'000, kPolicy), 2u);  // a full cut block
  EXPECT_EQ(TierOf(400'000, kPolicy), 3u);  // four of them merged
}

TEST(CompactionPolicyTest, MergesFanoutBlocksOfOneTierOldestFirstAndLeavesTheRest) {
  // Time order: two full cuts, a tail, two full cuts, two tails, a full cut, a tail.
  const auto blocks = BlocksOf({100'000, 100'000, 3'000, 100'000, 100'000, 2'000, 5'000, 100'000, 1'000});
  const auto merges = PlanMerges(blocks, kPolicy);
  ASSERT_EQ(merges.size(), 2u);
  EXPECT_EQ(merges[0], (std::vector<std::size_t>{2, 5, 6, 8}));  // the four tails (tier 0)
  EXPECT_EQ(merges[1], (std::vector<std::size_t>{0, 1, 3, 4}));  // the four oldest full cuts (tier 2)
}

TEST(CompactionPolicyTest, FewerThanFanoutBlocksOfATierAreNotMerged) {
  EXPECT_TRUE(PlanMerges(BlocksOf({100'000, 100'000, 100'000, 20'000, 20'000, 20'000}), kPolicy).empty());
}

TEST(CompactionPolicyTest, ATierWhoseMergeWouldPassTheSpanOrByteLimitIsFinal) {
  EXPECT_TRUE(PlanMerges(BlocksOf({400'000, 400'000, 400'000, 400'000}), kPolicy).empty());
  CompactionPolicy small_bytes = kPolicy;
  small_bytes.max_bytes = 4 * 100'000 * 35 - 1;
  EXPECT_TRUE(PlanMerges(BlocksOf({100'000, 100'000, 100'000, 100'000}), small_bytes).empty());
  EXPECT_EQ(PlanMerges(BlocksOf({100'000, 100'000, 100'000, 100'000}), kPolicy).size(), 1u);
}

// A cut writes a block compressed when no merge can ever take it. With max_spans at the cut's size
// (the default) that is a full cut block; with 1 M, only a block too big for four of its tier to fit.
TEST(CompactionPolicyTest, AMergeMayTakeABlockOnlyIfFanoutBlocksOfItsTierFit) {
  const CompactionPolicy defaults;
  EXPECT_TRUE(MergeMayTake(1, defaults));
  EXPECT_TRUE(MergeMayTake(99'999, defaults));    // tier 1: four blocks of 25k fit in 100k
  EXPECT_FALSE(MergeMayTake(100'000, defaults));  // a full cut: final as cut
  EXPECT_TRUE(PlanMerges(BlocksOf({100'000, 100'000, 100'000, 100'000}), defaults).empty());
  EXPECT_TRUE(MergeMayTake(100'000, kPolicy));  // four make a 400k block
  EXPECT_TRUE(MergeMayTake(399'999, kPolicy));
  EXPECT_FALSE(MergeMayTake(400'000, kPolicy));
  CompactionPolicy no_bytes = kPolicy;
  no_bytes.max_bytes = 0;
  EXPECT_FALSE(MergeMayTake(1, no_bytes));
}

// Raw blocks that a merge takes wait for it; the others are rewritten alone once no partners are
// coming, or else once they have waited; compressed blocks never are.
TEST(CompactionPolicyTest, LoneRawBlocksAreRewrittenOnceSpansStopOrAfterTheirWait) {
  using std::chrono::seconds;
  auto blocks = BlocksOf({100'000, 100'000, 100'000, 100'000, 100'000, 3'000, 2'000});
  for (BlockSize& block : blocks) block.stored_raw = true;
  blocks[6].stored_raw = false;  // a compacted block
  blocks[1].waited = blocks[4].waited = blocks[5].waited = seconds(30);
  const auto merges = PlanMerges(blocks, kPolicy);
  ASSERT_EQ(merges, (std::vector<std::vector<std::size_t>>{{0, 1, 2, 3}}));
  EXPECT_EQ(PlanRewrites(blocks, merges, /*no_partners_coming=*/true, seconds(30)), (std::vector<std::size_t>{4, 5}));
  EXPECT_EQ(PlanRewrites(blocks, merges, false, seconds(30)), (std::vector<std::size_t>{4, 5}));
  EXPECT_EQ(PlanRewrites(blocks, merges, false, seconds(31)), std::vector<std::size_t>{});
  EXPECT_EQ(PlanRewrites(blocks, {}, false, seconds(30)), (std::vector<std::size_t>{1, 4, 5}));
}

// A long ingest simulated on sizes alone: cuts of full blocks with tails of random size, compaction
// after each cut until it has nothing to merge. The block count stays under the policy's bound, and
// each span is rewritten about once per tier it climbs.
TEST(CompactionPolicyTest, BlockCountStaysBoundedAndSpansAreRewrittenOncePerTier) {
  std::mt19937_64 random(7);
  std::uniform_int_distribution<std::uint64_t> tail(1, 30'000);
  std::vector<BlockSize> blocks;
  std::uint64_t ingested = 0, rewritten = 0;
  std::size_t most_blocks = 0;
  for (int cut = 0; cut < 2'000; ++cut) {
    const std::uint64_t spans = cut % 3 == 2 ? tail(random) : 100'000;
    blocks.push_back({.spans = spans, .bytes = spans * 35});
    ingested += spans;
    for (auto merges = PlanMerges(blocks, kPolicy); !merges.empty(); merges = PlanMerges(blocks, kPolicy)) {
      std::vector<bool> merged(blocks.size());
      std::vector<BlockSize> next;
      for (const auto& group : merges) {
        BlockSize sum;
        for (const std::size_t index : group) {
          sum.spans += blocks[index].spans;
          sum.bytes += blocks[index].bytes;
          merged[index] = true;
        }
        rewritten += sum.spans;
        next.push_back(sum);  // stands for the output at its inputs' place in time (order does not matter here)
      }
      for (std::size_t index = 0; index < blocks.size(); ++index) {
        if (!merged[index]) next.push_back(blocks[index]);
      }
      blocks = std::move(next);
    }
    most_blocks = std::max(most_blocks, blocks.size());
  }
  // The bound: fewer than `fanout` blocks in each tier below the top (tiers 0-3 here), top-tier
  // blocks of more than max_spans / fanout² spans.
  const std::uint64_t top_tier_bound = ingested / (kPolicy.max_spans / (kPolicy.fanout * kPolicy.fanout));
  EXPECT_LE(blocks.size(), top_tier_bound + 4 * (kPolicy.fanout - 1));
  const double write_amplification = static_cast<double>(rewritten) / static_cast<double>(ingested);
  // Full cuts climb one tier (100k -> 400k), tails at most three: about once per span.
  EXPECT_GT(write_amplification, 0.9);
  EXPECT_LT(write_amplification, 1.5);
  RecordProperty("write_amplification", std::to_string(write_amplification));
  RecordProperty("blocks", std::to_string(blocks.size()));
  RecordProperty("most_blocks", std::to_string(most_blocks));
}

}  // namespace
}  // namespace hoptrace::store::engine
