#pragma once
// The diagnosis of one trace: what a seasoned engineer reads off the waterfall, as findings ranked
// by the latency they explain, each with a one-line headline (service, operation, the decisive
// attribute) and its evidence. See analysis/README.md for every analysis, its thresholds and why.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "hoptrace/analysis/timing.h"
#include "hoptrace/analysis/trace_view.h"
#include "hoptrace/model/span.h"

namespace hoptrace::analysis {

enum class FindingKind : std::uint8_t {
  kSecret,          // a credential in an attribute
  kSplitTrace,      // the trace starts at a server/consumer whose remote caller is in another trace
  kOrphans,         // spans whose parent is not in the trace
  kCriticalPath,    // a span that held up the trace
  kGap,             // a stretch of a parent that no child covers
  kNPlusOne,        // many calls of one shape under one parent
  kSerialCalls,     // independent calls made one after another
  kErrorOrigin,     // where an error started, and who passed it up
  kAsyncAfterEnd,   // async work still running when the trace's top span ended
  kClockSkew,       // spans shifted to fit inside their parents
  kMissingAttributes,
  kOversizedAttribute,
  kTinySpanFlood,
};
const char* FindingKindName(FindingKind kind);  // "critical_path", "n_plus_one", ...

struct Evidence {
  std::size_t node = kNone;
  std::uint64_t duration_nanos = 0;
  std::uint64_t explained_nanos = 0;  // of the finding's latency, this span's part
  std::string note;                   // e.g. "passed the error up", "shifted by -505 ms"
};

struct Finding {
  FindingKind kind = FindingKind::kCriticalPath;
  std::string headline;
  std::uint64_t explained_nanos = 0;  // trace latency this finding accounts for
  double share = 0;                   // explained / the top span's duration, 0..1
  std::vector<Evidence> evidence;
};

// Where a split trace's caller may be: what the library asks of whoever can search the store.
struct ParentSearch {
  model::TraceId trace_id;            // this trace (not a candidate)
  model::SpanId missing_parent;       // the remote parent span the top refers to
  std::string service;                // the service that was called
  std::string operation;
  std::uint64_t window_start_unix_nano = 0;  // a caller's span overlaps this window
  std::uint64_t window_end_unix_nano = 0;
  // Attributes a caller's CLIENT/PRODUCER span would carry naming this callee: peer.service,
  // server.address, http.route, url.path, rpc.method, messaging.destination.name.
  std::vector<std::pair<std::string, std::string>> peer_attributes;
};

// Implemented by the caller (the query API over the store, the CLI over the query API): returns
// traces that may hold the parent of a split trace. The library cannot search the store itself.
class ParentTraceSource {
 public:
  virtual ~ParentTraceSource() = default;
  virtual std::vector<model::TraceBatch> FindCandidates(const ParentSearch& search) = 0;
};

struct CandidateParent {
  model::TraceId trace_id;
  model::SpanId span_id;
  std::string service;
  std::string operation;
  int score = 0;       // higher is likelier; an exact span-ID match outranks everything
  std::string reason;  // what matched
};

struct DiagnoseOptions {
  ParentTraceSource* parent_source = nullptr;  // null: split traces are reported without candidates
  double critical_span_min_share = 0.10;        // spans at least this share of the path get a finding
  std::size_t critical_span_max_findings = 5;
  double gap_min_share = 0.10;        // a gap finding from this share of the top's duration
  double gap_list_min_share = 0.01;   // gaps listed in the diagnosis from this share
  std::size_t n_plus_one_min_calls = 10;
  std::size_t serial_min_calls = 3;
  double serial_min_saving_share = 0.05;
  std::size_t tiny_flood_min_children = 100;
  std::uint64_t tiny_span_max_nanos = 1'000'000;  // 1 ms
  std::size_t oversized_value_bytes = 4096;
  std::uint64_t split_window_nanos = 5'000'000'000;  // a caller may have started up to 5 s earlier
  std::size_t max_evidence = 10;
};

struct Diagnosis {
  TraceView view;
  CriticalPath critical_path;
  SelfTimes self_times;
  std::vector<std::uint64_t> subtree_critical;     // per span: critical-path time inside its subtree
  std::vector<CandidateParent> candidate_parents;  // for a split trace, likeliest first
  std::vector<Finding> findings;                   // ranked
  std::uint64_t TopDuration() const { return view.top() == kNone ? 0 : view.node(view.top()).Duration(); }
};

// `batch` holds one trace's spans and must outlive the diagnosis (the view borrows it).
Diagnosis Diagnose(const model::TraceBatch& batch, const DiagnoseOptions& options = {});

// "7.9 s", "120 ms", "850 µs", "0 ns": two to three significant digits, as a headline wants.
std::string FormatNanos(std::uint64_t nanos);
// "payments → fraud-api POST /score" or "checkout GET /cart": the caller's service when the span
// crosses a service boundary (a server span called from another service, or a client span's peer).
std::string DescribeSpan(const TraceView& view, std::size_t node);

}  // namespace hoptrace::analysis
