// Compaction without decoding most spans. The output's traces are planned from the inputs' trace
// rows alone (start time, then ID, as every block orders them), the output dictionary from the
// inputs' dictionaries alone, its service graph from the inputs' graphs; then each input's row
// groups are read in that order, once. A trace held by one input (almost all) has its span
// columns copied: string references remapped to the output dictionary and resource and scope ids
// to the output's, value by value; the rest as runs of bytes, since within the trace nothing
// moves (start deltas and parent references stay as they are). A trace spread over several inputs
// is decoded, its spans merged (duplicates dropped, the first input wins, as BlockBuilder does) and
// encoded like a cut's.
// Memory: the inputs' trace rows and dictionaries, one row group per input, one output row group
// and the spread traces' spans, never the inputs' spans at large.

#include <algorithm>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

#include "block/block.h"
#include "block/block_format.h"
#include "block/block_reader_state.h"
#include "block/block_writer.h"

namespace hoptrace::store::block {
namespace {

// One input's copy of an output trace.
struct TracePart {
  model::TraceId trace_id;
  std::uint64_t start = 0;
  std::uint32_t input = 0;
  std::uint32_t group = 0;
  std::uint32_t index = 0;  // the trace's position in its row group
};

// An output trace: parts [first_part, first_part + part_count) of the parts sorted by ID and input.
struct OutputTrace {
  std::uint64_t start = 0;  // the earliest of its parts'
  std::size_t first_part = 0;
  std::size_t part_count = 0;
};

// How one input's ids become the output's.
struct InputIds {
  std::shared_ptr<const Dictionaries> dict;
  std::vector<std::uint32_t> resources, scopes, services;
  // Per dictionary string: its output reference (output id + 1), or 0 where the output inlines it.
  std::vector<std::uint32_t> string_refs;
};

// Where the copier writes: into the output's encoders when copying, nowhere when it passes over a
// trace another step takes (a spread one).
struct NullEncoder {
  void PutByte(std::uint8_t /*value*/) {}
  void PutVarint(std::uint64_t /*value*/) {}
  void PutSigned(std::int64_t /*value*/) {}
  void PutBytes(std::string_view /*bytes*/) {}
};
struct NullStreams {
  NullEncoder& operator[](std::size_t /*stream*/) { return encoder; }
  NullEncoder encoder;
};
struct NullColumns {
  NullStreams intrinsics, ids, attributes, details;
};
template <typename Out>
struct AttributeOutputs {
  Out* keys;
  Out* types;
  Out* values;
};

// Most string references, string lengths and small values are one byte long in and out, most of
// the rest two (references past the 128 most frequent strings): read and written here without a
// call (Decoder::GetVarint's longer path and Encoder::PutVarint are not inlined into the copier's
// big loops).
[[gnu::always_inline]] inline std::uint64_t GetShortVarint(Decoder& in) {
  const std::string_view rest = in.rest();
  if (rest.size() >= 2) {
    const auto low = static_cast<std::uint8_t>(rest[0]);
    if (low < 0x80) return in.GetByte();
    const auto high = static_cast<std::uint8_t>(rest[1]);
    if (high < 0x80) {
      in.GetByte();
      in.GetByte();
      return (low & 0x7fU) | (std::uint64_t{high} << 7);
    }
  }
  return in.GetVarint();
}
template <typename Out>
[[gnu::always_inline]] inline void PutShortVarint(Out& out, std::uint64_t value) {
  if (value < 0x80) {
    out.PutByte(static_cast<std::uint8_t>(value));
  } else if (value < 0x4000) {
    out.PutByte(static_cast<std::uint8_t>(value | 0x80));
    out.PutByte(static_cast<std::uint8_t>(value >> 7));
  } else {
    out.PutVarint(value);
  }
}

// String reference sinks, handed each reference while span columns are walked.
class StringRemapper {
 public:
  explicit StringRemapper(const InputIds& ids)
      : output_refs_(ids.string_refs.data()), input_strings_(ids.string_refs.size()), dict_(*ids.dict) {}
  void Take(Decoder& in, Encoder& out) {
    const std::uint64_t ref = GetShortVarint(in);
    if (ref == 0) {  // inline stays inline: the output dictionary holds what the inputs' held
      out.PutByte(0);
      const std::uint64_t size = GetShortVarint(in);
      PutShortVarint(out, size);
      if (size != 0) out.PutBytes(in.GetBytes(size));  // most inline strings are empty: no call
    } else if (ref <= input_strings_) {
      const std::uint32_t output_ref = output_refs_[ref - 1];
      PutShortVarint(out, output_ref);
      if (output_ref == 0) out.PutLengthPrefixed(dict_.strings[ref - 1]);
    } else {
      in.Fail();
    }
  }

