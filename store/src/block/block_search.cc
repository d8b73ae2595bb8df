// Search over a block's columns. A SpanFilter runs on the intrinsic and attribute columns of each
// row group (spans are never materialized): first on the intrinsics of every row, then on the
// attributes of the rows the intrinsics could not decide. What a comparison means is decided in one place,
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

// The search columns of one row group, decoded into arrays indexed by row. The early columns
// (intrinsics) are decoded for every row; the late ones (attributes, status messages) only up to
// the last row the early ones could not decide, and attribute cells only for such rows.
struct SearchColumns {
  std::vector<std::uint32_t> trace;  // position of the row's trace in the group
  std::vector<std::uint32_t> resource;
  std::vector<StringRef> name;
  std::vector<std::uint8_t> kind, status;
  std::vector<std::uint64_t> start, end;
  std::vector<std::uint32_t> attribute_begin, attribute_end;  // row -> its cells
  std::vector<AttributeCell> cells;
  std::vector<StringRef> status_message;

  void Clear() {
    for (auto* column : {&trace, &resource, &attribute_begin, &attribute_end}) column->clear();
    for (auto* column : {&name, &status_message}) column->clear();
    for (auto* column : {&kind, &status}) column->clear();
    for (auto* column : {&start, &end}) column->clear();
    cells.clear();
  }
};

// What a filter reads besides resources, starts and ends.
struct ColumnNeeds {
  bool names = false, kinds = false, statuses = false;  // early
  bool attributes = false, status_message = false;     // late
  void Add(const ColumnNeeds& other) {
    names |= other.names;
    kinds |= other.kinds;
    statuses |= other.statuses;
    attributes |= other.attributes;
    status_message |= other.status_message;
  }
};

// One cell's value; arrays are read (to pass over them) but not kept: they never match.
bool DecodeAttributeValue(std::uint8_t type, const std::vector<std::string>& strings, Decoder& values,
                          AttributeCell& cell, model::AttributeValue& array_scratch) {
  switch (static_cast<model::AttributeType>(type)) {
    case model::AttributeType::kString: cell.text = GetStringRef(values, strings); break;
    case model::AttributeType::kBool: cell.boolean = values.GetByte() != 0; break;
    case model::AttributeType::kInt: cell.integer = values.GetSigned(); break;
    case model::AttributeType::kDouble: cell.real = std::bit_cast<double>(values.GetFixed64()); break;
    default: return GetAttributeValue(type, strings, values, array_scratch);
  }
  return true;
}

// Cells of the rows in `wanted` (ascending); rows before the last wanted one are passed over.
bool DecodeAttributeCells(std::vector<Decoder>& in, const std::vector<std::uint32_t>& wanted,
                          const std::vector<std::string>& strings, SearchColumns& out) {
  model::AttributeValue array_scratch;
  const std::size_t rows = out.trace.size();
  out.attribute_begin.assign(rows, 0);
  out.attribute_end.assign(rows, 0);
  std::size_t next_wanted = 0;
  for (std::size_t row = 0; next_wanted < wanted.size() && row < rows; ++row) {
    const bool decode = wanted[next_wanted] == row;
    next_wanted += decode ? 1 : 0;
    out.attribute_begin[row] = static_cast<std::uint32_t>(out.cells.size());
    const std::size_t count = in[kAttributeCounts].GetCount(in[kAttributeTypes]);
    if (!decode) {
      if (!SkipAttributes(count, {&in[kAttributeKeys], &in[kAttributeTypes], &in[kAttributeValues]})) return false;
    }
    for (std::size_t i = 0; decode && i < count; ++i) {
      AttributeCell& cell = out.cells.emplace_back();
      cell.key = GetStringRef(in[kAttributeKeys], strings);
      const std::uint8_t type = in[kAttributeTypes].GetByte();
      cell.type = static_cast<model::AttributeType>(type);
      if (!DecodeAttributeValue(type, strings, in[kAttributeValues], cell, array_scratch)) return false;
    }
    out.attribute_end[row] = static_cast<std::uint32_t>(out.cells.size());
  }
  return std::none_of(in.begin(), in.end(), [](const Decoder& d) { return d.failed(); });
}

