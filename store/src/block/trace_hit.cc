#include <algorithm>

#include "block/block.h"

namespace hoptrace::store::block {
namespace {

template <typename T>
void UniteSorted(std::vector<T>& into, const std::vector<T>& other) {
  std::vector<T> united;
  united.reserve(into.size() + other.size());
  std::set_union(into.begin(), into.end(), other.begin(), other.end(), std::back_inserter(united));
  into = std::move(united);
}

}  // namespace

void MergeHits(TraceHit& into, const TraceHit& other) {
  TraceSummary& a = into.summary;
  const TraceSummary& b = other.summary;
  const std::uint64_t end = std::max(a.start_unix_nano + a.duration_nanos, b.start_unix_nano + b.duration_nanos);
  // The root: a real root wins; between two of the same kind, the earlier start.
  const bool take_other_root = (other.root_found && !into.root_found) ||
                               (other.root_found == into.root_found && b.start_unix_nano < a.start_unix_nano);
  if (take_other_root) {
    a.root_service = b.root_service;
    a.root_name = b.root_name;
    into.root_found = other.root_found;
  }
  a.start_unix_nano = std::min(a.start_unix_nano, b.start_unix_nano);
  a.duration_nanos = end - a.start_unix_nano;
  a.span_count += b.span_count;
  a.error_count += b.error_count;
  UniteSorted(a.services, b.services);
  UniteSorted(a.matched_spans, b.matched_spans);
}

}  // namespace hoptrace::store::block