 private:
  // InputIds::string_refs, as a pointer and a size the loops keep at hand.
  const std::uint32_t* output_refs_;
  std::size_t input_strings_;
  const Dictionaries& dict_;
};

// Passes over a row group's traces that another step takes (the spread ones).
class StringSkipper {
 public:
  void Take(Decoder& in, NullEncoder& /*out*/) { SkipStringRef(in); }
};

// What the output's meta needs of the spans copied.
struct CopiedSpanFacts {
  std::uint64_t min_start = UINT64_MAX;
  std::uint64_t max_start = 0;
  std::uint64_t max_end = 0;
};

// The bytes of the next `count` varints of `in`, consumed, without decoding them.
std::string_view SkipVarints(Decoder& in, std::size_t count) {
  const std::string_view rest = in.rest();
  std::size_t at = 0;
  for (std::size_t seen = 0; seen < count; ++at) {
    if (at == rest.size()) {
      in.Fail();
      return {};
    }
    seen += static_cast<std::uint8_t>(rest[at]) < 0x80 ? 1 : 0;
  }
  return in.GetBytes(at);
}

// The same, handing each value to `visit`.
template <typename Visit>
std::string_view ReadVarints(Decoder& in, std::size_t count, Visit&& visit) {
  Decoder values(in.rest());
  for (std::size_t i = 0; i < count; ++i) visit(values.GetVarint());
  if (values.failed()) {
    in.Fail();
    return {};
  }
  return in.GetBytes(in.remaining() - values.remaining());
}

// Counts of items that each take at least one byte of `items`: their bytes, and their sum in
// `total` (past what `items` holds when any is garbage).
std::string_view ReadCounts(Decoder& counts, std::size_t count, const Decoder& items, std::size_t& total) {
  const std::size_t limit = items.remaining();
  total = 0;
  const std::string_view bytes = ReadVarints(counts, count, [&](std::uint64_t n) {
    total += n > limit ? limit + 1 : static_cast<std::size_t>(n);  // no overflow: count spans, limit < 2^30
  });
  if (total > limit) counts.Fail();
  return bytes;
}

// Walks the span columns of one input row group, copying a trace's values into `Columns`
// (SpanColumns, or NullColumns to only read) and handing string references to a sink. Within a
// trace, columns without references to remap (span IDs, parents, kinds, status codes, start
// deltas, durations, flags, counts) are copied as runs of bytes.
class SpanColumnCopier {
 public:
  Status Open(const std::vector<SectionData>& columns) {
    if (!SplitSpanColumns(columns, &intrinsics_, &ids_, &attributes_, &details_)) {
      return Corruption("malformed row group streams");
    }
    return Status::Ok();
  }

  template <typename Columns, typename Sink>
  Status CopyTrace(const TraceRow& trace, const InputIds& input, Sink& strings, Columns& out, CopiedSpanFacts& facts) {
    const std::size_t spans = trace.span_count;
    if (!CopyIntrinsics(spans, input, strings, out.intrinsics)) return Corruption("malformed span columns");
    CopyIds(spans, strings, out.ids);
    CopyAttributeColumn(spans, strings, out.attributes);
    CopyDetails(spans, strings, out.details);
    // Decoders fail safe (zeros once failed), so one check per trace is enough.
    if (Failed(intrinsics_) || Failed(ids_) || Failed(attributes_) || Failed(details_)) {
      return Corruption("malformed span columns");
    }
    // Spans start in order within their trace; its row holds its start and its latest end.
    facts.min_start = trace.start;
    facts.max_start = trace.start + start_deltas_;
    facts.max_end = trace.start + trace.duration;
    return Status::Ok();
  }

