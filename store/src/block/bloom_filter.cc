#include "block/bloom_filter.h"

#include <xxhash.h>

#include <algorithm>
#include <bit>

namespace hoptrace::store::block {
namespace {

std::uint64_t HashOf(const model::TraceId& trace_id) { return XXH64(trace_id.data(), model::TraceId::kSize, 0); }

}  // namespace

std::string BuildBloomFilter(const std::vector<model::TraceId>& trace_ids, std::size_t bits_per_key) {
  // k = ln 2 * bits per key rounds to the fewest false positives.
  const std::size_t probes = std::clamp<std::size_t>(bits_per_key * 69 / 100, 1, 30);
  const std::size_t bits = std::max<std::size_t>(64, trace_ids.size() * bits_per_key);
  const std::size_t bytes = (bits + 7) / 8;
  std::string filter(bytes, '\0');
  for (const model::TraceId& trace_id : trace_ids) {
    std::uint64_t hash = HashOf(trace_id);
    const std::uint64_t delta = std::rotl(hash, 21);
    for (std::size_t i = 0; i < probes; ++i) {
      const std::uint64_t bit = hash % (bytes * 8);
      filter[bit / 8] = static_cast<char>(filter[bit / 8] | (1 << (bit % 8)));
      hash += delta;
    }
  }
  filter.push_back(static_cast<char>(probes));
  return filter;
}

bool BloomMayContain(std::string_view filter, const model::TraceId& trace_id) {
  if (filter.size() < 2) return true;
  const std::size_t probes = static_cast<std::uint8_t>(filter.back());
  const std::size_t bytes = filter.size() - 1;
  if (probes == 0 || probes > 30) return true;
  std::uint64_t hash = HashOf(trace_id);
  const std::uint64_t delta = std::rotl(hash, 21);
  for (std::size_t i = 0; i < probes; ++i) {
    const std::uint64_t bit = hash % (bytes * 8);
    if ((static_cast<std::uint8_t>(filter[bit / 8]) & (1 << (bit % 8))) == 0) return false;
    hash += delta;
  }
  return true;
}

}  // namespace hoptrace::store::block
