#pragma once
// The per-block bloom filter over trace IDs (LevelDB's scheme: k probes by double hashing, k stored
// in the last byte), so a lookup for a trace the block does not hold usually reads nothing else.

#include <string>
#include <string_view>
#include <vector>

#include "hoptrace/model/ids.h"

namespace hoptrace::store::block {

std::string BuildBloomFilter(const std::vector<model::TraceId>& trace_ids, std::size_t bits_per_key);
// A malformed filter answers true (it cannot rule anything out).
bool BloomMayContain(std::string_view filter, const model::TraceId& trace_id);

}  // namespace hoptrace::store::block