 private:
  template <typename Streams, typename Sink>
  bool CopyIntrinsics(std::size_t spans, const InputIds& input, Sink& strings, Streams& out) {
    for (std::size_t i = 0; i < spans; ++i) {
      const std::uint32_t resource = intrinsics_[kResourceIds].GetVarint32();
      const std::uint32_t scope = intrinsics_[kScopeIds].GetVarint32();
      if (resource >= input.resources.size() || scope >= input.scopes.size()) return false;
      out[kResourceIds].PutVarint(input.resources[resource]);
      out[kScopeIds].PutVarint(input.scopes[scope]);
      strings.Take(intrinsics_[kNames], out[kNames]);
    }
    out[kKinds].PutBytes(intrinsics_[kKinds].GetBytes(spans));
    out[kStatusCodes].PutBytes(intrinsics_[kStatusCodes].GetBytes(spans));
    start_deltas_ = 0;
    out[kStartDeltas].PutBytes(
        ReadVarints(intrinsics_[kStartDeltas], spans, [&](std::uint64_t delta) { start_deltas_ += delta; }));
    out[kDurations].PutBytes(SkipVarints(intrinsics_[kDurations], spans));
    return true;
  }

  template <typename Streams, typename Sink>
  void CopyIds(std::size_t spans, Sink& strings, Streams& out) {
    out[kSpanIds].PutBytes(ids_[kSpanIds].GetBytes(spans * model::SpanId::kSize));
    std::size_t explicit_parents = 0;
    out[kParentRefs].PutBytes(ReadVarints(ids_[kParentRefs], spans, [&](std::uint64_t parent) {
      explicit_parents += parent == kParentExplicit ? 1 : 0;
    }));
    out[kExplicitParents].PutBytes(ids_[kExplicitParents].GetBytes(explicit_parents * model::SpanId::kSize));
    out[kFlags].PutBytes(SkipVarints(ids_[kFlags], spans));
    for (std::size_t i = 0; i < spans; ++i) strings.Take(ids_[kTraceStates], out[kTraceStates]);
  }

  template <typename Streams, typename Sink>
  void CopyAttributeColumn(std::size_t spans, Sink& strings, Streams& out) {
    using Out = std::remove_reference_t<decltype(out[0])>;
    std::size_t attributes = 0;
    out[kAttributeCounts].PutBytes(
        ReadCounts(attributes_[kAttributeCounts], spans, attributes_[kAttributeTypes], attributes));
    const AttributeDecoders in{&attributes_[kAttributeKeys], &attributes_[kAttributeTypes],
                               &attributes_[kAttributeValues]};
    CopyAttributes(attributes, in, AttributeOutputs<Out>{&out[kAttributeKeys], &out[kAttributeTypes], &out[kAttributeValues]},
                   strings);
  }

  template <typename Streams, typename Sink>
  void CopyDetails(std::size_t spans, Sink& strings, Streams& out) {
    for (std::size_t i = 0; i < spans; ++i) strings.Take(details_[kStatusMessages], out[kStatusMessages]);
    out[kDroppedCounts].PutBytes(SkipVarints(details_[kDroppedCounts], 3 * spans));
    std::size_t events = 0, links = 0;
    const std::string_view event_counts = ReadCounts(details_[kEventCounts], spans, details_[kEventScalars], events);
    const std::string_view link_counts = ReadCounts(details_[kLinkCounts], spans, details_[kLinkIds], links);
    out[kEventCounts].PutBytes(event_counts);
    out[kLinkCounts].PutBytes(link_counts);
    if (events == 0 && links == 0) return;  // most traces
    // Events and links share the nested attribute streams, span by span.
    Decoder span_events(event_counts), span_links(link_counts);
    for (std::size_t i = 0; i < spans; ++i) {
      CopyEvents(span_events.GetVarint(), strings, out);
      CopyLinks(span_links.GetVarint(), strings, out);
    }
  }

  template <typename Streams, typename Sink>
  void CopyEvents(std::uint64_t events, Sink& strings, Streams& out) {
    for (std::uint64_t i = 0; i < events; ++i) {
      CopyVarint(details_[kEventScalars], out[kEventScalars]);  // time
      strings.Take(details_[kEventScalars], out[kEventScalars]);
      CopyVarint(details_[kEventScalars], out[kEventScalars]);  // dropped attributes
      if (!CopyNestedAttributes(strings, out)) return;
    }
  }

