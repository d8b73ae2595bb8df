// HotspotAggregator: per trace, the entry span's critical path and attribute values, kept as small
// numbers (interned operation and value IDs); the bands, shares and the comparison at Finish.

#include "hoptrace/analysis/hotspots.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <span>
#include <unordered_map>

#include "hoptrace/analysis/secrets.h"
#include "hoptrace/analysis/timing.h"

namespace hoptrace::analysis {
namespace {

constexpr std::string_view kOther = "(other)";

// Hash maps looked up by string_view without building a string.
struct TextHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};
template <typename Value>
using TextMap = std::unordered_map<std::string, Value, TextHash, std::equal_to<>>;

// Nearest rank: the smallest value with at least `percentile` % of the values at or below it.
std::size_t RankOf(double percentile, std::size_t count) {
  const auto rank = static_cast<std::size_t>(std::ceil(percentile / 100.0 * static_cast<double>(count)));
  return std::clamp<std::size_t>(rank, 1, count) - 1;
}

template <typename T, typename Key>
T PercentileOf(std::vector<T> values, double percentile, Key key) {
  const std::size_t rank = RankOf(percentile, values.size());
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(rank), values.end(),
                   [&](const T& a, const T& b) { return key(a) < key(b); });
  return values[rank];
}

double Ratio(std::uint64_t part, std::uint64_t whole) {
  return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}

// The outermost span of the entry (least depth; the longest among equals), or kNone.
std::size_t FindEntry(const TraceView& view, std::string_view service, std::string_view operation) {
  std::size_t entry = kNone;
  for (std::size_t node = 0; node < view.size(); ++node) {
    const SpanNode& candidate = view.node(node);
    if (candidate.service != service || (!operation.empty() && candidate.span->name != operation)) continue;
    if (entry == kNone || candidate.depth < view.node(entry).depth ||
        (candidate.depth == view.node(entry).depth && candidate.Duration() > view.node(entry).Duration())) {
      entry = node;
    }
  }
  return entry;
}

// The IDs of the view's spans: an entry's subtree, for a store that counts its attribute values.
std::vector<model::SpanId> SpanIdsOf(const TraceView& view) {
  std::vector<model::SpanId> ids(view.size());
  for (std::size_t node = 0; node < view.size(); ++node) ids[node] = view.node(node).span->span_id;
  return ids;
}

// The entry span and its descendants as a trace of their own, the entry its root: its critical
// path is the entry's (the callers' time around it is not the entry's latency).
model::TraceBatch SubtreeBatch(const TraceView& view, std::size_t entry) {
  model::TraceBatch batch;
  std::unordered_map<const model::Resource*, std::size_t> slot_of;
  std::vector<std::size_t> pending{entry};
  while (!pending.empty()) {
    const SpanNode& node = view.node(pending.back());
    const bool is_entry = pending.back() == entry;
    pending.pop_back();
    const auto [slot, added] = slot_of.try_emplace(node.resource, batch.resource_spans.size());
    if (added) {
      model::ResourceSpans& resource_spans = batch.resource_spans.emplace_back();
      resource_spans.resource = *node.resource;
      resource_spans.scope_spans.emplace_back();
    }
    model::Span span = *node.span;
    if (is_entry) span.parent_span_id = model::SpanId();
    batch.resource_spans[slot->second].scope_spans[0].spans.push_back(std::move(span));
    pending.insert(pending.end(), node.children.begin(), node.children.end());
  }
  return batch;
}

// "<scope><key length><key><value>": unambiguous whatever bytes the key holds.
void ScopedValueKey(bool resource, std::string_view key, std::string_view value, std::string& out) {
  const auto key_size = static_cast<std::uint32_t>(key.size());
  out.assign(1, resource ? 'r' : 's').append(reinterpret_cast<const char*>(&key_size), sizeof key_size);
  out.append(key).append(value);
}

