#include "hoptrace/collector/routing/hash_ring.h"

#include <algorithm>
#include <string_view>

namespace hoptrace::collector::routing {
namespace {

// MurmurHash3's 64-bit finalizer: every input bit affects every output bit.
constexpr std::uint64_t Fmix64(std::uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

constexpr std::uint64_t Fnv1a64(std::string_view bytes) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char c : bytes) {
    hash ^= static_cast<std::uint8_t>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

std::uint64_t HashVirtualNode(std::string_view node, std::uint64_t index) {
  return Fmix64(Fnv1a64(node) ^ Fmix64(index + 1));
}

}  // namespace

std::uint64_t HashTraceId(const model::TraceId& trace_id) {
  const std::uint64_t high = model::ReadBigEndian(trace_id.data(), 8);
  const std::uint64_t low = model::ReadBigEndian(trace_id.data() + 8, 8);
  return Fmix64(high ^ Fmix64(low));
}

HashRing::HashRing(std::vector<std::string> nodes, std::size_t virtual_nodes) : nodes_(std::move(nodes)) {
  std::sort(nodes_.begin(), nodes_.end());
  nodes_.erase(std::unique(nodes_.begin(), nodes_.end()), nodes_.end());
  points_.reserve(nodes_.size() * virtual_nodes);
  for (std::size_t node = 0; node < nodes_.size(); ++node) {
    for (std::size_t v = 0; v < virtual_nodes; ++v) {
      points_.push_back({HashVirtualNode(nodes_[node], v), static_cast<std::uint32_t>(node)});
    }
  }
  // Equal hashes (vanishingly rare) are ordered by node name, so every router agrees.
  std::sort(points_.begin(), points_.end(), [](const Point& a, const Point& b) {
    return a.hash != b.hash ? a.hash < b.hash : a.node < b.node;
  });
}

std::size_t HashRing::PointOf(std::uint64_t hash) const {
  const auto it =
      std::lower_bound(points_.begin(), points_.end(), hash, [](const Point& p, std::uint64_t h) { return p.hash < h; });
  return it == points_.end() ? 0 : static_cast<std::size_t>(it - points_.begin());
}

}  // namespace hoptrace::collector::routing