  template <typename Streams, typename Sink>
  void CopyLinks(std::uint64_t links, Sink& strings, Streams& out) {
    for (std::uint64_t i = 0; i < links; ++i) {
      CopyBytes(details_[kLinkIds], out[kLinkIds], model::TraceId::kSize + model::SpanId::kSize);
      strings.Take(details_[kLinkScalars], out[kLinkScalars]);
      for (int varint = 0; varint < 2; ++varint) CopyVarint(details_[kLinkScalars], out[kLinkScalars]);  // flags, dropped
      if (!CopyNestedAttributes(strings, out)) return;
    }
  }

  template <typename Out>
  static void CopyVarint(Decoder& in, Out& out) {
    PutShortVarint(out, GetShortVarint(in));
  }
  template <typename Out>
  static void CopyBytes(Decoder& in, Out& out, std::size_t n) {
    out.PutBytes(in.GetBytes(n));
  }

  template <typename Streams, typename Sink>
  bool CopyNestedAttributes(Sink& strings, Streams& details) {
    using Out = std::remove_reference_t<decltype(details[0])>;
    const std::size_t count = details_[kNestedCounts].GetCount(details_[kNestedTypes]);
    details[kNestedCounts].PutVarint(count);
    return CopyAttributes(count, {&details_[kNestedKeys], &details_[kNestedTypes], &details_[kNestedValues]},
                          AttributeOutputs<Out>{&details[kNestedKeys], &details[kNestedTypes], &details[kNestedValues]},
                          strings);
  }

  template <typename Out, typename Sink>
  static bool CopyAttributes(std::size_t count, const AttributeDecoders& in, const AttributeOutputs<Out>& out,
                             Sink& strings) {
    const std::string_view types = in.types->GetBytes(count);  // copied as they are
    out.types->PutBytes(types);
    for (const char type_byte : types) {
      strings.Take(*in.keys, *out.keys);
      const auto type = static_cast<model::AttributeType>(static_cast<std::uint8_t>(type_byte));
      switch (type) {
        case model::AttributeType::kString:
        case model::AttributeType::kBool:
        case model::AttributeType::kInt:
        case model::AttributeType::kDouble: CopyScalar(type, *in.values, *out.values, strings); break;
        case model::AttributeType::kStringArray:
        case model::AttributeType::kBoolArray:
        case model::AttributeType::kIntArray:
        case model::AttributeType::kDoubleArray: {
          const std::size_t items = in.values->GetCount();
          out.values->PutVarint(items);
          for (std::size_t item = 0; item < items; ++item) CopyScalar(type, *in.values, *out.values, strings);
          break;
        }
        default: in.values->Fail(); return false;
      }
    }
    return !in.keys->failed() && !in.types->failed() && !in.values->failed();
  }

  template <typename Out, typename Sink>
  static void CopyScalar(model::AttributeType type, Decoder& in, Out& out, Sink& strings) {
    switch (type) {
      case model::AttributeType::kString:
      case model::AttributeType::kStringArray: strings.Take(in, out); break;
      case model::AttributeType::kBool:
      case model::AttributeType::kBoolArray: out.PutByte(in.GetByte()); break;
      case model::AttributeType::kInt:
      case model::AttributeType::kIntArray: CopyVarint(in, out); break;
      default: CopyBytes(in, out, 8); break;
    }
  }

  static bool Failed(const std::vector<Decoder>& streams) {
    return std::any_of(streams.begin(), streams.end(), [](const Decoder& d) { return d.failed(); });
  }

  std::vector<Decoder> intrinsics_, ids_, attributes_, details_;
  std::uint64_t start_deltas_ = 0;  // of the trace being copied: its last span's start - its start
};


// One input read row group by row group, forwards only.
struct InputCursor {
  std::size_t group = SIZE_MAX;
  std::vector<SectionData> columns;
  std::vector<TraceRow> rows;
  SpanColumnCopier copier;
  std::size_t next = 0;  // the next trace of the group the copier is at
};

class BlockMerger {
 public:
  BlockMerger(std::vector<BlockReader::State*> inputs, int zstd_level)
      : inputs_(std::move(inputs)), ids_(inputs_.size()), zstd_level_(zstd_level) {}

