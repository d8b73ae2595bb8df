// Search over a block's columns. A SpanFilter runs on the intrinsic and attribute columns of each
// row group (spans are never materialized). What a comparison means is decided in one place,
// store::Matches: each comparison asks it about a one-field probe span, and remembers the answer
// per dictionary string, per resource and per enum value, so most rows cost a table lookup.

#include <algorithm>
#include <cstring>
#include <map>
#include <queue>

#include "block/block_reader_state.h"

namespace hoptrace::store::block {
namespace {

// One attribute of one span as search needs it: arrays keep only their type (they never match).
struct AttributeCell {
  StringRef key;
  model::AttributeType type = model::AttributeType::kString;
  StringRef text;
  std::int64_t integer = 0;
  double real = 0;
  bool boolean = false;
};

// The search columns of one row group, decoded into arrays indexed by row.
struct SearchColumns {
  std::vector<std::uint64_t> trace;  // ordinal in the block
  std::vector<std::uint32_t> resource;
  std::vector<StringRef> name;
  std::vector<std::uint8_t> kind, status;
  std::vector<std::uint64_t> start, end;
  std::vector<std::uint32_t> attribute_begin;  // row -> first cell; one extra entry at the end
  std::vector<AttributeCell> cells;
  std::vector<StringRef> status_message;
  std::string_view span_ids;  // 8 bytes per row
};

struct ColumnNeeds {
  bool attributes = false;
  bool status_message = false;
};

bool DecodeAttributeCells(std::vector<Decoder>& in, std::size_t rows, const std::vector<std::string>& strings,
                          SearchColumns& out) {
  model::AttributeValue array_scratch;
  for (std::size_t row = 0; row < rows; ++row) {
    out.attribute_begin.push_back(static_cast<std::uint32_t>(out.cells.size()));
    const std::size_t count = in[kAttributeCounts].GetCount(in[kAttributeTypes]);
    for (std::size_t i = 0; i < count; ++i) {
      AttributeCell& cell = out.cells.emplace_back();
      cell.key = GetStringRef(in[kAttributeKeys], strings);
      const std::uint8_t type = in[kAttributeTypes].GetByte();
      cell.type = static_cast<model::AttributeType>(type);
      Decoder& values = in[kAttributeValues];
      switch (cell.type) {
        case model::AttributeType::kString: cell.text = GetStringRef(values, strings); break;
        case model::AttributeType::kBool: cell.boolean = values.GetByte() != 0; break;
        case model::AttributeType::kInt: cell.integer = values.GetSigned(); break;
        case model::AttributeType::kDouble: cell.real = std::bit_cast<double>(values.GetFixed64()); break;
        default:
          if (!GetAttributeValue(type, strings, values, array_scratch)) return false;
      }
    }
  }
  out.attribute_begin.push_back(static_cast<std::uint32_t>(out.cells.size()));
  return std::none_of(in.begin(), in.end(), [](const Decoder& d) { return d.failed(); });
}

Status DecodeSearchColumns(const std::vector<SectionData>& columns, const RowGroupInfo& group, std::uint64_t block_start,
                           const Dictionaries& dict, ColumnNeeds needs, SearchColumns& out) {
  std::vector<Decoder> intrinsics, ids;
  if (!SplitStreams(*columns[kIntrinsicsColumn], kIntrinsicStreams, &intrinsics) ||
      !SplitStreams(*columns[kIdsColumn], kIdStreams, &ids)) {
    return Corruption("malformed row group streams");
  }
  out.span_ids = ids[kSpanIds].GetBytes(std::size_t{group.span_count} * model::SpanId::kSize);
  Decoder traces(*columns[kTracesColumn]);
  for (std::uint64_t t = group.first_trace; t < group.first_trace + group.trace_count; ++t) {
    const std::uint64_t count = traces.GetVarint();
    std::uint64_t start = block_start + traces.GetVarint();
    if (traces.failed() || count > group.span_count - out.trace.size()) return Corruption("malformed trace column");
    for (std::size_t i = 0; i < count; ++i) {
      out.trace.push_back(t);
      const std::uint32_t resource = intrinsics[kResourceIds].GetVarint32();
      if (resource >= dict.resources.size()) return Corruption("resource id out of range");
      out.resource.push_back(resource);
      intrinsics[kScopeIds].GetVarint();
      out.name.push_back(GetStringRef(intrinsics[kNames], dict.strings));
      out.kind.push_back(intrinsics[kKinds].GetByte());
      out.status.push_back(intrinsics[kStatusCodes].GetByte());
      start += intrinsics[kStartDeltas].GetVarint();
      out.start.push_back(start);
      out.end.push_back(start + static_cast<std::uint64_t>(intrinsics[kDurations].GetSigned()));
    }
  }
  const std::size_t rows = out.trace.size();
  if (rows != group.span_count || out.span_ids.size() != rows * model::SpanId::kSize ||
      std::any_of(intrinsics.begin(), intrinsics.end(), [](const Decoder& d) { return d.failed(); })) {
    return Corruption("malformed intrinsic columns");
  }
  if (needs.attributes) {
    std::vector<Decoder> attributes;
    if (!SplitStreams(*columns[kAttributesColumn], kAttributeStreams, &attributes) ||
        !DecodeAttributeCells(attributes, rows, dict.strings, out)) {
      return Corruption("malformed attribute columns");
    }
  }
  if (needs.status_message) {
    std::vector<Decoder> details;
    if (!SplitStreams(*columns[kDetailsColumn], kDetailStreams, &details)) return Corruption("malformed detail columns");
    for (std::size_t row = 0; row < rows; ++row) out.status_message.push_back(GetStringRef(details[kStatusMessages], dict.strings));
    if (details[kStatusMessages].failed()) return Corruption("malformed status messages");
  }
  return Status::Ok();
}

// A remembered yes/no per index (dictionary string, resource, enum value): -1 until asked.
class Memo {
 public:
  template <typename Compute>
  bool Get(std::size_t index, Compute&& compute) {
    if (index >= answers_.size()) answers_.resize(index + 1, -1);
    if (answers_[index] < 0) answers_[index] = compute() ? 1 : 0;
    return answers_[index] == 1;
  }

