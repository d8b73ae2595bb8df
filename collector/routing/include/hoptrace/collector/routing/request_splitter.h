#pragma once
// The router's per-request work without the network: each span of a scanned OTLP request goes to the
// node that owns its trace ID, and each node's spans become one valid ExportTraceServiceRequest,
// re-assembled from the spans' encoded bytes (otlp::wire::RequestWriter; no protobuf objects).
// Reusable: buffers are kept between requests, so a warm splitter allocates nothing per span.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "hoptrace/collector/routing/hash_ring.h"
#include "hoptrace/otlp/wire.h"

namespace hoptrace::collector::routing {

class RequestSplitter {
 public:
  // Groups `spans` (indices into scan.spans) by the first node clockwise from each trace's point
  // whose `usable[node]` is set. False when a span has no usable node (nothing is grouped then).
  bool Assign(const otlp::wire::ScannedRequest& scan, std::span<const std::uint32_t> spans, const HashRing& ring,
              const std::vector<char>& usable);

  // Writes the request of every node that received spans. The scan's views must still be valid.
  void Write(const otlp::wire::ScannedRequest& scan);

  std::size_t node_count() const { return spans_of_node_.size(); }
  // The nodes that received spans, in node order.
  const std::vector<std::uint32_t>& destinations() const { return destinations_; }
  const std::vector<std::uint32_t>& spans_of(std::size_t node) const { return spans_of_node_[node]; }
  const std::string& request_of(std::size_t node) const { return request_of_node_[node]; }

 private:
  std::vector<std::vector<std::uint32_t>> spans_of_node_;
  std::vector<std::string> request_of_node_;
  std::vector<std::uint32_t> destinations_;
  otlp::wire::RequestWriter writer_;
};

}  // namespace hoptrace::collector::routing