  Status Run(const std::filesystem::path& path, BlockMeta* meta_out) {
    HOPTRACE_RETURN_IF_ERROR(MapIds());
    HOPTRACE_RETURN_IF_ERROR(PlanTraces());
    HOPTRACE_RETURN_IF_ERROR(DecodeSpreadParts());
    BuildDictionary();
    HOPTRACE_RETURN_IF_ERROR(Write(path));
    if (meta_out != nullptr) *meta_out = meta_.meta;
    return Status::Ok();
  }

 private:
  // Every input's resources, scopes and services in the output's ids.
  Status MapIds() {
    for (std::size_t i = 0; i < inputs_.size(); ++i) {
      HOPTRACE_RETURN_IF_ERROR(inputs_[i]->LoadDictionaries(&ids_[i].dict));
      for (const ResourceEntry& resource : ids_[i].dict->resources) ids_[i].resources.push_back(resources_.Intern(resource));
      for (const ScopeEntry& scope : ids_[i].dict->scopes) ids_[i].scopes.push_back(scopes_.Intern(scope));
    }
    PlanServices(resources_.entries(), &meta_.services, &resource_services_);
    for (std::size_t i = 0; i < inputs_.size(); ++i) {
      for (const std::string& service : inputs_[i]->meta.services) {
        const std::optional<std::uint32_t> output = OutputService(service);
        if (!output) return Corruption("a service no resource names");
        ids_[i].services.push_back(*output);
      }
      for (const OperationEntry& entry : inputs_[i]->meta.operations) {
        operations_.Add(ids_[i].services[entry.service], entry.operation.name, entry.operation.kind);
      }
      HOPTRACE_RETURN_IF_ERROR(CountInputEdges(inputs_[i]->meta.dependencies));
    }
    return Status::Ok();
  }

  // The output's service index of `service`, or nullopt when no resource names it.
  std::optional<std::uint32_t> OutputService(std::string_view service) const {
    const auto it = std::lower_bound(meta_.services.begin(), meta_.services.end(), service);
    if (it == meta_.services.end() || *it != service) return std::nullopt;
    return static_cast<std::uint32_t>(it - meta_.services.begin());
  }

  // A trace one input holds keeps the edges that input counted for it, so the output's edges are
  // the inputs' (less the spread traces' parts, counted again whole when they are merged).
  Status CountInputEdges(const std::vector<DependencyLink>& links) {
    for (const DependencyLink& link : links) {
      const std::optional<std::uint32_t> parent = OutputService(link.parent), child = OutputService(link.child);
      if (!parent || !child) return Corruption("a dependency between services no resource names");
      edges_.Add(*parent, *child, link.call_count, link.error_count);
    }
    return Status::Ok();
  }

  // The output's traces from the inputs' trace rows, in ID order, and their order in the block.
  Status PlanTraces() {
    for (std::uint32_t i = 0; i < inputs_.size(); ++i) {
      BlockReader::State& input = *inputs_[i];
      for (std::uint32_t group = 0; group < input.meta.row_groups.size(); ++group) {
        SectionData column;
        std::vector<TraceRow> rows;
        HOPTRACE_RETURN_IF_ERROR(input.LoadColumn(group, kTracesColumn, &column));
        HOPTRACE_RETURN_IF_ERROR(input.DecodeTraces(group, column, *ids_[i].dict, &rows));
        for (std::uint32_t index = 0; index < rows.size(); ++index) {
          parts_.push_back({rows[index].trace_id, rows[index].start, i, group, index});
        }
      }
    }
    std::sort(parts_.begin(), parts_.end(), [](const TracePart& a, const TracePart& b) {
      return std::tie(a.trace_id, a.input, a.group, a.index) <
             std::tie(b.trace_id, b.input, b.group, b.index);
    });
    for (std::size_t p = 0; p < parts_.size(); ++p) {
      if (p == 0 || parts_[p].trace_id != parts_[p - 1].trace_id) traces_.push_back({parts_[p].start, p, 0});
      OutputTrace& trace = traces_.back();
      trace.start = std::min(trace.start, parts_[p].start);
      if (++trace.part_count == 2) {
        spread_.emplace(std::tuple(parts_[p - 1].input, parts_[p - 1].group, parts_[p - 1].index), p - 1);
      }
      if (trace.part_count >= 2) spread_.emplace(std::tuple(parts_[p].input, parts_[p].group, parts_[p].index), p);
    }
    order_.resize(traces_.size());
    for (std::size_t t = 0; t < order_.size(); ++t) order_[t] = t;
    // Traces are in ID order, so equal starts keep ID order.
    std::stable_sort(order_.begin(), order_.end(),
                     [&](std::size_t a, std::size_t b) { return traces_[a].start < traces_[b].start; });
    return Status::Ok();
  }