// The intrinsics the filter needs, of every row, into `out` cleared (its buffers are reused from
// group to group). Resources, starts and ends are always decoded (range, services, durations).
Status DecodeEarlyColumns(const SectionData& intrinsics_column, const std::vector<TraceRow>& traces,
                          const Dictionaries& dict, ColumnNeeds needs, SearchColumns& out) {
  out.Clear();
  std::vector<Decoder> in;
  if (!SplitStreams(*intrinsics_column, kIntrinsicStreams, &in)) return Corruption("malformed row group streams");
  for (std::uint32_t t = 0; t < traces.size(); ++t) {
    std::uint64_t start = traces[t].start;
    for (std::size_t i = 0; i < traces[t].span_count; ++i) {
      out.trace.push_back(t);
      start += in[kStartDeltas].GetVarint();
      out.start.push_back(start);
    }
  }
  const std::size_t rows = out.trace.size();
  for (std::size_t row = 0; row < rows; ++row) {
    out.end.push_back(out.start[row] + static_cast<std::uint64_t>(in[kDurations].GetSigned()));
    const std::uint32_t resource = in[kResourceIds].GetVarint32();
    if (resource >= dict.resources.size()) return Corruption("resource id out of range");
    out.resource.push_back(resource);
  }
  if (needs.names) {
    for (std::size_t row = 0; row < rows; ++row) out.name.push_back(GetStringRef(in[kNames], dict.strings));
  }
  // One byte per row: taken as they are.
  const auto bytes = [&](Decoder& stream, std::vector<std::uint8_t>& column) {
    const std::string_view data = stream.GetBytes(rows);
    column.assign(data.begin(), data.end());
  };
  if (needs.kinds) bytes(in[kKinds], out.kind);
  if (needs.statuses) bytes(in[kStatusCodes], out.status);
  if (std::any_of(in.begin(), in.end(), [](const Decoder& d) { return d.failed(); })) {
    return Corruption("malformed intrinsic columns");
  }
  return Status::Ok();
}