 private:
  std::vector<std::int8_t> answers_;
};

// One comparison, evaluated on a row of SearchColumns.
class ComparisonEvaluator {
 public:
  ComparisonEvaluator(const Comparison& comparison, const Dictionaries& dict)
      : dict_(dict), original_(SpanFilter::Compare(comparison)) {
    Comparison on_span = comparison;
    on_span.field.scope = AttributeScope::kSpan;
    on_span_ = SpanFilter::Compare(on_span);
    Comparison on_resource = comparison;
    on_resource.field.scope = AttributeScope::kResource;
    on_resource_ = SpanFilter::Compare(on_resource);
    probe_.attributes.push_back({comparison.field.attribute, {}});
    const auto it = std::find(dict.strings.begin(), dict.strings.end(), comparison.field.attribute);
    key_id_ = it == dict.strings.end() ? kInlineString : static_cast<std::uint32_t>(it - dict.strings.begin());
  }

  bool Test(const SearchColumns& columns, std::size_t row) {
    const Comparison& c = original_->comparison;
    switch (c.field.intrinsic) {
      case Intrinsic::kName: return TestText(columns.name[row], [&](std::string_view text) { probe_.name = text; });
      case Intrinsic::kStatusMessage:
        return TestText(columns.status_message[row], [&](std::string_view text) { probe_.status.message = text; });
      case Intrinsic::kServiceName:
        return by_resource_.Get(columns.resource[row], [&] {
          return Matches(*original_, empty_span_, dict_.resources[columns.resource[row]].resource);
        });
      case Intrinsic::kKind:
        return by_enum_.Get(columns.kind[row], [&] {
          probe_.kind = static_cast<model::SpanKind>(columns.kind[row]);
          return Ask(*original_);
        });
      case Intrinsic::kStatus:
        return by_enum_.Get(columns.status[row], [&] {
          probe_.status.code = static_cast<model::StatusCode>(columns.status[row]);
          return Ask(*original_);
        });
      case Intrinsic::kDuration:
        probe_.start_time_unix_nano = columns.start[row];
        probe_.end_time_unix_nano = columns.end[row];
        return Ask(*original_);
      case Intrinsic::kNone: break;
    }
    if (c.field.scope != AttributeScope::kResource) {
      if (const AttributeCell* cell = FindCell(columns, row)) return TestCell(*cell);  // the span's value wins
      if (c.field.scope == AttributeScope::kSpan) return false;
    }
    return by_resource_.Get(columns.resource[row], [&] {
      return Matches(*on_resource_, empty_span_, dict_.resources[columns.resource[row]].resource);
    });
  }