  // Decodes the spread traces' parts, from the row groups that hold one.
  Status DecodeSpreadParts() {
    for (auto it = spread_.begin(); it != spread_.end();) {
      const auto [input, group, index] = it->first;
      InputCursor cursor;
      HOPTRACE_RETURN_IF_ERROR(OpenGroup(input, group, cursor));
      HOPTRACE_RETURN_IF_ERROR(DecodeGroupSpreadParts(input, group, cursor));
      it = spread_.lower_bound(std::tuple(input, group + 1, 0U));
    }
    return Status::Ok();
  }

  Status OpenGroup(std::uint32_t input, std::size_t group, InputCursor& cursor) {
    cursor.group = group;
    cursor.next = 0;
    HOPTRACE_RETURN_IF_ERROR(inputs_[input]->LoadRowGroup(group, &cursor.columns));
    HOPTRACE_RETURN_IF_ERROR(
        inputs_[input]->DecodeTraces(group, cursor.columns[kTracesColumn], *ids_[input].dict, &cursor.rows));
    return cursor.copier.Open(cursor.columns);
  }

  Status DecodeGroupSpreadParts(std::uint32_t input, std::uint32_t group, const InputCursor& cursor) {
    auto it = spread_.lower_bound(std::tuple(input, group, 0U));
    if (it == spread_.end() || std::get<0>(it->first) != input || std::get<1>(it->first) != group) return Status::Ok();
    RowGroupDecoder decoder(*ids_[input].dict);
    HOPTRACE_RETURN_IF_ERROR(decoder.Init(cursor.columns, &cursor.rows));
    for (std::uint32_t index = 0; index < cursor.rows.size(); ++index) {
      const auto part = spread_.find(std::tuple(input, group, index));
      if (part == spread_.end()) {
        HOPTRACE_RETURN_IF_ERROR(decoder.SkipTrace());
      } else {
        HOPTRACE_RETURN_IF_ERROR(decoder.NextTrace(spread_spans_[part->second]));
      }
    }
    return Status::Ok();
  }

  // The inputs' dictionaries together, without counting references again: each input's strings
  // are in descending order of their count there, so a string weighs what its rank says (the
  // first of n weighs n + 1, the last 2: every one is kept) and its weights add up over inputs.
  // Strings the inputs left inline stay inline.
  void BuildDictionary() {
    for (const InputIds& input : ids_) {
      const std::vector<std::string>& strings = input.dict->strings;
      for (std::size_t id = 0; id < strings.size(); ++id) strings_.Count(strings[id], strings.size() - id + 1);
    }
    for (const ResourceEntry& entry : resources_.entries()) {
      block::CountStrings(entry.resource.attributes, strings_);
      strings_.Count(entry.schema_url);
    }
    for (const ScopeEntry& entry : scopes_.entries()) {
      block::CountStrings(entry.scope.attributes, strings_);
      for (const std::string* text : {&entry.scope.name, &entry.scope.version, &entry.schema_url}) strings_.Count(*text);
    }
    strings_.Build();
    for (InputIds& input : ids_) {
      for (const std::string& text : input.dict->strings) input.string_refs.push_back(OutputRef(text));
    }
  }

  // `text`'s reference in the output (id + 1), or 0 when the output keeps it inline.
  std::uint32_t OutputRef(std::string_view text) const {
    Encoder encoded;
    strings_.PutRef(encoded, text);
    Decoder ref(encoded.view());
    return static_cast<std::uint32_t>(ref.GetVarint());
  }