// Attributes and status messages, for the rows in `wanted` (ascending, not empty).
Status DecodeLateColumns(BlockReader::State& state, std::size_t group, ColumnNeeds needs,
                         const std::vector<std::uint32_t>& wanted, const Dictionaries& dict, SearchColumns& out) {
  if (needs.attributes) {
    SectionData column;
    HOPTRACE_RETURN_IF_ERROR(state.LoadColumn(group, kAttributesColumn, &column));
    std::vector<Decoder> attributes;
    if (!SplitStreams(*column, kAttributeStreams, &attributes) || !DecodeAttributeCells(attributes, wanted, dict.strings, out)) {
      return Corruption("malformed attribute columns");
    }
  }
  if (needs.status_message) {
    SectionData column;
    HOPTRACE_RETURN_IF_ERROR(state.LoadColumn(group, kDetailsColumn, &column));
    std::vector<Decoder> details;
    if (!SplitStreams(*column, kDetailStreams, &details)) return Corruption("malformed detail columns");
    for (std::size_t row = 0; row <= wanted.back(); ++row) {
      out.status_message.push_back(GetStringRef(details[kStatusMessages], dict.strings));
    }
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
    const Intrinsic intrinsic = comparison.field.intrinsic;
    return {.names = intrinsic == Intrinsic::kName,
            .kinds = intrinsic == Intrinsic::kKind,
            .statuses = intrinsic == Intrinsic::kStatus,
            .attributes = intrinsic == Intrinsic::kNone && comparison.field.scope != AttributeScope::kResource,
            .status_message = intrinsic == Intrinsic::kStatusMessage};
  }
  // Needs a late column (attributes or status messages).
  bool late() const {
    const ColumnNeeds needs = Needs(original_->comparison);
    return needs.attributes || needs.status_message;
  }
  // Relative cost per row, to try cheap comparisons first: memoized lookups, then a Matches call on
  // a number, then strings, then late columns.
  int cost() const {
    switch (original_->comparison.field.intrinsic) {
      case Intrinsic::kServiceName:
      case Intrinsic::kKind:
      case Intrinsic::kStatus: return 1;
      case Intrinsic::kDuration: return 2;
      case Intrinsic::kName: return 3;
      case Intrinsic::kStatusMessage: return 10;
      case Intrinsic::kNone: break;
    }
    return late() ? 10 : 1;
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
    for (std::uint32_t i = columns.attribute_begin[row]; i < columns.attribute_end[row]; ++i) {
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

// Yes, no, or cannot tell before the late columns are decoded.
enum class Answer : std::uint8_t { kNo, kYes, kUnknown };

// The filter tree with an evaluator at each comparison, the children of each && and || cheapest
// first (comparisons have no side effects, so the order changes only the cost).
class FilterEvaluator {
 public:
  FilterEvaluator(const SpanFilter& filter, const Dictionaries& dict) : root_(Compile(filter, dict)) {}
  const ColumnNeeds& needs() const { return needs_; }

  // Without the late columns: kUnknown when the answer depends on them.
  Answer TestEarly(const SearchColumns& columns, std::size_t row) { return Evaluate(root_, columns, row, false); }
  // With the late columns decoded for `row`.
  bool Test(const SearchColumns& columns, std::size_t row) { return Evaluate(root_, columns, row, true) == Answer::kYes; }

 private:
  struct Node {
    SpanFilter::Kind kind = SpanFilter::Kind::kTrue;
    std::size_t comparison = 0;  // kComparison: index into comparisons_
    std::vector<Node> children;
    int cost = 0;
  };

  Node Compile(const SpanFilter& filter, const Dictionaries& dict) {
    Node node;
    node.kind = filter.kind;
    if (filter.kind == SpanFilter::Kind::kComparison) {
      node.comparison = comparisons_.size();
      comparisons_.emplace_back(filter.comparison, dict);
      node.cost = comparisons_.back().cost();
      needs_.Add(ComparisonEvaluator::Needs(filter.comparison));
    }
    for (const SpanFilterPtr& child : filter.children) {
      node.children.push_back(Compile(*child, dict));
      node.cost += node.children.back().cost;
    }
    std::stable_sort(node.children.begin(), node.children.end(),
                     [](const Node& a, const Node& b) { return a.cost < b.cost; });
    return node;
  }

  Answer Evaluate(const Node& node, const SearchColumns& columns, std::size_t row, bool late_known) {
    switch (node.kind) {
      case SpanFilter::Kind::kTrue: return Answer::kYes;
      case SpanFilter::Kind::kComparison: {
        ComparisonEvaluator& comparison = comparisons_[node.comparison];
        if (!late_known && comparison.late()) return Answer::kUnknown;
        return comparison.Test(columns, row) ? Answer::kYes : Answer::kNo;
      }
      case SpanFilter::Kind::kAnd:
      case SpanFilter::Kind::kOr: {
        // && stops at the first no, || at the first yes; otherwise unknown wins over the other.
        const Answer decisive = node.kind == SpanFilter::Kind::kAnd ? Answer::kNo : Answer::kYes;
        Answer result = node.kind == SpanFilter::Kind::kAnd ? Answer::kYes : Answer::kNo;
        for (const Node& child : node.children) {
          const Answer answer = Evaluate(child, columns, row, late_known);
          if (answer == decisive) return decisive;
          if (answer == Answer::kUnknown) result = Answer::kUnknown;
        }
        return result;
      }
    }
    return Answer::kNo;
  }

  std::vector<ComparisonEvaluator> comparisons_;
  ColumnNeeds needs_;
  Node root_;
};

}  // namespace

struct BlockSearch::Impl {
  BlockReader::State& state;
  std::shared_ptr<const Dictionaries> dict;
  std::unique_ptr<FilterEvaluator> evaluator;
  SearchColumns columns;  // of the group being searched
  TimeRange range;
  std::vector<std::size_t> groups;  // that overlap the range, latest traces first
  std::size_t next = 0;

  Status SearchGroup(std::size_t group, std::vector<TraceHit>* hits);
  TraceHit MakeHit(const TraceRow& row, std::vector<model::SpanId> matched) const;
};

BlockSearch::BlockSearch(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BlockSearch::~BlockSearch() = default;

std::optional<std::uint64_t> BlockSearch::next_group_latest_start() const {
  if (impl_->next == impl_->groups.size()) return std::nullopt;
  return impl_->state.meta.row_groups[impl_->groups[impl_->next]].latest_trace_start;
}

std::size_t BlockSearch::groups_searched() const { return impl_->next; }

std::optional<std::size_t> BlockSearch::next_group() const {
  if (impl_->next == impl_->groups.size()) return std::nullopt;
  return impl_->groups[impl_->next];
}

Status BlockSearch::SearchNextGroup(std::vector<TraceHit>* hits) {
  if (impl_->next == impl_->groups.size()) return Status::Ok();
  return impl_->SearchGroup(impl_->groups[impl_->next++], hits);
}

Status BlockSearch::Impl::SearchGroup(std::size_t group, std::vector<TraceHit>* hits) {
  SectionData traces_column, intrinsics_column;
  HOPTRACE_RETURN_IF_ERROR(state.LoadColumn(group, kTracesColumn, &traces_column));
  HOPTRACE_RETURN_IF_ERROR(state.LoadColumn(group, kIntrinsicsColumn, &intrinsics_column));
  std::vector<TraceRow> traces;
  HOPTRACE_RETURN_IF_ERROR(state.DecodeTraces(group, traces_column, *dict, &traces));
  SearchColumns& search = columns;
  HOPTRACE_RETURN_IF_ERROR(DecodeEarlyColumns(intrinsics_column, traces, *dict, evaluator->needs(), search));
  std::vector<std::uint32_t> matched_rows, undecided_rows;
  for (std::uint32_t row = 0; row < search.trace.size(); ++row) {
    if (!range.Contains(search.start[row])) continue;
    const Answer answer = evaluator->TestEarly(search, row);
    if (answer == Answer::kYes) matched_rows.push_back(row);
    if (answer == Answer::kUnknown) undecided_rows.push_back(row);
  }
  if (!undecided_rows.empty()) {
    HOPTRACE_RETURN_IF_ERROR(DecodeLateColumns(state, group, evaluator->needs(), undecided_rows, *dict, search));
    for (const std::uint32_t row : undecided_rows) {
      if (evaluator->Test(search, row)) matched_rows.push_back(row);
    }
  }
  if (matched_rows.empty()) return Status::Ok();

  SectionData ids_column;
  HOPTRACE_RETURN_IF_ERROR(state.LoadColumn(group, kIdsColumn, &ids_column));
  std::vector<Decoder> ids;
  if (!SplitStreams(*ids_column, kIdStreams, &ids)) return Corruption("malformed row group streams");
  const std::string_view span_ids = ids[kSpanIds].GetBytes(search.trace.size() * model::SpanId::kSize);
  if (ids[kSpanIds].failed()) return Corruption("malformed span ID stream");
  std::map<std::uint32_t, std::vector<model::SpanId>> matched;  // trace position in the group -> spans
  for (const std::uint32_t row : matched_rows) {
    model::SpanId span_id;
    std::memcpy(span_id.mutable_bytes().data(), span_ids.data() + row * model::SpanId::kSize, model::SpanId::kSize);
    matched[search.trace[row]].push_back(span_id);
  }
  for (auto& [position, spans] : matched) hits->push_back(MakeHit(traces[position], std::move(spans)));
  return Status::Ok();
}

TraceHit BlockSearch::Impl::MakeHit(const TraceRow& row, std::vector<model::SpanId> matched) const {
  const std::vector<std::string>& services = state.meta.services;
  TraceHit hit;
  TraceSummary& summary = hit.summary;
  summary.trace_id = row.trace_id;
  summary.root_service = services[row.root_service];
  summary.root_name = row.root_name;
  summary.start_unix_nano = row.start;
  summary.duration_nanos = row.duration;
  summary.span_count = row.span_count;
  summary.error_count = row.error_count;
  for (const std::uint32_t service : row.services) {
    if (!services[service].empty()) summary.services.push_back(services[service]);
  }
  summary.matched_spans = std::move(matched);
  std::sort(summary.matched_spans.begin(), summary.matched_spans.end());
  hit.root_found = row.root_found;
  return hit;
}

Status BlockReader::StartSearch(const SearchRequest& request, std::unique_ptr<BlockSearch>* search) {
  auto impl = std::make_unique<BlockSearch::Impl>(BlockSearch::Impl{*state_, {}, {}, {}, request.range, {}, 0});
  const MetaSection& meta = state_->meta;
  if (request.limit > 0 && !meta.row_groups.empty() &&
      request.range.Overlaps(meta.meta.min_start_unix_nano, meta.meta.max_start_unix_nano)) {
    HOPTRACE_RETURN_IF_ERROR(state_->LoadDictionaries(&impl->dict));
    impl->evaluator = std::make_unique<FilterEvaluator>(request.filter ? *request.filter : *SpanFilter::True(), *impl->dict);
    for (std::size_t g = 0; g < meta.row_groups.size(); ++g) {
      if (request.range.Overlaps(meta.row_groups[g].min_start, meta.row_groups[g].max_start)) impl->groups.push_back(g);
    }
    std::stable_sort(impl->groups.begin(), impl->groups.end(), [&](std::size_t a, std::size_t b) {
      return meta.row_groups[a].latest_trace_start > meta.row_groups[b].latest_trace_start;
    });
  }
  search->reset(new BlockSearch(std::move(impl)));
  return Status::Ok();
}

Status BlockReader::Search(const SearchRequest& request, std::vector<TraceHit>* hits) {
  hits->clear();
  std::unique_ptr<BlockSearch> search;
  HOPTRACE_RETURN_IF_ERROR(StartSearch(request, &search));
  LatestStarts latest(request.limit);
  while (const std::optional<std::uint64_t> group_latest = search->next_group_latest_start()) {
    if (latest.Excludes(*group_latest)) break;
    const std::size_t before = hits->size();
    HOPTRACE_RETURN_IF_ERROR(search->SearchNextGroup(hits));
    for (std::size_t i = before; i < hits->size(); ++i) latest.Add((*hits)[i].summary.start_unix_nano);
  }
  KeepMostRecent(*hits, request.limit, [](const TraceHit& hit) -> const TraceSummary& { return hit.summary; });
  return Status::Ok();
}

namespace {

// One block's search in progress.
struct BlockCursor {
  BlockReader* reader;
  std::unique_ptr<BlockSearch> search;
};

// The cursor whose next row group holds the latest traces; null once every group was read.
BlockCursor* LatestNext(std::vector<BlockCursor>& cursors, std::uint64_t* latest_start) {
  BlockCursor* best = nullptr;
  for (BlockCursor& cursor : cursors) {
    const std::optional<std::uint64_t> next = cursor.search->next_group_latest_start();
    if (next && (best == nullptr || *next > *latest_start)) {
      best = &cursor;
      *latest_start = *next;
    }
  }
  return best;
}

}  // namespace

void SearchBlocks(const std::vector<BlockReader*>& readers, const SearchRequest& request, LatestStarts& latest,
                  const std::function<void(TraceHit& hit)>& on_hit,
                  const std::function<void(BlockReader& reader, const Status& error)>& on_error) {
  std::vector<BlockCursor> cursors;
  for (BlockReader* reader : readers) {
    BlockCursor cursor{reader, nullptr};
    if (const Status status = reader->StartSearch(request, &cursor.search); !status.ok()) {
      on_error(*reader, status);
      continue;
    }
    cursors.push_back(std::move(cursor));
  }
  std::vector<TraceHit> hits;
  std::uint64_t next_latest = 0;
  while (BlockCursor* cursor = LatestNext(cursors, &next_latest)) {
    if (latest.Excludes(next_latest)) break;
    hits.clear();
    if (const Status status = cursor->search->SearchNextGroup(&hits); !status.ok()) {
      on_error(*cursor->reader, status);
      std::erase_if(cursors, [&](const BlockCursor& c) { return &c == cursor; });
      continue;
    }
    for (TraceHit& hit : hits) on_hit(hit);
  }
}

}  // namespace hoptrace::store::block
