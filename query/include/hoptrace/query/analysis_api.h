#pragma once
// The query side of issue #5's diagnosis: GET /api/v2/traces/{id}/analysis answers with
// analysis::DiagnosisToJson, and a split trace's candidate parents are looked up in the store
// (analysis/ cannot query it: it only sees the trace it is given).

#include <memory>

#include "hoptrace/analysis/diagnosis.h"
#include "hoptrace/store/store.h"

namespace hoptrace::query {

// The spans that could be a split trace's caller: CLIENT or PRODUCER spans carrying one of the
// callee's peer attributes (peer.service = the callee's service, its server.address, route, ...).
// `hoptrace explain` sends it as query-language text (FormatFilter) to /api/search.
store::SpanFilterPtr ParentSearchFilter(const analysis::ParentSearch& search);

// Candidate parent traces straight from a store: the newest traces matching ParentSearchFilter in
// the search's window, each loaded whole.
class StoreParentSource : public analysis::ParentTraceSource {
 public:
  static constexpr std::size_t kMaxCandidateTraces = 20;
  explicit StoreParentSource(store::Store& store) : store_(store) {}
  std::vector<model::TraceBatch> FindCandidates(const analysis::ParentSearch& search) override;

 private:
  store::Store& store_;
};

}  // namespace hoptrace::query
