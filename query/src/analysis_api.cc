#include "hoptrace/query/analysis_api.h"

namespace hoptrace::query {
namespace {

store::SpanFilterPtr Equals(store::Field field, store::Literal value) {
  return store::SpanFilter::Compare({std::move(field), store::CompareOp::kEq, std::move(value)});
}

store::SpanFilterPtr KindIs(model::SpanKind kind) { return Equals({.intrinsic = store::Intrinsic::kKind}, kind); }

}  // namespace

store::SpanFilterPtr ParentSearchFilter(const analysis::ParentSearch& search) {
  std::vector<store::SpanFilterPtr> names_callee;
  for (const auto& [key, value] : search.peer_attributes) {
    names_callee.push_back(Equals({.scope = store::AttributeScope::kSpan, .attribute = key}, value));
  }
  if (names_callee.empty()) return store::SpanFilter::Or({KindIs(model::SpanKind::kClient), KindIs(model::SpanKind::kProducer)});
  return store::SpanFilter::And({store::SpanFilter::Or({KindIs(model::SpanKind::kClient), KindIs(model::SpanKind::kProducer)}),
                                 store::SpanFilter::Or(std::move(names_callee))});
}

std::vector<model::TraceBatch> StoreParentSource::FindCandidates(const analysis::ParentSearch& search) {
  store::SearchRequest request{.filter = ParentSearchFilter(search),
                               .range = {search.window_start_unix_nano, search.window_end_unix_nano},
                               .limit = kMaxCandidateTraces};
  std::vector<model::TraceBatch> traces;
  for (const store::TraceSummary& summary : store_.Search(request)) {
    if (summary.trace_id == search.trace_id) continue;
    if (auto trace = store_.GetTrace(summary.trace_id, request.range)) traces.push_back(std::move(*trace));
  }
  return traces;
}

}  // namespace hoptrace::query
