#pragma once
// A consistent-hash ring on the trace ID: every node (a "host:port" destination) owns
// `virtual_nodes` points on a 64-bit circle; a trace belongs to the node of the first point at or
// after the trace's hash, going clockwise. Adding or removing one of N nodes moves only the traces
// between the changed node's points and their predecessors: about 1/N of them.
//
// Hash: 64-bit words mixed with MurmurHash3's fmix64 finalizer. A trace ID hashes as
// fmix64(high ^ fmix64(low)), so IDs that differ in one half only (64-bit Zipkin IDs padded with
// zeros, time-prefixed IDs) still spread evenly; a virtual node hashes as fmix64 of the FNV-1a of
// its node name xor fmix64 of its index. The ring is immutable: membership changes build a new one.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hoptrace/model/ids.h"

namespace hoptrace::collector::routing {

std::uint64_t HashTraceId(const model::TraceId& trace_id);

class HashRing {
 public:
  static constexpr std::size_t kDefaultVirtualNodes = 256;

  HashRing() = default;
  // Duplicate names count once; node indices follow the sorted, de-duplicated names, so two routers
  // given the same nodes in any order build the same ring.
  explicit HashRing(std::vector<std::string> nodes, std::size_t virtual_nodes = kDefaultVirtualNodes);

  const std::vector<std::string>& nodes() const { return nodes_; }
  std::size_t size() const { return nodes_.size(); }
  bool empty() const { return nodes_.empty(); }

  // The index (into nodes()) of the node that owns the trace. Requires !empty().
  std::size_t Owner(const model::TraceId& trace_id) const { return points_[PointOf(HashTraceId(trace_id))].node; }

  // The first node clockwise from the trace's point for which `usable(index)` holds: the owner when
  // it is usable, else the trace's next node on the ring. nullopt when no node is usable.
  template <typename Usable>
  std::optional<std::size_t> OwnerAmong(const model::TraceId& trace_id, Usable&& usable) const {
    if (points_.empty()) return std::nullopt;
    const std::size_t first = PointOf(HashTraceId(trace_id));
    // Every node appears within one lap; a lap visits each point once.
    for (std::size_t step = 0; step < points_.size(); ++step) {
      const std::uint32_t node = points_[(first + step) % points_.size()].node;
      if (usable(static_cast<std::size_t>(node))) return node;
    }
    return std::nullopt;
  }

 private:
  struct Point {
    std::uint64_t hash;
    std::uint32_t node;
  };
  std::size_t PointOf(std::uint64_t hash) const;  // the first point at or after `hash`, wrapping

  std::vector<std::string> nodes_;
  std::vector<Point> points_;  // sorted by hash
};

}  // namespace hoptrace::collector::routing