  Status Write(const std::filesystem::path& path) {
    BlockMeta& meta = meta_.meta;
    meta.format_version = kFormatVersion;
    meta.trace_count = traces_.size();
    meta.min_start_unix_nano = traces_.empty() ? 0 : traces_[order_.front()].start;
    std::vector<model::TraceId> trace_ids;  // sorted: traces_ is in ID order
    std::vector<std::uint64_t> ordinals(traces_.size());
    for (const OutputTrace& trace : traces_) trace_ids.push_back(parts_[trace.first_part].trace_id);
    for (std::size_t ordinal = 0; ordinal < order_.size(); ++ordinal) ordinals[order_[ordinal]] = ordinal;
    for (const auto& [service, name, kind] : operations_.Sorted()) meta_.operations.push_back({service, {std::string(name), kind}});

    BlockFile file(path);
    HOPTRACE_RETURN_IF_ERROR(file.Open());
    SectionWriter writer(file, zstd_level_);
    HOPTRACE_RETURN_IF_ERROR(WriteDictionaries(writer, strings_, resources_.entries(), scopes_.entries(), meta));
    HOPTRACE_RETURN_IF_ERROR(WriteIndexPages(writer, trace_ids, ordinals, meta_));
    first_column_ = kFirstIndexPage + meta_.index_pages.size();
    std::vector<InputCursor> cursors(inputs_.size());
    for (std::size_t ordinal = 0; ordinal < order_.size(); ++ordinal) {
      if (!group_rows_.empty() && meta_.row_groups.back().span_count >= kRowGroupSpans) {
        HOPTRACE_RETURN_IF_ERROR(FlushGroup(writer));
      }
      if (group_rows_.empty()) meta_.row_groups.push_back({ordinal, 0, 0, UINT64_MAX, 0, 0});
      const OutputTrace& trace = traces_[order_[ordinal]];
      CopiedSpanFacts facts;
      HOPTRACE_RETURN_IF_ERROR(trace.part_count == 1 ? CopyTrace(parts_[trace.first_part], cursors, facts)
                                                     : MergeSpreadTrace(trace, facts));
      RowGroupInfo& group = meta_.row_groups.back();
      ++group.trace_count;
      group.span_count += group_rows_.back().span_count;
      group.latest_trace_start = group_rows_.back().start;
      group.min_start = std::min(group.min_start, facts.min_start);
      group.max_start = std::max(group.max_start, facts.max_start);
      meta.max_start_unix_nano = std::max(meta.max_start_unix_nano, facts.max_start);
      meta.max_end_unix_nano = std::max(meta.max_end_unix_nano, facts.max_end);
      meta.span_count += group_rows_.back().span_count;
    }
    if (!group_rows_.empty()) HOPTRACE_RETURN_IF_ERROR(FlushGroup(writer));
    meta_.dependencies = edges_.Links(meta_.services);
    return WriteTail(file, writer, trace_ids, meta_);
  }

  // A trace only one input holds: its columns copied, its row in the output's ids.
  Status CopyTrace(const TracePart& part, std::vector<InputCursor>& cursors, CopiedSpanFacts& facts) {
    InputCursor& cursor = cursors[part.input];
    if (cursor.group != part.group) HOPTRACE_RETURN_IF_ERROR(OpenGroup(part.input, part.group, cursor));
    const InputIds& ids = ids_[part.input];
    while (cursor.next < part.index) {  // spread traces, merged elsewhere
      StringSkipper skipper;
      NullColumns discarded;
      CopiedSpanFacts no_facts;
      HOPTRACE_RETURN_IF_ERROR(cursor.copier.CopyTrace(cursor.rows[cursor.next++], ids, skipper, discarded, no_facts));
    }
    if (cursor.next != part.index) return Corruption("row group read out of order");
    TraceRow row = std::move(cursor.rows[cursor.next++]);  // read once: its name and services move on
    StringRemapper remapper(ids);
    HOPTRACE_RETURN_IF_ERROR(
        cursor.copier.CopyTrace(row, ids, remapper, group_columns_, facts));
    row.root_service = ids.services[row.root_service];
    for (std::uint32_t& service : row.services) service = ids.services[service];  // both sorted: order kept
    group_rows_.push_back(std::move(row));
    return Status::Ok();
  }

