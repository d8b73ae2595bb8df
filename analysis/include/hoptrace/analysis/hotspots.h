#pragma once
// Diagnosis across many traces (issue #5): for one entry (a service, optionally one operation of
// it) over many traces,
//  - the aggregate critical path (Uber's CRISP): each trace's critical path (timing.h), scoped to
//    the entry span's subtree, summed per (service, operation) for the typical traces (p50 view)
//    and the slowest ones (p99 view);
//  - the attribute comparison (Honeycomb's BubbleUp): attribute values found more often in the
//    selected traces (slow, or failed) than in the rest.
//
//   HotspotAggregator aggregator({.service = "checkout"});
//   store.ForEachTrace(scan, [&](const model::TraceBatch& trace) { aggregator.Add(trace); return true; });
//   const HotspotReport report = std::move(aggregator).Finish();
//
// Memory is bounded by the options: at most max_traces traces are kept (each as a few numbers and
// the IDs of its operations and attribute values), max_operations operations, max_keys attribute
// keys and max_values_per_key values per key; what goes over a cap is counted, never dropped silently.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hoptrace/model/span.h"

namespace hoptrace::analysis {

// Which traces the attribute comparison sets against the rest.
enum class Selection : std::uint8_t {
  // Latency at or above slow_threshold_nanos; without one, the slowest (100 - slow_percentile) % of
  // the traces (at least one; traces as slow as the fastest of them too).
  kSlow,
  kFailed,  // a span of the entry's subtree has error status
};

struct HotspotOptions {
  std::string service;    // the entry: the outermost span of this service ...
  std::string operation;  // ... with this name (empty: any)
  Selection selection = Selection::kSlow;
  std::optional<std::uint64_t> slow_threshold_nanos;
  double slow_percentile = 99;
  std::size_t max_traces = 200'000;
  std::size_t max_operations = 1000;  // distinct (service, operation) pairs; more go to "(other)"
  std::size_t max_keys = 200;         // distinct attribute keys; values of more keys are not compared (counted)
  std::size_t max_values_per_key = 100;  // more values of one key are counted as that key's overflow
  std::size_t max_value_bytes = 120;     // longer values are cut (and end in "…")
  std::size_t operations_listed = 20;
  std::size_t attributes_listed = 20;
  double min_difference = 0.05;  // attribute values listed: selection share − baseline share ≥ this
  std::size_t example_traces = 3;
  // False: Add leaves attribute values out and the caller gives them pre-counted (AddValueCount),
  // e.g. from a store that counts them where the spans are (store::Store::CountAttributeValues).
  bool collect_attributes = true;
};

// The spans of one aggregated trace whose attribute values the comparison counts.
struct EntryScope {
  model::TraceId trace_id;
  bool whole_trace = false;           // the entry is the trace's top: every span counts
  std::vector<model::SpanId> spans;   // otherwise: the entry span and its descendants
};

// The traces of one latency band and how much critical-path time they hold.
struct LatencyBand {
  std::string name;              // "p50" or "p99"
  double from_percentile = 0;    // ranks of latency the band covers
  double to_percentile = 0;
  std::size_t traces = 0;
  std::uint64_t min_latency_nanos = 0;
  std::uint64_t max_latency_nanos = 0;
  std::uint64_t critical_nanos = 0;  // sum of the band's traces' critical paths
};

// One operation's time on the critical path within a band.
struct BandShare {
  double share = 0;                    // of the band's critical-path time
  std::uint64_t mean_nanos = 0;        // per trace of the band (traces without it count as 0)
};

struct OperationHotspot {
  std::string service;
  std::string operation;
  BandShare p50;
  BandShare p99;
  // Its critical-path time over the traces where it is on the path.
  std::uint64_t mean_nanos = 0;
  std::uint64_t p50_nanos = 0;
  std::uint64_t p99_nanos = 0;
  std::size_t traces = 0;                    // traces where it has time on the critical path
  std::vector<std::string> example_traces;  // trace IDs (hex) where it had the most time, most first
};

// An attribute value more frequent in the selection than in the baseline (each counted once per trace).
struct AttributeDifference {
  std::string key;  // "resource.cloud.region" or "span.http.route": the query language's names
  std::string value;
  std::size_t selection_traces = 0;
  std::size_t baseline_traces = 0;
  double selection_share = 0;  // of the selection's traces
  double baseline_share = 0;
  double difference() const { return selection_share - baseline_share; }
};

// A key with more distinct values than the cap: traces whose value for it was not counted.
struct KeyOverflow {
  std::string key;
  std::size_t traces = 0;
};

struct HotspotReport {
  std::string service;
  std::string operation;
  std::size_t traces = 0;                // aggregated
  std::size_t traces_without_entry = 0;  // scanned, but no span of the service (and operation)
  bool truncated = false;                // more than max_traces traces: the rest were not aggregated
  std::uint64_t latency_p50_nanos = 0;   // the entry span's duration
  std::uint64_t latency_p99_nanos = 0;
  std::uint64_t latency_max_nanos = 0;
  LatencyBand p50_band;
  LatencyBand p99_band;
  std::vector<OperationHotspot> operations;  // by p99 share, then p50 share
  std::size_t operations_overflow_traces = 0;  // traces with time in operations over the cap

