#include "engine/compaction_policy.h"

#include <algorithm>
#include <map>

namespace hoptrace::store::engine {

namespace {

// A fanout under 2 would never grow a block: treated as 2.
std::size_t FanoutOf(const CompactionPolicy& policy) { return std::max<std::size_t>(2, policy.fanout); }

struct Tier {
  std::size_t number = 0;
  std::uint64_t floor = 0;  // the fewest spans a block of the tier has
};

Tier TierOfSpans(std::uint64_t spans, const CompactionPolicy& policy) {
  const std::uint64_t fanout = FanoutOf(policy);
  std::uint64_t bound = std::max<std::size_t>(1, policy.cut_spans / fanout);
  Tier tier;
  while (spans >= bound) {
    tier = {tier.number + 1, bound};
    bound *= fanout;
  }
  return tier;
}

}  // namespace

std::size_t TierOf(std::uint64_t spans, const CompactionPolicy& policy) {
  return TierOfSpans(spans, policy).number;
}

bool MergeMayTake(std::uint64_t spans, const CompactionPolicy& policy) {
  const std::uint64_t fanout = FanoutOf(policy);
  return policy.max_bytes > 0 && TierOfSpans(spans, policy).floor * fanout <= policy.max_spans;
}

std::vector<std::vector<std::size_t>> PlanMerges(std::span<const BlockSize> blocks, const CompactionPolicy& policy) {
  const std::size_t fanout = FanoutOf(policy);
  std::map<std::size_t, std::vector<std::size_t>> by_tier;  // each in start-time order
  for (std::size_t index = 0; index < blocks.size(); ++index) {
    by_tier[TierOf(blocks[index].spans, policy)].push_back(index);
  }
  std::vector<std::vector<std::size_t>> merges;
  for (const auto& [tier, members] : by_tier) {
    for (std::size_t first = 0; first + fanout <= members.size(); first += fanout) {
      BlockSize sum;
      for (std::size_t at = first; at < first + fanout; ++at) {
        sum.spans += blocks[members[at]].spans;
        sum.bytes += blocks[members[at]].bytes;
      }
      if (sum.spans > policy.max_spans || sum.bytes > policy.max_bytes) break;  // the top tier
      merges.emplace_back(members.begin() + static_cast<std::ptrdiff_t>(first),
                          members.begin() + static_cast<std::ptrdiff_t>(first + fanout));
    }
  }
  return merges;
}

std::vector<std::size_t> PlanRewrites(std::span<const BlockSize> blocks,
                                      const std::vector<std::vector<std::size_t>>& merges, bool no_partners_coming,
                                      std::chrono::nanoseconds max_raw_wait) {
  std::vector<bool> merged(blocks.size(), false);
  for (const std::vector<std::size_t>& group : merges) {
    for (const std::size_t index : group) merged[index] = true;
  }
  std::vector<std::size_t> rewrites;
  for (std::size_t index = 0; index < blocks.size(); ++index) {
    const BlockSize& block = blocks[index];
    if (block.stored_raw && !merged[index] && (no_partners_coming || block.waited >= max_raw_wait)) rewrites.push_back(index);
  }
  return rewrites;
}

}  // namespace hoptrace::store::engine