  static ColumnNeeds Needs(const Comparison& comparison) {
    return {comparison.field.intrinsic == Intrinsic::kNone && comparison.field.scope != AttributeScope::kResource,
            comparison.field.intrinsic == Intrinsic::kStatusMessage};
  }

 private:
  bool Ask(const SpanFilter& filter) { return Matches(filter, probe_, empty_resource_); }

  // Dictionary strings are asked about once; inline strings every time.
  template <typename Set>
  bool TestText(StringRef text, Set&& set) {
    const auto ask = [&] {
      set(text.text);
      return Ask(*original_);
    };
    return text.id == kInlineString ? ask() : by_string_.Get(text.id, ask);
  }

  const AttributeCell* FindCell(const SearchColumns& columns, std::size_t row) const {
    const std::string& key = original_->comparison.field.attribute;
    for (std::uint32_t i = columns.attribute_begin[row]; i < columns.attribute_begin[row + 1]; ++i) {
      const StringRef& cell_key = columns.cells[i].key;
      if (cell_key.id == kInlineString ? cell_key.text == key : cell_key.id == key_id_) return &columns.cells[i];
    }
    return nullptr;
  }

  bool TestCell(const AttributeCell& cell) {
    model::AttributeValue& value = probe_.attributes[0].value;
    switch (cell.type) {
      case model::AttributeType::kString: {
        const auto ask = [&] {
          value = std::string(cell.text.text);
          return Ask(*on_span_);
        };
        return cell.text.id == kInlineString ? ask() : by_string_.Get(cell.text.id, ask);
      }
      case model::AttributeType::kBool: value = cell.boolean; break;
      case model::AttributeType::kInt: value = cell.integer; break;
      case model::AttributeType::kDouble: value = cell.real; break;
      default: value = std::vector<std::int64_t>{}; break;  // any array: not comparable
    }
    return Ask(*on_span_);
  }

  const Dictionaries& dict_;
  SpanFilterPtr original_;
  SpanFilterPtr on_span_, on_resource_;
  model::Span probe_;
  const model::Span empty_span_;
  const model::Resource empty_resource_;
  std::uint32_t key_id_ = kInlineString;
  Memo by_string_, by_resource_, by_enum_;
};

// The filter tree with an evaluator at each comparison.
class FilterEvaluator {
 public:
  FilterEvaluator(const SpanFilterPtr& filter, const Dictionaries& dict) : filter_(filter) {
    Compile(*filter, dict);
  }
  const ColumnNeeds& needs() const { return needs_; }
  bool Test(const SearchColumns& columns, std::size_t row) {
    std::size_t next = 0;
    return Evaluate(*filter_, columns, row, next);
  }

 private:
  void Compile(const SpanFilter& filter, const Dictionaries& dict) {
    if (filter.kind == SpanFilter::Kind::kComparison) {
      comparisons_.emplace_back(filter.comparison, dict);
      const ColumnNeeds needs = ComparisonEvaluator::Needs(filter.comparison);
      needs_.attributes |= needs.attributes;
      needs_.status_message |= needs.status_message;
    }
    for (const SpanFilterPtr& child : filter.children) Compile(*child, dict);
  }

  // Comparisons are numbered in tree order; `next` walks them, skipping those a short-circuit passes.
  bool Evaluate(const SpanFilter& filter, const SearchColumns& columns, std::size_t row, std::size_t& next) {
    switch (filter.kind) {
      case SpanFilter::Kind::kTrue: return true;
      case SpanFilter::Kind::kComparison: return comparisons_[next++].Test(columns, row);
      case SpanFilter::Kind::kAnd:
      case SpanFilter::Kind::kOr: {
        const bool is_and = filter.kind == SpanFilter::Kind::kAnd;
        bool result = is_and;
        for (const SpanFilterPtr& child : filter.children) {
          if (result != is_and) {
            next += CountComparisons(*child);
            continue;
          }
          result = Evaluate(*child, columns, row, next);
        }
        return result;
      }
    }
    return false;
  }

  static std::size_t CountComparisons(const SpanFilter& filter) {
    std::size_t count = filter.kind == SpanFilter::Kind::kComparison ? 1 : 0;
    for (const SpanFilterPtr& child : filter.children) count += CountComparisons(*child);
    return count;
  }

