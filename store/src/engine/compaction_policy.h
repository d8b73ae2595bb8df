#pragma once
// Which blocks compaction merges: size-tiered, so that each span is rewritten once per tier it
// climbs instead of once per merge of a growing block with small ones.
//
// A block's tier is its span count on a scale of powers of `fanout` above the cut's block size:
// tier 0 below cut_spans / fanout (idle-trace cuts, slice tails), tier k below cut_spans × fanout^(k-1).
// Compaction merges `fanout` blocks of one tier, oldest first by start time, into one of a higher
// tier, as long as their sum fits in max_spans and max_bytes. A tier whose `fanout` oldest blocks do
// not fit is the top: its blocks are final. Each span is therefore rewritten at most once per tier
// between the block it was cut into and the top tier. With the defaults (cut 100k, fanout 4, max 100k)
// a full cut block is final as cut and a slice tail of 1k spans is rewritten at most three times; with max
// 1 M a full cut block is rewritten once more, into a 400k block, for 4× fewer blocks and no fewer
// bytes (docs/benchmarks.md).
//
// The bound on block count once compaction has caught up: fewer than `fanout` blocks in each tier
// below the top, and top-tier blocks of more than max_spans / fanout² spans each.
//
// A cut writes a block no merge can take (MergeMayTake) compressed, final as written, and any other
// raw (block::kFreshBlockZstdLevel), several times its compressed size: compaction compresses it,
// merged with its tier as above, or, when no merge takes it, rewritten alone once no cut can bring it
// partners (spans stopped arriving and the head is empty), or else once it has waited `max_raw_wait`
// (waiting gives its tier's next cuts a chance to make it a merge instead of a rewrite followed by a
// merge). The extra disk of raw blocks is thereby bounded by what is cut in that while plus the
// blocks whose merges are deferred. A group of raw blocks over max_bytes is not merged: each is
// rewritten alone first, and merges with its tier compressed.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace hoptrace::store::engine {

struct CompactionPolicy {
  std::size_t cut_spans = 100'000;  // the size cuts aim for (EmbeddedStoreOptions::cut_max_spans)
  std::size_t fanout = 4;           // blocks per merge, and the size ratio between tiers
  std::uint64_t max_spans = 100'000;
  std::uint64_t max_bytes = 256ull << 20;
};

struct BlockSize {
  std::uint64_t spans = 0;
  std::uint64_t bytes = 0;
  bool stored_raw = false;              // a fresh cut's block: to be compressed
  std::chrono::nanoseconds waited{0};   // since it was written (or loaded)
};

std::size_t TierOf(std::uint64_t spans, const CompactionPolicy& policy);

// Whether a merge may ever take a block of `spans` spans: `fanout` blocks of its tier fit in
// max_spans (by span count alone: what such a block will weigh is not known before it is written),
// and max_bytes is not 0 (then no merge fits).
bool MergeMayTake(std::uint64_t spans, const CompactionPolicy& policy);

// Groups of indices into `blocks` (ordered by start time) to merge, each `fanout` blocks of one
// tier; no block is in two groups.
std::vector<std::vector<std::size_t>> PlanMerges(std::span<const BlockSize> blocks, const CompactionPolicy& policy);

// Indices of the raw blocks no group of `merges` takes that are due for a rewrite of their own: all
// of them when `no_partners_coming`, else those that have waited max_raw_wait.
std::vector<std::size_t> PlanRewrites(std::span<const BlockSize> blocks,
                                      const std::vector<std::vector<std::size_t>>& merges, bool no_partners_coming,
                                      std::chrono::nanoseconds max_raw_wait);

}  // namespace hoptrace::store::engine