  // A trace several inputs hold: its decoded parts merged as BlockBuilder merges spans.
  Status MergeSpreadTrace(const OutputTrace& trace, CopiedSpanFacts& facts) {
    std::vector<StoredSpan> stored;
    for (std::size_t p = trace.first_part; p < trace.first_part + trace.part_count; ++p) {
      UncountPartEdges(p);
      AppendPartSpans(p, stored);
    }
    const SpanList spans = SortAndDeduplicate(stored);
    if (spans.empty()) return Corruption("trace " + parts_[trace.first_part].trace_id.ToHex() + " has no spans");
    const TraceRange range{0, spans.size()};
    TraceParents parents;
    parents.Find(spans, range);
    group_rows_.push_back(SummarizeTrace(spans, range, parents.positions(), resource_services_, edges_));
    SpanDecoder decoder;
    RowGroupEncoder encoder(strings_, decoder, group_columns_);
    if (!encoder.AddTrace(spans, range, parents.positions())) return Corruption("a spread trace does not encode");
    for (const StoredSpan* span : spans) {
      facts.min_start = std::min(facts.min_start, span->fields.start_unix_nanos);
      facts.max_start = std::max(facts.max_start, span->fields.start_unix_nanos);
      facts.max_end = std::max(facts.max_end, span->fields.end_unix_nanos);
    }
    for (std::size_t p = trace.first_part; p < trace.first_part + trace.part_count; ++p) spread_spans_.erase(p);
    return Status::Ok();
  }

  void AppendPartSpans(std::size_t part, std::vector<StoredSpan>& stored) {
    const InputIds& ids = ids_[parts_[part].input];
    for (const DecodedSpan& decoded : spread_spans_[part]) {
      stored.push_back({FieldsOf(decoded.span), &decoded.span, ids.resources[decoded.resource], ids.scopes[decoded.scope]});
    }
  }

  // Takes the edges the part's input counted for it (its spans summarized alone, as that input's
  // builder or merge did) out of the output's: the whole trace counts its own.
  void UncountPartEdges(std::size_t part) {
    std::vector<StoredSpan> stored;
    AppendPartSpans(part, stored);
    const SpanList spans = SortAndDeduplicate(stored);
    const TraceRange range{0, spans.size()};
    TraceParents parents;
    parents.Find(spans, range);
    EdgeCounter part_edges;
    if (!spans.empty()) SummarizeTrace(spans, range, parents.positions(), resource_services_, part_edges);
    edges_.Subtract(part_edges);
  }

  Status FlushGroup(SectionWriter& writer) {
    BlockMeta& meta = meta_.meta;
    const std::size_t slot = first_column_ + (meta_.row_groups.size() - 1) * kColumnCount;
    HOPTRACE_RETURN_IF_ERROR(writer.Write(
        slot + kTracesColumn, EncodeTraceRows(group_rows_.data(), group_rows_.size(), meta.min_start_unix_nano, strings_),
        &meta.summary_bytes));
    HOPTRACE_RETURN_IF_ERROR(group_columns_.Write(writer, slot, &meta.span_data_bytes));
    group_rows_.clear();
    group_columns_.Clear();
    return Status::Ok();
  }

  std::vector<BlockReader::State*> inputs_;
  std::vector<InputIds> ids_;
  const int zstd_level_;
  Interner<ResourceEntry> resources_;
  Interner<ScopeEntry> scopes_;
  std::vector<std::uint32_t> resource_services_;
  OperationSet operations_;
  EdgeCounter edges_;
  std::vector<TracePart> parts_;   // by trace ID, then input
  std::vector<OutputTrace> traces_;  // by trace ID
  std::vector<std::size_t> order_;   // indices into traces_ in block order
  // Parts of spread traces: (input, group, index) -> part, and their decoded spans by part.
  std::map<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>, std::size_t> spread_;
  std::unordered_map<std::size_t, std::vector<DecodedSpan>> spread_spans_;
  StringDictionaryBuilder strings_;
  MetaSection meta_;
  std::size_t first_column_ = 0;
  std::vector<TraceRow> group_rows_;  // of the row group being written
  SpanColumns group_columns_;
};

}  // namespace

Status MergeBlocks(const std::vector<BlockReader*>& inputs, const std::filesystem::path& output, BlockMeta* meta,
                   int zstd_level) {
  std::vector<BlockReader::State*> states;
  for (BlockReader* input : inputs) states.push_back(input->state_.get());
  return BlockMerger(std::move(states), zstd_level).Run(output, meta);
}

}  // namespace hoptrace::store::block
