#include "hoptrace/query/hotspots_api.h"

#include <limits>

#include "hoptrace/http/url.h"
#include "hoptrace/query/duration.h"
#include "hoptrace/query/native_api.h"
#include "hoptrace/store/store_error.h"
#include "text.h"

namespace hoptrace::query {
namespace {

constexpr std::uint64_t kNanosPerSecond = 1'000'000'000;

// An optional Unix-seconds parameter into `unix_nano` (left as is when absent).
bool ParseUnixSeconds(const ParamList& params, std::string_view name, std::uint64_t* unix_nano, std::string* error) {
  const auto text = FindParam(params, name);
  if (!text || text->empty()) return true;
  std::uint64_t seconds = 0;
  if (!internal::ParseWhole(*text, &seconds) || seconds > std::numeric_limits<std::uint64_t>::max() / kNanosPerSecond) {
    *error = "invalid " + std::string(name) + " \"" + std::string(*text) + "\": expected Unix seconds";
    return false;
  }
  *unix_nano = seconds * kNanosPerSecond;
  return true;
}

bool ParseSelection(const ParamList& params, analysis::HotspotOptions* options, std::string* error) {
  const std::string_view selection = FindParam(params, "selection").value_or("slow");
  if (selection != "slow" && selection != "failed" && !selection.empty()) {
    *error = "invalid selection \"" + std::string(selection) + "\": expected slow or failed";
    return false;
  }
  options->selection = selection == "failed" ? analysis::Selection::kFailed : analysis::Selection::kSlow;
  if (const auto slow = FindParam(params, "slow"); slow && !slow->empty()) {
    const std::optional<std::int64_t> nanos = ParseGoDuration(*slow);
    if (!nanos || *nanos < 0) {
      *error = "invalid slow \"" + std::string(*slow) + "\": expected a duration such as 500ms or 1.5s";
      return false;
    }
    options->slow_threshold_nanos = static_cast<std::uint64_t>(*nanos);
  }
  if (const auto percentile = FindParam(params, "slowPercentile"); percentile && !percentile->empty()) {
    double value = 0;
    if (!internal::ParseWhole(*percentile, &value) || !(value > 0 && value < 100)) {
      *error = "invalid slowPercentile \"" + std::string(*percentile) + "\": expected a number between 0 and 100";
      return false;
    }
    options->slow_percentile = value;
  }
  return true;
}

}  // namespace

bool ParseHotspotParams(const ParamList& params, std::uint64_t now_unix_nano, HotspotParams* out, std::string* error) {
  *out = {};
  out->options.service = std::string(FindParam(params, "service").value_or(""));
  if (out->options.service.empty()) {
    *error = "parameter 'service' is required";
    return false;
  }
  out->options.operation = std::string(FindParam(params, "operation").value_or(""));
  out->range.end_unix_nano = now_unix_nano;
  if (!ParseUnixSeconds(params, "end", &out->range.end_unix_nano, error)) return false;
  out->range.start_unix_nano =
      out->range.end_unix_nano > kDefaultHotspotWindowNanos ? out->range.end_unix_nano - kDefaultHotspotWindowNanos : 0;
  if (!ParseUnixSeconds(params, "start", &out->range.start_unix_nano, error)) return false;
  if (out->range.start_unix_nano > out->range.end_unix_nano) {
    *error = "start is after end";
    return false;
  }
  return ParseSelection(params, &out->options, error);
}

store::SpanFilterPtr HotspotFilter(const analysis::HotspotOptions& options) {
  const auto equals = [](store::Intrinsic field, const std::string& value) {
    return store::SpanFilter::Compare({{.intrinsic = field}, store::CompareOp::kEq, value});
  };
  store::SpanFilterPtr service = equals(store::Intrinsic::kServiceName, options.service);
  if (options.operation.empty()) return service;
  return store::SpanFilter::And({std::move(service), equals(store::Intrinsic::kName, options.operation)});
}

namespace {

// The API's instrumentation answers 503 (the backend is down) or 500 and counts it in
// hoptrace_query_failed_total.
void ThrowUnlessOk(const store::Status& status, std::string_view doing) {
  if (status.ok()) return;
  throw store::StoreError(store::Status::Error(status.code(), status.message() + " (" + std::string(doing) + ")"));
}

// Two passes for a store that counts where the spans are: the spans' timing only (the critical
// paths, the entries and the selection), then the attribute values of each trace's entry subtree
// counted by the store, per group.
analysis::HotspotReport AggregateInStore(store::Store& store, const HotspotParams& params) {
  analysis::HotspotOptions options = params.options;
  options.collect_attributes = false;
  analysis::HotspotAggregator aggregator(std::move(options));
  std::vector<analysis::EntryScope> scopes;
  ThrowUnlessOk(store.ForEachTrace({.filter = HotspotFilter(params.options), .range = params.range, .timing_only = true},
                                   [&](const model::TraceBatch& trace) { return aggregator.Add(trace, &scopes); }),
                "scanning the store");
  const std::vector<bool> selected = aggregator.Selected();
  std::vector<store::CountedTrace> counted(scopes.size());
  for (std::size_t i = 0; i < scopes.size(); ++i) {
    counted[i] = {.trace_id = scopes[i].trace_id,
                  .selected = selected[i],
                  .whole_trace = scopes[i].whole_trace,
                  .spans = std::move(scopes[i].spans)};
  }
  std::vector<store::AttributeValueCount> counts;
  ThrowUnlessOk(store.CountAttributeValues(counted, &counts), "counting attribute values");
  for (const store::AttributeValueCount& count : counts) {
    aggregator.AddValueCount(count.resource, count.attribute, count.selection_traces, count.baseline_traces);
  }
  return std::move(aggregator).Finish();
}

}  // namespace

analysis::HotspotReport AggregateWholeTraces(store::Store& store, const HotspotParams& params) {
  analysis::HotspotAggregator aggregator(params.options);
  ThrowUnlessOk(store.ForEachTrace({.filter = HotspotFilter(params.options), .range = params.range},
                                   [&](const model::TraceBatch& trace) { return aggregator.Add(trace); }),
                "scanning the store");
  return std::move(aggregator).Finish();
}

analysis::HotspotReport ComputeHotspots(store::Store& store, const HotspotParams& params) {
  return store.CountsWhereStored() ? AggregateInStore(store, params) : AggregateWholeTraces(store, params);
}

http::Response HotspotsResponse(store::Store& store, const http::Request& request, std::uint64_t now_unix_nano) {
  std::string error;
  const auto params = http::QueryParams::Parse(request.query, &error);
  HotspotParams hotspot_params;
  if (!params || !ParseHotspotParams(params->items(), now_unix_nano, &hotspot_params, &error)) {
    return http::Response::Json(400, NativeErrorJson({.message = error}));
  }
  return http::Response::Json(200, analysis::HotspotReportToJson(ComputeHotspots(store, hotspot_params)));
}

}  // namespace hoptrace::query