  SpanFilterPtr filter_;
  std::vector<ComparisonEvaluator> comparisons_;
  ColumnNeeds needs_;
};

}  // namespace

Status BlockReader::Search(const SearchRequest& request, std::vector<TraceHit>* hits) {
  hits->clear();
  const MetaSection& meta = state_->meta;
  const TimeRange& range = request.range;
  if (request.limit == 0 || meta.row_groups.empty() ||
      !range.Overlaps(meta.meta.min_start_unix_nano, meta.meta.max_start_unix_nano)) {
    return Status::Ok();
  }
  std::shared_ptr<const Dictionaries> dict;
  HOPTRACE_RETURN_IF_ERROR(state_->LoadDictionaries(&dict));
  const SpanFilterPtr filter = request.filter ? request.filter : SpanFilter::True();
  FilterEvaluator evaluator(filter, *dict);

  // Latest traces first, so the search can stop once no remaining group can beat the hits it has.
  std::vector<std::pair<std::uint64_t, std::size_t>> groups;  // (latest trace start, group)
  for (std::size_t g = 0; g < meta.row_groups.size(); ++g) {
    const RowGroupInfo& group = meta.row_groups[g];
    if (!range.Overlaps(group.min_start, group.max_start)) continue;
    std::uint64_t latest = 0;
    for (std::uint64_t t = group.first_trace; t < group.first_trace + group.trace_count; ++t) {
      latest = std::max(latest, dict->summaries[t].start);
    }
    groups.emplace_back(latest, g);
  }
  std::sort(groups.begin(), groups.end(), std::greater<>());

  std::map<std::uint64_t, std::vector<model::SpanId>> matched;  // trace ordinal -> spans
  std::priority_queue<std::uint64_t, std::vector<std::uint64_t>, std::greater<>> best_starts;
  for (const auto& [latest, g] : groups) {
    if (best_starts.size() >= request.limit && latest < best_starts.top()) break;
    std::vector<SectionData> columns;
    HOPTRACE_RETURN_IF_ERROR(state_->LoadRowGroup(g, &columns));
    SearchColumns search;
    HOPTRACE_RETURN_IF_ERROR(DecodeSearchColumns(columns, meta.row_groups[g], meta.meta.min_start_unix_nano, *dict,
                                                 evaluator.needs(), search));
    for (std::size_t row = 0; row < search.trace.size(); ++row) {
      if (!range.Contains(search.start[row]) || !evaluator.Test(search, row)) continue;
      model::SpanId span_id;
      std::memcpy(span_id.mutable_bytes().data(), search.span_ids.data() + row * model::SpanId::kSize, model::SpanId::kSize);
      auto [it, first_match] = matched.try_emplace(search.trace[row]);
      it->second.push_back(span_id);
      if (first_match) {
        best_starts.push(dict->summaries[search.trace[row]].start);
        if (best_starts.size() > request.limit) best_starts.pop();
      }
    }
  }

  std::vector<std::uint64_t> ordinals;
  for (const auto& entry : matched) ordinals.push_back(entry.first);
  std::sort(ordinals.begin(), ordinals.end(), [&](std::uint64_t a, std::uint64_t b) {
    const std::uint64_t start_a = dict->summaries[a].start, start_b = dict->summaries[b].start;
    return start_a != start_b ? start_a > start_b : a < b;
  });
  if (ordinals.size() > request.limit) ordinals.resize(request.limit);
  for (const std::uint64_t ordinal : ordinals) {
    const SummaryRow& row = dict->summaries[ordinal];
    TraceHit& hit = hits->emplace_back();
    TraceSummary& summary = hit.summary;
    HOPTRACE_RETURN_IF_ERROR(state_->TraceIdAt(ordinal, &summary.trace_id));
    summary.root_service = meta.services[row.root_service];
    summary.root_name = row.root_name;
    summary.start_unix_nano = row.start;
    summary.duration_nanos = row.duration;
    summary.span_count = row.span_count;
    summary.error_count = row.error_count;
    for (const std::uint32_t service : row.services) {
      if (!meta.services[service].empty()) summary.services.push_back(meta.services[service]);
    }
    summary.matched_spans = std::move(matched[ordinal]);
    std::sort(summary.matched_spans.begin(), summary.matched_spans.end());
    hit.root_found = row.root_found;
  }
  return Status::Ok();
}

}  // namespace hoptrace::store::block
