#include "hoptrace/collector/routing/request_splitter.h"

#include <algorithm>

namespace hoptrace::collector::routing {

bool RequestSplitter::Assign(const otlp::wire::ScannedRequest& scan, std::span<const std::uint32_t> spans,
                             const HashRing& ring, const std::vector<char>& usable) {
  if (spans_of_node_.size() < ring.size()) {
    spans_of_node_.resize(ring.size());
    request_of_node_.resize(ring.size());
  }
  for (const std::uint32_t node : destinations_) spans_of_node_[node].clear();
  destinations_.clear();
  const auto is_usable = [&](std::size_t node) { return usable[node] != 0; };
  for (const std::uint32_t span : spans) {
    const auto node = ring.OwnerAmong(scan.spans[span].trace_id, is_usable);
    if (!node) {
      for (const std::uint32_t n : destinations_) spans_of_node_[n].clear();
      destinations_.clear();
      return false;
    }
    auto& of_node = spans_of_node_[*node];
    if (of_node.empty()) destinations_.push_back(static_cast<std::uint32_t>(*node));
    of_node.push_back(span);
  }
  std::sort(destinations_.begin(), destinations_.end());
  return true;
}

void RequestSplitter::Write(const otlp::wire::ScannedRequest& scan) {
  for (const std::uint32_t node : destinations_) {
    for (const std::uint32_t span : spans_of_node_[node]) writer_.Add(scan, span);
    std::string& request = request_of_node_[node];
    request.clear();
    writer_.Finish(&request);
  }
}

}  // namespace hoptrace::collector::routing