  // The attribute comparison.
  Selection selection = Selection::kSlow;
  std::uint64_t slow_threshold_nanos = 0;  // for kSlow: the threshold applied (given or from the percentile)
  double slow_percentile = 0;              // for kSlow without a given threshold
  std::size_t selection_traces = 0;
  std::size_t baseline_traces = 0;
  std::vector<AttributeDifference> attributes;  // largest difference first
  std::size_t uncompared_values = 0;            // attribute values whose key was beyond max_keys
  std::vector<KeyOverflow> key_overflows;
};

class HotspotAggregator {
 public:
  explicit HotspotAggregator(HotspotOptions options);
  ~HotspotAggregator();
  HotspotAggregator(HotspotAggregator&&) noexcept;
  HotspotAggregator& operator=(HotspotAggregator&&) noexcept;

  // One trace's spans (any grouping). Returns false when the trace was refused because max_traces
  // traces are aggregated already (the report then says it was truncated): the caller may stop.
  bool Add(const model::TraceBatch& trace);
  // The same, appending the trace's EntryScope to `scopes` when it is aggregated.
  bool Add(const model::TraceBatch& trace, std::vector<EntryScope>* scopes);
  // Per aggregated trace, in the order Add took them: whether it is in the selection (the rule and
  // threshold Finish applies).
  std::vector<bool> Selected() const;
  // An attribute value counted elsewhere: the number of selected and of baseline traces holding it.
  // Scalar values only; the caps and redaction apply as to collected ones, except that the counts of
  // a key's values over max_values_per_key add up, so its overflow is an upper bound (a trace
  // holding two such values counts twice).
  void AddValueCount(bool resource, const model::Attribute& attribute, std::size_t selection_traces,
                     std::size_t baseline_traces);
  HotspotReport Finish() &&;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The report as JSON, the shape GET /api/v2/hotspots answers and `hoptrace hotspots --format json`
// prints:
//   {"service", "operation", "traces", "tracesWithoutEntry", "truncated",
//    "latency": {"p50Nanos", "p99Nanos", "maxNanos"},
//    "bands": [{"name", "fromPercentile", "toPercentile", "traces", "minLatencyNanos", "maxLatencyNanos", "criticalNanos"}],
//    "operations": [{"service", "operation", "p50Share", "p50MeanNanos", "p99Share", "p99MeanNanos",
//                    "meanNanos", "p50Nanos", "p99Nanos", "traces", "exampleTraces": [id]}],
//    "operationsOverflowTraces",
//    "comparison": {"selection": "slow"|"failed", "slowThresholdNanos", "slowPercentile",
//                   "selectionTraces", "baselineTraces", "uncomparedValues",
//                   "attributes": [{"key", "value", "selectionTraces", "baselineTraces", "selectionShare", "baselineShare"}],
//                   "keyOverflows": [{"key", "traces"}]}}
std::string HotspotReportToJson(const HotspotReport& report);

}  // namespace hoptrace::analysis