// Scalar values as text (into `buffer` for numbers); arrays are not compared.
std::optional<std::string_view> ValueText(const model::AttributeValue& value, std::array<char, 32>& buffer) {
  if (const auto* text = std::get_if<std::string>(&value)) return *text;
  if (const auto* flag = std::get_if<bool>(&value)) return *flag ? "true" : "false";
  const auto print = [&](auto number) {
    const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), number);
    return std::string_view(buffer.data(), static_cast<std::size_t>(result.ptr - buffer.data()));
  };
  if (const auto* integer = std::get_if<std::int64_t>(&value)) return print(*integer);
  if (const auto* real = std::get_if<double>(&value)) return print(*real);
  return std::nullopt;
}

}  // namespace

// What is kept of one trace.
struct TraceRecord {
  model::TraceId trace_id;
  std::uint64_t latency = 0;
  std::uint64_t critical = 0;  // its critical path's total
  bool failed = false;
  std::uint32_t first_time = 0, time_count = 0;    // into State::times
  std::uint32_t first_value = 0, value_count = 0;  // into State::values
};

struct OperationTime {
  std::uint32_t operation = 0;
  std::uint64_t nanos = 0;
};

struct KeyState {
  std::string name;  // with its scope prefix
  std::size_t values = 0;          // distinct values with an ID of their own (the rest overflow)
  std::uint32_t overflow = 0;     // the value ID standing for "a value over the cap"
};

struct ValueEntry {
  std::uint32_t key = 0;
  std::string text;  // as shown: cut, credentials redacted
  bool overflow = false;
};

struct HotspotAggregator::State {
  HotspotOptions options;
  std::vector<TraceRecord> traces;
  std::vector<OperationTime> times;
  std::vector<std::uint32_t> values;
  std::size_t traces_without_entry = 0;
  bool truncated = false;

  TextMap<std::uint32_t> operation_ids;  // "service\0operation"
  std::vector<std::pair<std::string, std::string>> operations;
  std::uint32_t other_operation = UINT32_MAX;

  TextMap<std::uint32_t> key_ids[2];  // [0] span attributes, [1] resource attributes
  std::vector<KeyState> keys;
  std::vector<ValueEntry> value_entries;
  std::vector<std::size_t> value_last_trace;  // per value ID: the last trace (index + 1) holding it
  std::vector<std::array<std::size_t, 2>> value_counted;  // per value ID: AddValueCount's (selection, baseline)
  // Value IDs (those below their key's cap) by ScopedValueKey: one lookup for the common case.
  TextMap<std::uint32_t> scoped_value_ids;
  std::size_t uncompared_values = 0;

  // Scratch reused from trace to trace (no allocation per trace once warm).
  std::string lookup_key;
  std::vector<const model::Resource*> trace_resources;

  void AddTrace(const TraceView& view, const CriticalPath& path, const model::TraceId& trace_id);
  std::uint32_t OperationId(std::string_view service, std::string_view name);
  std::optional<std::uint32_t> KeyId(bool resource, std::string_view key);
  std::optional<std::uint32_t> ValueId(bool resource, const model::Attribute& attribute, std::array<char, 32>& buffer);
  std::optional<std::uint32_t> NewValueId(bool resource, const model::Attribute& attribute, std::string_view text);
  std::uint32_t AddValueEntry(ValueEntry entry);
  void CollectValues(const model::Attributes& attributes, bool resource);
};

HotspotAggregator::HotspotAggregator(HotspotOptions options) : state_(std::make_unique<State>()) {
  state_->options = std::move(options);
}
HotspotAggregator::~HotspotAggregator() = default;
HotspotAggregator::HotspotAggregator(HotspotAggregator&&) noexcept = default;
HotspotAggregator& HotspotAggregator::operator=(HotspotAggregator&&) noexcept = default;

bool HotspotAggregator::Add(const model::TraceBatch& trace) { return Add(trace, nullptr); }

