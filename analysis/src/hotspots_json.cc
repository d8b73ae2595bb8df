// HotspotReportToJson: the shape documented in hotspots.h.

#include "hoptrace/analysis/hotspots.h"
#include "json_text.h"

namespace hoptrace::analysis {
namespace {

using json::Array;
using json::Object;

void WriteBand(std::string& out, const LatencyBand& band) {
  Object item(out);
  item.Text("name", band.name);
  item.Fraction("fromPercentile", band.from_percentile);
  item.Fraction("toPercentile", band.to_percentile);
  item.Number("traces", band.traces);
  item.Number("minLatencyNanos", band.min_latency_nanos);
  item.Number("maxLatencyNanos", band.max_latency_nanos);
  item.Number("criticalNanos", band.critical_nanos);
}

void WriteOperation(std::string& out, const OperationHotspot& hotspot) {
  Object item(out);
  item.Text("service", hotspot.service);
  item.Text("operation", hotspot.operation);
  item.Fraction("p50Share", hotspot.p50.share);
  item.Number("p50MeanNanos", hotspot.p50.mean_nanos);
  item.Fraction("p99Share", hotspot.p99.share);
  item.Number("p99MeanNanos", hotspot.p99.mean_nanos);
  item.Number("meanNanos", hotspot.mean_nanos);
  item.Number("p50Nanos", hotspot.p50_nanos);
  item.Number("p99Nanos", hotspot.p99_nanos);
  item.Number("traces", hotspot.traces);
  Array(item, "exampleTraces", hotspot.example_traces, [&](const std::string& id) { json::Quote(id, out); });
}

void WriteComparison(std::string& out, const HotspotReport& report) {
  Object comparison(out);
  comparison.Text("selection", report.selection == Selection::kFailed ? "failed" : "slow");
  comparison.Number("slowThresholdNanos", report.slow_threshold_nanos);
  comparison.Fraction("slowPercentile", report.slow_percentile);
  comparison.Number("selectionTraces", report.selection_traces);
  comparison.Number("baselineTraces", report.baseline_traces);
  comparison.Number("uncomparedValues", report.uncompared_values);
  Array(comparison, "attributes", report.attributes, [&](const AttributeDifference& difference) {
    Object item(out);
    item.Text("key", difference.key);
    item.Text("value", difference.value);
    item.Number("selectionTraces", difference.selection_traces);
    item.Number("baselineTraces", difference.baseline_traces);
    item.Fraction("selectionShare", difference.selection_share);
    item.Fraction("baselineShare", difference.baseline_share);
  });
  Array(comparison, "keyOverflows", report.key_overflows, [&](const KeyOverflow& overflow) {
    Object item(out);
    item.Text("key", overflow.key);
    item.Number("traces", overflow.traces);
  });
}

}  // namespace

std::string HotspotReportToJson(const HotspotReport& report) {
  std::string out;
  {
    Object root(out);
    root.Text("service", report.service);
    root.Text("operation", report.operation);
    root.Number("traces", report.traces);
    root.Number("tracesWithoutEntry", report.traces_without_entry);
    root.Flag("truncated", report.truncated);
    root.Key("latency");
    {
      Object latency(out);
      latency.Number("p50Nanos", report.latency_p50_nanos);
      latency.Number("p99Nanos", report.latency_p99_nanos);
      latency.Number("maxNanos", report.latency_max_nanos);
    }
    Array(root, "bands", std::vector<const LatencyBand*>{&report.p50_band, &report.p99_band},
          [&](const LatencyBand* band) { WriteBand(out, *band); });
    Array(root, "operations", report.operations, [&](const OperationHotspot& hotspot) { WriteOperation(out, hotspot); });
    root.Number("operationsOverflowTraces", report.operations_overflow_traces);
    root.Key("comparison");
    WriteComparison(out, report);
  }
  return out;
}

}  // namespace hoptrace::analysis