bool HotspotAggregator::Add(const model::TraceBatch& trace, std::vector<EntryScope>* scopes) {
  State& state = *state_;
  if (state.traces.size() >= state.options.max_traces) {
    state.truncated = true;
    return false;
  }
  const TraceView view = TraceView::Build(trace);
  const std::size_t entry = FindEntry(view, state.options.service, state.options.operation);
  if (entry == kNone) {
    ++state.traces_without_entry;
    return true;
  }
  const model::TraceId trace_id = view.node(entry).span->trace_id;
  if (entry == view.top()) {
    state.AddTrace(view, ComputeCriticalPath(view), trace_id);
    if (scopes) scopes->push_back({.trace_id = trace_id, .whole_trace = true});
  } else {
    const model::TraceBatch subtree = SubtreeBatch(view, entry);
    const TraceView scoped = TraceView::Build(subtree);
    state.AddTrace(scoped, ComputeCriticalPath(scoped), trace_id);
    if (scopes) scopes->push_back({.trace_id = trace_id, .spans = SpanIdsOf(scoped)});
  }
  return true;
}

void HotspotAggregator::AddValueCount(bool resource, const model::Attribute& attribute, std::size_t selection_traces,
                                      std::size_t baseline_traces) {
  std::array<char, 32> buffer;
  const std::optional<std::uint32_t> id = state_->ValueId(resource, attribute, buffer);
  if (!id) return;
  state_->value_counted[*id][0] += selection_traces;
  state_->value_counted[*id][1] += baseline_traces;
}

void HotspotAggregator::State::AddTrace(const TraceView& view, const CriticalPath& path, const model::TraceId& trace_id) {
  TraceRecord& record = traces.emplace_back();
  record.trace_id = trace_id;
  record.latency = view.node(view.top()).Duration();
  record.critical = path.total;
  record.first_time = static_cast<std::uint32_t>(times.size());
  record.first_value = static_cast<std::uint32_t>(values.size());
  trace_resources.clear();
  for (std::size_t node = 0; node < view.size(); ++node) {
    const SpanNode& span = view.node(node);
    record.failed |= span.span->status.code == model::StatusCode::kError;
    if (path.contribution[node] > 0) {
      const std::uint32_t operation = OperationId(span.service, span.span->name);
      auto it = std::find_if(times.begin() + record.first_time, times.end(),
                             [&](const OperationTime& time) { return time.operation == operation; });
      if (it == times.end()) it = times.insert(times.end(), {operation, 0});
      it->nanos += path.contribution[node];
    }
    // A trace has a handful of resources: a linear search beats a hash set built per trace.
    if (options.collect_attributes &&
        std::find(trace_resources.begin(), trace_resources.end(), span.resource) == trace_resources.end()) {
      trace_resources.push_back(span.resource);
      CollectValues(span.resource->attributes, true);
    }
    if (options.collect_attributes) CollectValues(span.span->attributes, false);
  }
  record.time_count = static_cast<std::uint32_t>(times.size() - record.first_time);
  record.value_count = static_cast<std::uint32_t>(values.size() - record.first_value);
}

std::uint32_t HotspotAggregator::State::OperationId(std::string_view service, std::string_view name) {
  lookup_key.assign(service).append(1, '\0').append(name);
  if (const auto it = operation_ids.find(lookup_key); it != operation_ids.end()) return it->second;
  if (operations.size() >= options.max_operations) {
    if (other_operation == UINT32_MAX) {
      other_operation = static_cast<std::uint32_t>(operations.size());
      operations.emplace_back(kOther, kOther);
    }
    return other_operation;
  }
  const auto id = static_cast<std::uint32_t>(operations.size());
  operations.emplace_back(service, name);
  operation_ids.emplace(lookup_key, id);
  return id;
}

std::optional<std::uint32_t> HotspotAggregator::State::KeyId(bool resource, std::string_view key) {
  TextMap<std::uint32_t>& ids = key_ids[resource ? 1 : 0];
  if (const auto it = ids.find(key); it != ids.end()) return it->second;
  if (keys.size() >= options.max_keys) return std::nullopt;
  const auto id = static_cast<std::uint32_t>(keys.size());
  KeyState& state = keys.emplace_back();
  state.name = std::string(resource ? "resource." : "span.") + std::string(key);
  state.overflow = AddValueEntry({id, {}, true});
  ids.emplace(std::string(key), id);
  return id;
}

std::optional<std::uint32_t> HotspotAggregator::State::ValueId(bool resource, const model::Attribute& attribute,
                                                               std::array<char, 32>& buffer) {
  const std::optional<std::string_view> text = ValueText(attribute.value, buffer);
  if (!text) return std::nullopt;
  ScopedValueKey(resource, attribute.key, *text, lookup_key);
  if (const auto it = scoped_value_ids.find(lookup_key); it != scoped_value_ids.end()) return it->second;
  return NewValueId(resource, attribute, *text);
}

// A value not seen yet (or over its key's cap): through its key, with the caps applied.
std::optional<std::uint32_t> HotspotAggregator::State::NewValueId(bool resource, const model::Attribute& attribute,
                                                                  std::string_view text) {
  const std::optional<std::uint32_t> key = KeyId(resource, attribute.key);
  if (!key) {
    ++uncompared_values;
    return std::nullopt;
  }
  KeyState& state = keys[*key];
  if (state.values >= options.max_values_per_key) return state.overflow;
  std::string shown(text);
  if (IsSecretKey(attribute.key) || SecretInValue(shown)) shown = Redact(shown);
  if (shown.size() > options.max_value_bytes) {
    std::size_t cut = options.max_value_bytes;
    while (cut > 0 && (static_cast<unsigned char>(shown[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
    shown = shown.substr(0, cut) + "…";
  }
  const std::uint32_t id = AddValueEntry({*key, std::move(shown), false});
  ++state.values;
  scoped_value_ids.emplace(lookup_key, id);
  return id;
}

std::uint32_t HotspotAggregator::State::AddValueEntry(ValueEntry entry) {
  const auto id = static_cast<std::uint32_t>(value_entries.size());
  value_entries.push_back(std::move(entry));
  value_last_trace.push_back(0);
  value_counted.push_back({0, 0});
  return id;
}

// Appends the trace's values to `values`, each once per trace (the trace being traces.back()).
void HotspotAggregator::State::CollectValues(const model::Attributes& attributes, bool resource) {
  std::array<char, 32> buffer;
  for (const model::Attribute& attribute : attributes) {
    const std::optional<std::uint32_t> id = ValueId(resource, attribute, buffer);
    if (!id || value_last_trace[*id] == traces.size()) continue;
    value_last_trace[*id] = traces.size();
    values.push_back(*id);
  }
}

namespace {

// The report's parts computed from the kept traces.
class ReportBuilder {
 public:
  ReportBuilder(const std::vector<TraceRecord>& traces, const std::vector<OperationTime>& times)
      : traces_(traces), times_(times) {
    by_latency_.resize(traces.size());
    for (std::size_t i = 0; i < traces.size(); ++i) by_latency_[i] = i;
    std::stable_sort(by_latency_.begin(), by_latency_.end(),
                     [&](std::size_t a, std::size_t b) { return traces[a].latency < traces[b].latency; });
  }

  std::uint64_t LatencyAt(double percentile) const {
    return traces_[by_latency_[RankOf(percentile, by_latency_.size())]].latency;
  }

  // The latency of the slowest (100 - percentile) % of the traces (at least one): the lowest of them.
  std::uint64_t SlowestThreshold(double percentile) const {
    const auto rank = static_cast<std::size_t>(std::floor(percentile / 100.0 * static_cast<double>(by_latency_.size())));
    return traces_[by_latency_[std::min(rank, by_latency_.size() - 1)]].latency;
  }

  // The traces ranked from `from` to `to` percentile of latency (at least one).
  LatencyBand Band(std::string name, double from, double to, std::vector<std::size_t>* members) const {
    const std::size_t count = by_latency_.size();
    auto first = static_cast<std::size_t>(std::floor(from / 100.0 * static_cast<double>(count)));
    auto last = static_cast<std::size_t>(std::ceil(to / 100.0 * static_cast<double>(count)));
    first = std::min(first, count - 1);
    last = std::clamp(last, first + 1, count);
    LatencyBand band{.name = std::move(name), .from_percentile = from, .to_percentile = to};
    members->assign(by_latency_.begin() + static_cast<std::ptrdiff_t>(first),
                    by_latency_.begin() + static_cast<std::ptrdiff_t>(last));
    band.traces = members->size();
    band.min_latency_nanos = traces_[members->front()].latency;
    band.max_latency_nanos = traces_[members->back()].latency;
    for (const std::size_t trace : *members) band.critical_nanos += traces_[trace].critical;
    return band;
  }

  // Each operation's critical-path time summed over `members`.
  std::vector<std::uint64_t> SumPerOperation(const std::vector<std::size_t>& members, std::size_t operations) const {
    std::vector<std::uint64_t> sums(operations, 0);
    for (const std::size_t trace : members) {
      for (const OperationTime& time : TimesOf(traces_[trace])) sums[time.operation] += time.nanos;
    }
    return sums;
  }

  std::span<const OperationTime> TimesOf(const TraceRecord& trace) const {
    return {times_.data() + trace.first_time, trace.time_count};
  }

 private:
  const std::vector<TraceRecord>& traces_;
  const std::vector<OperationTime>& times_;
  std::vector<std::size_t> by_latency_;
};

BandShare ShareIn(std::uint64_t nanos, const LatencyBand& band) {
  return {.share = Ratio(nanos, band.critical_nanos), .mean_nanos = band.traces == 0 ? 0 : nanos / band.traces};
}

// For kSlow: the threshold given, or the latency of the slowest (100 - slow_percentile) %.
std::uint64_t SlowThreshold(const HotspotOptions& options, const ReportBuilder& builder) {
  return options.slow_threshold_nanos.value_or(builder.SlowestThreshold(options.slow_percentile));
}

bool IsSelected(const HotspotOptions& options, const TraceRecord& trace, std::uint64_t slow_threshold) {
  return options.selection == Selection::kFailed ? trace.failed : trace.latency >= slow_threshold;
}

}  // namespace

std::vector<bool> HotspotAggregator::Selected() const {
  const State& state = *state_;
  if (state.traces.empty()) return {};
  const std::uint64_t threshold = SlowThreshold(state.options, ReportBuilder(state.traces, state.times));
  std::vector<bool> selected(state.traces.size());
  for (std::size_t i = 0; i < state.traces.size(); ++i) selected[i] = IsSelected(state.options, state.traces[i], threshold);
  return selected;
}

HotspotReport HotspotAggregator::Finish() && {
  const State& state = *state_;
  const HotspotOptions& options = state.options;
  HotspotReport report;
  report.service = options.service;
  report.operation = options.operation;
  report.traces = state.traces.size();
  report.traces_without_entry = state.traces_without_entry;
  report.truncated = state.truncated;
  report.selection = options.selection;
  report.uncompared_values = state.uncompared_values;
  if (state.traces.empty()) return report;

  const ReportBuilder builder(state.traces, state.times);
  report.latency_p50_nanos = builder.LatencyAt(50);
  report.latency_p99_nanos = builder.LatencyAt(99);
  report.latency_max_nanos = builder.LatencyAt(100);

  // The aggregate critical path: per operation, its share in each band and its own distribution.
  std::vector<std::size_t> p50_members, p99_members;
  report.p50_band = builder.Band("p50", 45, 55, &p50_members);
  report.p99_band = builder.Band("p99", 99, 100, &p99_members);
  const std::size_t operation_count = state.operations.size();
  const std::vector<std::uint64_t> p50_sums = builder.SumPerOperation(p50_members, operation_count);
  const std::vector<std::uint64_t> p99_sums = builder.SumPerOperation(p99_members, operation_count);
  std::vector<std::vector<std::pair<std::uint64_t, std::size_t>>> per_operation(operation_count);  // (nanos, trace)
  for (std::size_t trace = 0; trace < state.traces.size(); ++trace) {
    for (const OperationTime& time : builder.TimesOf(state.traces[trace])) {
      per_operation[time.operation].emplace_back(time.nanos, trace);
      if (time.operation == state.other_operation) ++report.operations_overflow_traces;
    }
  }
  for (std::size_t operation = 0; operation < operation_count; ++operation) {
    auto& contributions = per_operation[operation];
    if (contributions.empty()) continue;
    OperationHotspot& hotspot = report.operations.emplace_back();
    std::tie(hotspot.service, hotspot.operation) = state.operations[operation];
    hotspot.p50 = ShareIn(p50_sums[operation], report.p50_band);
    hotspot.p99 = ShareIn(p99_sums[operation], report.p99_band);
    std::uint64_t total = 0;
    for (const auto& [nanos, trace] : contributions) total += nanos;
    hotspot.traces = contributions.size();
    hotspot.mean_nanos = total / contributions.size();
    const auto nanos_of = [](const std::pair<std::uint64_t, std::size_t>& c) { return c.first; };
    hotspot.p50_nanos = PercentileOf(contributions, 50, nanos_of).first;
    hotspot.p99_nanos = PercentileOf(contributions, 99, nanos_of).first;
    const std::size_t examples = std::min(options.example_traces, contributions.size());
    std::partial_sort(contributions.begin(), contributions.begin() + static_cast<std::ptrdiff_t>(examples),
                      contributions.end(), std::greater<>());
    for (std::size_t i = 0; i < examples; ++i) {
      hotspot.example_traces.push_back(state.traces[contributions[i].second].trace_id.ToHex());
    }
  }
  std::sort(report.operations.begin(), report.operations.end(), [](const OperationHotspot& a, const OperationHotspot& b) {
    if (a.p99.share != b.p99.share) return a.p99.share > b.p99.share;
    if (a.p50.share != b.p50.share) return a.p50.share > b.p50.share;
    return std::tie(a.service, a.operation) < std::tie(b.service, b.operation);
  });
  if (report.operations.size() > options.operations_listed) report.operations.resize(options.operations_listed);

  // The attribute comparison: selection against baseline, each value counted once per trace.
  if (options.selection == Selection::kSlow) {
    report.slow_percentile = options.slow_threshold_nanos ? 0 : options.slow_percentile;
    report.slow_threshold_nanos = SlowThreshold(options, builder);
  }
  std::vector<std::size_t> selection_count(state.value_entries.size(), 0), baseline_count(state.value_entries.size(), 0);
  for (const TraceRecord& trace : state.traces) {
    const bool selected = IsSelected(options, trace, report.slow_threshold_nanos);
    ++(selected ? report.selection_traces : report.baseline_traces);
    std::vector<std::size_t>& counts = selected ? selection_count : baseline_count;
    for (std::uint32_t i = 0; i < trace.value_count; ++i) ++counts[state.values[trace.first_value + i]];
  }
  for (std::size_t value = 0; value < state.value_entries.size(); ++value) {
    selection_count[value] += state.value_counted[value][0];
    baseline_count[value] += state.value_counted[value][1];
    const ValueEntry& entry = state.value_entries[value];
    const std::size_t in_selection = selection_count[value], in_baseline = baseline_count[value];
    if (entry.overflow) {
      if (in_selection + in_baseline > 0) report.key_overflows.push_back({state.keys[entry.key].name, in_selection + in_baseline});
      continue;
    }
    const AttributeDifference difference{.key = state.keys[entry.key].name,
                                         .value = entry.text,
                                         .selection_traces = in_selection,
                                         .baseline_traces = in_baseline,
                                         .selection_share = Ratio(in_selection, report.selection_traces),
                                         .baseline_share = Ratio(in_baseline, report.baseline_traces)};
    if (in_selection > 0 && difference.difference() >= options.min_difference) report.attributes.push_back(difference);
  }
  std::sort(report.attributes.begin(), report.attributes.end(), [](const AttributeDifference& a, const AttributeDifference& b) {
    if (a.difference() != b.difference()) return a.difference() > b.difference();
    return std::tie(a.key, a.value) < std::tie(b.key, b.value);
  });
  if (report.attributes.size() > options.attributes_listed) report.attributes.resize(options.attributes_listed);
  return report;
}

}  // namespace hoptrace::analysis
