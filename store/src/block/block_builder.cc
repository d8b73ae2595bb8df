// Writes a block: sorts and groups the added spans by trace, builds the dictionaries, summaries,
// dependency edges, index and bloom filter, and writes every section through zstd with a checksum.
// Also the writing pieces the merge shares (block_writer.h).

#include <algorithm>
#include <cstring>
#include <deque>
#include <tuple>

#include "block/block.h"
#include "block/block_format.h"
#include "block/block_writer.h"
#include "block/bloom_filter.h"
#include "hoptrace/otlp/wire.h"
#include "io/write_fully.h"

namespace hoptrace::store::block {

// ---- Shared with the merge (block_writer.h) ----
EncodedSpan FieldsOf(const model::Span& span) {
  return {.trace_id = span.trace_id,
          .span_id = span.span_id,
          .parent_span_id = span.parent_span_id,
          .start_unix_nanos = span.start_time_unix_nano,
          .end_unix_nanos = span.end_time_unix_nano,
          .kind = span.kind,
          .status_code = span.status.code,
          .name = span.name,
          .encoded = {}};
}

const model::Span* SpanDecoder::Decode(const StoredSpan& stored) {
  if (stored.decoded != nullptr) return stored.decoded;
  return otlp::wire::DecodeSpanWithoutAttributes(stored.fields.encoded, &scratch_) ? &scratch_ : nullptr;
}

namespace {

// A run of `stored` spans of one trace: where the trace's spans are, in Add order.
struct TraceRun {
  model::TraceId trace_id;
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
  bool SameTrace(const TraceRun& other) const { return trace_id == other.trace_id; }
};

// The runs of `stored` in trace-ID order (a trace's runs in Add order). Spans usually come whole
// trace after trace (the head groups them), so this sorts traces, not spans.
std::vector<TraceRun> TraceRunsById(const std::vector<StoredSpan>& stored) {
  std::vector<TraceRun> runs;
  for (std::size_t i = 0; i < stored.size(); ++i) {
    const model::TraceId& trace_id = stored[i].fields.trace_id;
    if (i == 0 || trace_id != stored[i - 1].fields.trace_id) {
      runs.push_back({trace_id, static_cast<std::uint32_t>(i), 0});
    }
    runs.back().end = static_cast<std::uint32_t>(i + 1);
  }
  std::sort(runs.begin(), runs.end(), [](const TraceRun& a, const TraceRun& b) {
    return std::tie(a.trace_id, a.begin) < std::tie(b.trace_id, b.begin);
  });
  return runs;
}

struct SpanKey {
  std::uint64_t start = 0;
  std::uint64_t span_id = 0;
  std::uint32_t index = 0;  // in `stored`: order of Add
};

}  // namespace

SpanList SortAndDeduplicate(const std::vector<StoredSpan>& stored) {
  SpanList spans;
  SortAndDeduplicate(stored, spans);
  return spans;
}

void SortAndDeduplicate(const std::vector<StoredSpan>& stored, SpanList& spans) {
  const std::vector<TraceRun> runs = TraceRunsById(stored);
  spans.clear();
  spans.reserve(stored.size());
  std::vector<SpanKey> keys;  // one trace's, reused
  IdPositions<model::SpanId> seen;  // one trace's span IDs: of equal ones the first added is kept
  for (auto first = runs.begin(); first != runs.end();) {
    const auto last = std::find_if(first, runs.end(), [&](const TraceRun& run) { return !run.SameTrace(*first); });
    std::size_t trace_spans = 0;
    for (auto run = first; run != last; ++run) trace_spans += run->end - run->begin;
    seen.Reset(trace_spans);
    keys.clear();
    for (auto run = first; run != last; ++run) {  // runs of a trace in Add order
      for (std::uint32_t i = run->begin; i < run->end; ++i) {
        const model::SpanId& span_id = stored[i].fields.span_id;
        if (seen.InsertWithinReset(span_id, i)) keys.push_back({stored[i].fields.start_unix_nanos, span_id.Word(0), i});
      }
    }
    // By start time: start deltas stay small and parents usually come first.
    std::sort(keys.begin(), keys.end(), [](const SpanKey& a, const SpanKey& b) {
      return a.start != b.start ? a.start < b.start : a.span_id < b.span_id;
    });
    for (const SpanKey& key : keys) spans.push_back(&stored[key.index]);
    first = last;
  }
}

void TraceParents::Find(const SpanList& spans, TraceRange trace) {
  by_id_.Reset(trace.end - trace.begin);
  for (std::size_t i = trace.begin; i < trace.end; ++i) {
    by_id_.InsertWithinReset(spans[i]->fields.span_id, static_cast<std::uint32_t>(i - trace.begin));
  }
  positions_.clear();
  for (std::size_t i = trace.begin; i < trace.end; ++i) {
    const model::SpanId& parent = spans[i]->fields.parent_span_id;
    if (!parent.IsValid()) {
      positions_.push_back(kRoot);
      continue;
    }
    const std::uint32_t position = by_id_.Find(parent);
    positions_.push_back(position != IdPositions<model::SpanId>::kAbsent ? position : kNotInTrace);
  }
}

void PlanServices(const std::vector<ResourceEntry>& resources, std::vector<std::string>* services,
                  std::vector<std::uint32_t>* resource_services) {
  std::set<std::string_view> names;
  for (const ResourceEntry& entry : resources) names.insert(ServiceOf(entry.resource));
  services->assign(names.begin(), names.end());
  resource_services->clear();
  for (const ResourceEntry& entry : resources) {
    const auto it = std::lower_bound(services->begin(), services->end(), ServiceOf(entry.resource));
    resource_services->push_back(static_cast<std::uint32_t>(it - services->begin()));
  }
}

std::vector<DependencyLink> EdgeCounter::Links(const std::vector<std::string>& services) const {
  std::vector<std::pair<std::uint64_t, Counts>> sorted(edges_.begin(), edges_.end());
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<DependencyLink> links;
  links.reserve(sorted.size());
  for (const auto& [edge, counts] : sorted) {
    if (counts.calls == 0) continue;
    links.push_back({services[edge >> 32], services[edge & 0xffffffff], counts.calls, counts.errors});
  }
  return links;
}

namespace {

// Of the name only its length and first and last 8 bytes, where names differ (an HTTP method, a
// route's end): no pass over the whole name; equal hashes only cost a comparison.
std::uint64_t OperationHash(std::uint32_t service, std::string_view name, model::SpanKind kind) {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  if (name.size() >= 8) {
    std::memcpy(&first, name.data(), 8);
    std::memcpy(&last, name.data() + name.size() - 8, 8);
  } else if (!name.empty()) {
    std::memcpy(&first, name.data(), name.size());
  }
  std::uint64_t hash = first * 0x9e3779b97f4a7c15ULL ^ last * 0xc2b2ae3d27d4eb4fULL ^
                       (std::uint64_t{service} << 16 | name.size() << 8 | static_cast<std::uint8_t>(kind));
  hash ^= hash >> 29;
  hash *= 0xbf58476d1ce4e5b9ULL;
  return hash ^ (hash >> 32);
}

}  // namespace

std::size_t OperationSet::Hash::operator()(const Operation& operation) const {
  const auto& [service, name, kind] = operation;
  return OperationHash(service, name, kind);
}

bool OperationSet::Equal::operator()(const Operation& a, const Operation& b) const {
  return std::get<0>(a) == std::get<0>(b) && std::get<2>(a) == std::get<2>(b) &&
         StringDictionaryBuilder::SameText(std::get<1>(a), std::get<1>(b));
}

void OperationSet::Add(std::uint32_t service, std::string_view name, model::SpanKind kind) {
  operations_.insert({service, name, kind});
}

std::vector<OperationSet::Operation> OperationSet::Sorted() const {
  std::vector<Operation> sorted(operations_.begin(), operations_.end());
  std::sort(sorted.begin(), sorted.end());
  return sorted;
}

TraceRow SummarizeTrace(const SpanList& spans, TraceRange trace, std::span<const std::uint32_t> parents,
                        const std::vector<std::uint32_t>& resource_services, EdgeCounter& edges) {
  TraceRow row;
  row.trace_id = spans[trace.begin]->fields.trace_id;
  row.start = spans[trace.begin]->fields.start_unix_nanos;
  std::uint64_t end = 0;
  std::size_t root = trace.begin;  // the earliest span unless a real root exists
  for (std::size_t i = trace.begin; i < trace.end; ++i) {
    const EncodedSpan& span = spans[i]->fields;
    const std::uint32_t service = resource_services[spans[i]->resource];
    end = std::max(end, span.end_unix_nanos);
    row.error_count += span.status_code == model::StatusCode::kError ? 1 : 0;
    if (!span.parent_span_id.IsValid() && !row.root_found) {
      row.root_found = true;
      root = i;
    }
    // A trace touches a few services: a linear check keeps them unique.
    if (std::find(row.services.begin(), row.services.end(), service) == row.services.end()) {
      row.services.push_back(service);
    }
    const std::uint32_t parent = parents[i - trace.begin];
    if (parent != TraceParents::kRoot && parent != TraceParents::kNotInTrace) {
      edges.Add(resource_services[spans[trace.begin + parent]->resource], service,
                span.status_code == model::StatusCode::kError);
    }
  }
  row.duration = end > row.start ? end - row.start : 0;
  row.span_count = static_cast<std::uint32_t>(trace.end - trace.begin);
  row.root_service = resource_services[spans[root]->resource];
  row.root_name = spans[root]->fields.name;
  std::sort(row.services.begin(), row.services.end());
  return row;
}

namespace {
AttributeStreams AttributeOut(StreamSetWriter& out) {
  return {&out[kAttributeKeys], &out[kAttributeTypes], &out[kAttributeValues]};
}
}  // namespace

struct ParsedSpans {
  struct Attribute {
    // A string value's handle, the bits of a bool, int or double, or (model_value) an index into
    // `values`.
    std::uint64_t value = 0;
    std::uint32_t key = 0;  // handle
    model::AttributeType type = model::AttributeType::kString;
    bool model_value = false;  // an array or opaque value (bytes, kvlist): written as the model holds it
  };
  // Attributes [first, first + count) of `attributes` are a span's; count is kUnread for model spans
  // and for spans that do not parse.
  struct Span {
    std::uint32_t first = 0;
    std::uint32_t count = kUnread;
    std::uint32_t name = 0;  // the name's handle
    otlp::wire::SpanDetails details;
  };
  static constexpr std::uint32_t kUnread = UINT32_MAX;
  std::vector<Attribute> attributes;
  std::vector<otlp::wire::ValueView> values;  // arrays and opaque values (rare), viewing the spans' bytes
  std::vector<Span> spans;                    // in Add order: one per span the builder holds
  const StoredSpan* first_added = nullptr;    // the builder's first span (set before encoding)

  const Span& Of(const StoredSpan& stored) const { return spans[static_cast<std::size_t>(&stored - first_added)]; }
  void Clear() {
    attributes.clear();
    values.clear();
    spans.clear();
  }
  std::size_t capacity_bytes() const {
    return attributes.capacity() * sizeof(Attribute) + values.capacity() * sizeof(otlp::wire::ValueView) +
           spans.capacity() * sizeof(Span);
  }
};

namespace {

// The span's attributes from the counting pass: no parsing, no string lookup (arrays and opaque
// values become what the model makes of them). False when such a value does not decode.
bool PutParsedAttributes(const ParsedSpans& parsed, const ParsedSpans::Span& span,
                         const StringDictionaryBuilder& strings, Encoder& counts, const AttributeStreams& out,
                         model::AttributeValue& scratch) {
  counts.PutVarint(span.count);
  for (std::size_t i = span.first; i < span.first + span.count; ++i) {
    const ParsedSpans::Attribute& attribute = parsed.attributes[i];
    strings.PutRefByHandle(*out.keys, attribute.key);
    if (attribute.model_value) {
      if (!otlp::wire::DecodeValue(parsed.values[attribute.value], &scratch)) return false;
      out.types->PutByte(static_cast<std::uint8_t>(scratch.index()));
      PutAttributeValue(scratch, strings, *out.values);
      continue;
    }
    out.types->PutByte(static_cast<std::uint8_t>(attribute.type));
    switch (attribute.type) {
      case model::AttributeType::kString:
        strings.PutRefByHandle(*out.values, static_cast<std::uint32_t>(attribute.value));
        break;
      case model::AttributeType::kBool: PutScalar(attribute.value != 0, strings, *out.values); break;
      case model::AttributeType::kInt: PutScalar(std::bit_cast<std::int64_t>(attribute.value), strings, *out.values); break;
      default: PutScalar(std::bit_cast<double>(attribute.value), strings, *out.values); break;
    }
  }
  return true;
}

}  // namespace

namespace {

AttributeStreams NestedOut(StreamSetWriter& details) {
  return {&details[kNestedKeys], &details[kNestedTypes], &details[kNestedValues]};
}

otlp::wire::SpanDetails DetailsOf(const model::Span& span) {
  return {.trace_state = span.trace_state,
          .status_message = span.status.message,
          .flags = span.flags,
          .dropped_attributes_count = span.dropped_attributes_count,
          .dropped_events_count = span.dropped_events_count,
          .dropped_links_count = span.dropped_links_count,
          .has_events_or_links = !span.events.empty() || !span.links.empty()};
}

const model::Span& NoEventsOrLinks() {
  static const model::Span none;
  return none;
}

}  // namespace

bool RowGroupEncoder::AddTrace(const SpanList& spans, TraceRange trace, std::span<const std::uint32_t> parents) {
  std::uint64_t previous_start = spans[trace.begin]->fields.start_unix_nanos;
  for (std::size_t i = trace.begin; i < trace.end; ++i) {
    const StoredSpan& stored = *spans[i];
    AddIntrinsics(stored, previous_start);
    previous_start = stored.fields.start_unix_nanos;
    const std::size_t position = i - trace.begin;
    if (stored.decoded == nullptr) {
      if (!AddEncodedSpan(stored, parents[position], position)) return false;
      continue;
    }
    const model::Span& span = *stored.decoded;
    PutRef(out_.intrinsics[kNames], span.name);
    AddIdsAndDetails(stored.fields, DetailsOf(span), span, parents[position], position);
    PutAttributes(span.attributes, strings_, out_.attributes[kAttributeCounts], AttributeOut(out_.attributes));
  }
  return true;
}

// From what the counting pass read of the span; only a span with events or links is decoded.
bool RowGroupEncoder::AddEncodedSpan(const StoredSpan& stored, std::uint32_t parent, std::size_t position) {
  if (parsed_ == nullptr || parsed_->Of(stored).count == ParsedSpans::kUnread) return false;
  const ParsedSpans::Span& parsed = parsed_->Of(stored);
  strings_.PutRefByHandle(out_.intrinsics[kNames], parsed.name);
  const model::Span* events_and_links = &NoEventsOrLinks();
  if (parsed.details.has_events_or_links && (events_and_links = decoder_.Decode(stored)) == nullptr) return false;
  AddIdsAndDetails(stored.fields, parsed.details, *events_and_links, parent, position);
  return PutParsedAttributes(*parsed_, parsed, strings_, out_.attributes[kAttributeCounts],
                             AttributeOut(out_.attributes), scratch_value_);
}

void RowGroupEncoder::AddIntrinsics(const StoredSpan& stored, std::uint64_t previous_start) {
  const EncodedSpan& span = stored.fields;
  StreamSetWriter& out = out_.intrinsics;
  out[kResourceIds].PutVarint(stored.resource);
  out[kScopeIds].PutVarint(stored.scope);
  out[kKinds].PutByte(static_cast<std::uint8_t>(span.kind));
  out[kStatusCodes].PutByte(static_cast<std::uint8_t>(span.status_code));
  out[kStartDeltas].PutVarint(span.start_unix_nanos - previous_start);  // sorted: never negative
  // Signed so that a span ending before it starts (bad clocks) still round-trips exactly.
  out[kDurations].PutSigned(static_cast<std::int64_t>(span.end_unix_nanos - span.start_unix_nanos));
}

void RowGroupEncoder::AddIdsAndDetails(const EncodedSpan& fields, const otlp::wire::SpanDetails& details,
                                       const model::Span& events_and_links, std::uint32_t parent,
                                       std::size_t position) {
  AddIds(fields, details, parent, position);
  AddDetails(fields.start_unix_nanos, details, events_and_links);
}

void RowGroupEncoder::AddIds(const EncodedSpan& fields, const otlp::wire::SpanDetails& details, std::uint32_t parent,
                             std::size_t position) {
  StreamSetWriter& out = out_.ids;
  out[kSpanIds].PutId(fields.span_id);
  if (parent == TraceParents::kRoot) {
    out[kParentRefs].PutVarint(kParentNone);
  } else if (parent != TraceParents::kNotInTrace) {
    out[kParentRefs].PutVarint(kParentInTrace + ZigZag(static_cast<std::int64_t>(position) - std::int64_t{parent}));
  } else {
    out[kParentRefs].PutVarint(kParentExplicit);
    out[kExplicitParents].PutId(fields.parent_span_id);
  }
  out[kFlags].PutVarint(details.flags);
  PutRef(out[kTraceStates], details.trace_state);
}

void RowGroupEncoder::AddDetails(std::uint64_t start, const otlp::wire::SpanDetails& details,
                                 const model::Span& events_and_links) {
  StreamSetWriter& out = out_.details;
  PutRef(out[kStatusMessages], details.status_message);
  for (const std::uint32_t dropped :
       {details.dropped_attributes_count, details.dropped_events_count, details.dropped_links_count}) {
    out[kDroppedCounts].PutVarint(dropped);
  }
  out[kEventCounts].PutVarint(events_and_links.events.size());
  for (const model::Event& event : events_and_links.events) {
    out[kEventScalars].PutSigned(static_cast<std::int64_t>(event.time_unix_nano - start));
    PutRef(out[kEventScalars], event.name);
    out[kEventScalars].PutVarint(event.dropped_attributes_count);
    PutAttributes(event.attributes, strings_, out[kNestedCounts], NestedOut(out));
  }
  out[kLinkCounts].PutVarint(events_and_links.links.size());
  for (const model::Link& link : events_and_links.links) {
    out[kLinkIds].PutId(link.trace_id);
    out[kLinkIds].PutId(link.span_id);
    PutRef(out[kLinkScalars], link.trace_state);
    out[kLinkScalars].PutVarint(link.flags);
    out[kLinkScalars].PutVarint(link.dropped_attributes_count);
    PutAttributes(link.attributes, strings_, out[kNestedCounts], NestedOut(out));
  }
}

BlockFile::~BlockFile() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(temp_path_.c_str());
  }
}

Status BlockFile::Open() {
  fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  return fd_ < 0 ? Errno("open " + temp_path_.string()) : Status::Ok();
}

Status BlockFile::Append(std::string_view bytes) {
  iovec piece{const_cast<char*>(bytes.data()), bytes.size()};
  if (int error = 0; !io::WriteFullyAt(fd_, {&piece, 1}, offset_, &error)) {
    return IoError("write " + temp_path_.string() + ": " + std::strerror(error));
  }
  offset_ += bytes.size();
  if (offset_ - written_back_ >= kWritebackBytes) {
    // A hint only: Commit's fsync is what makes the block durable, so a failure here changes nothing.
    ::sync_file_range(fd_, static_cast<off64_t>(written_back_), static_cast<off64_t>(offset_ - written_back_),
                      SYNC_FILE_RANGE_WRITE);
    written_back_ = offset_;
  }
  return Status::Ok();
}

Status BlockFile::Commit() {
  if (::fsync(fd_) != 0) return Errno("fsync " + temp_path_.string());
  ::close(std::exchange(fd_, -1));
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    const Status error = Errno("rename to " + path_.string());
    ::unlink(temp_path_.c_str());
    return error;
  }
  const std::filesystem::path dir = path_.has_parent_path() ? path_.parent_path() : std::filesystem::path(".");
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return Errno("open directory " + dir.string());
  const bool synced = ::fsync(dir_fd) == 0;
  ::close(dir_fd);
  return synced ? Status::Ok() : Errno("fsync directory " + dir.string());
}

Status SectionWriter::Write(std::size_t slot, std::string_view raw, std::uint64_t* byte_counter, Packing packing) {
  if (slot >= sections_.size()) sections_.resize(slot + 1);
  std::string_view stored;
  sections_[slot] = encoder_.Encode(raw, &stored, packing);
  sections_[slot].offset = file_.offset();
  *byte_counter += stored.size();
  return file_.Append(stored);
}

Status SpanColumns::Write(SectionWriter& writer, std::size_t group_slot, std::uint64_t* byte_counter) {
  std::size_t slot = group_slot + kIntrinsicsColumn;
  for (const StreamSetWriter* column : {&intrinsics, &ids, &attributes, &details}) {
    HOPTRACE_RETURN_IF_ERROR(writer.Write(slot++, column->FinishInto(joined), byte_counter));
  }
  return Status::Ok();
}

Status WriteDictionaries(SectionWriter& writer, const StringDictionaryBuilder& strings,
                         const std::vector<ResourceEntry>& resources, const std::vector<ScopeEntry>& scopes,
                         BlockMeta& meta) {
  HOPTRACE_RETURN_IF_ERROR(writer.Write(kStringsSection, EncodeStrings(strings.strings()), &meta.dictionary_bytes));
  HOPTRACE_RETURN_IF_ERROR(writer.Write(kResourcesSection, EncodeResources(resources, strings), &meta.dictionary_bytes));
  return writer.Write(kScopesSection, EncodeScopes(scopes, strings), &meta.dictionary_bytes);
}

Status WriteIndexPages(SectionWriter& writer, const std::vector<model::TraceId>& trace_ids,
                       const std::vector<std::uint64_t>& ordinals, MetaSection& meta) {
  for (std::size_t first = 0; first < trace_ids.size(); first += kTracesPerIndexPage) {
    const std::size_t end = std::min(trace_ids.size(), first + kTracesPerIndexPage);
    meta.index_pages.push_back({trace_ids[first], static_cast<std::uint32_t>(end - first)});
    Encoder entries;  // fixed-size entries: a lookup binary-searches the page in place
    for (std::size_t i = first; i < end; ++i) entries.PutId(trace_ids[i]);
    for (std::size_t i = first; i < end; ++i) {
      const auto ordinal = static_cast<std::uint32_t>(ordinals[i]);
      for (int byte = 0; byte < 4; ++byte) entries.PutByte(static_cast<std::uint8_t>(ordinal >> (8 * byte)));
    }
    // Raw: random trace IDs, which zstd made 4 % smaller at the cost of a pass over them.
    HOPTRACE_RETURN_IF_ERROR(writer.Write(kFirstIndexPage + meta.index_pages.size() - 1, entries.view(),
                                          &meta.meta.index_bytes, Packing::kRaw));
  }
  return Status::Ok();
}

Status WriteTail(BlockFile& file, SectionWriter& writer, const std::vector<model::TraceId>& trace_ids,
                 MetaSection& meta) {
  HOPTRACE_RETURN_IF_ERROR(writer.Write(kBloomSection, BuildBloomFilter(trace_ids, kBloomBitsPerTrace),
                                        &meta.meta.index_bytes, Packing::kRaw));  // random bits
  std::uint64_t meta_bytes = 0;
  meta.meta.stored_raw = writer.stores_raw();
  HOPTRACE_RETURN_IF_ERROR(writer.Write(kMetaSection, EncodeMeta(meta), &meta_bytes));
  const std::string directory = EncodeDirectory(writer.sections());
  Footer footer;
  footer.directory_offset = file.offset();
  footer.directory_bytes = directory.size();
  footer.directory_checksum = Checksum(directory);
  HOPTRACE_RETURN_IF_ERROR(file.Append(directory));
  HOPTRACE_RETURN_IF_ERROR(file.Append(EncodeFooter(footer)));
  meta.meta.file_bytes = file.offset();
  return file.Commit();
}

// ---- BlockBuilder ----
namespace {

std::size_t ApproximateBytes(const model::Attributes& attributes) {
  std::size_t bytes = 0;
  for (const model::Attribute& attribute : attributes) bytes += sizeof(attribute) + attribute.key.size() + 16;
  return bytes;
}

std::size_t ApproximateBytes(const model::Span& span) {
  std::size_t bytes = sizeof(StoredSpan) + span.name.size() + span.trace_state.size() + span.status.message.size() +
                      ApproximateBytes(span.attributes);
  for (const model::Event& event : span.events) bytes += sizeof(event) + event.name.size() + ApproximateBytes(event.attributes);
  for (const model::Link& link : span.links) bytes += sizeof(link) + ApproximateBytes(link.attributes);
  return bytes;
}

}  // namespace

namespace {

// Everything Finish derives from the sorted spans before writing.
struct BlockPlan {
  std::vector<TraceRange> traces;                // in block order: by start, then trace ID
  std::vector<std::uint64_t> ordinals_by_id;     // trace IDs in sorted order -> ordinal in `traces`
  std::vector<std::uint32_t> resource_services;  // resource id -> index into meta.services
  std::vector<TraceRow> trace_rows;              // per ordinal
  std::vector<std::uint32_t> parents;            // by span list position: TraceParents::positions
  std::vector<TraceRange> row_groups;            // ranges of trace ordinals
  MetaSection meta;

  void Clear() {
    traces.clear();
    ordinals_by_id.clear();
    resource_services.clear();
    trace_rows.clear();
    parents.clear();
    row_groups.clear();
    meta = {};
  }
};

// The traces of the spans (sorted by trace ID), put in block order: by start time, then ID, so that
// a row group covers one stretch of time and a search for the latest traces reads the last groups.
void PlanTraces(const SpanList& spans, BlockPlan& plan) {
  std::vector<TraceRange> by_id;
  for (std::size_t i = 0; i < spans.size(); ++i) {
    if (i == 0 || spans[i]->fields.trace_id != spans[i - 1]->fields.trace_id) by_id.push_back({i, i});
    by_id.back().end = i + 1;
  }
  std::vector<std::size_t> order(by_id.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  // Positions in ID order, so equal starts keep ID order.
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return spans[by_id[a].begin]->fields.start_unix_nanos < spans[by_id[b].begin]->fields.start_unix_nanos;
  });
  plan.traces.resize(by_id.size());
  plan.ordinals_by_id.resize(by_id.size());
  for (std::size_t ordinal = 0; ordinal < order.size(); ++ordinal) {
    plan.traces[ordinal] = by_id[order[ordinal]];
    plan.ordinals_by_id[order[ordinal]] = ordinal;
  }
}

// Trace rows (summaries), operations and dependency edges, one pass over each trace; each span's
// parent, kept for the columns. Operations are told apart by the name's handle: no look at the
// name's bytes (cold head memory, span after span in block order), only at the few distinct ones.
void PlanSummaries(const SpanList& spans, const StringDictionaryBuilder& strings, BlockPlan& plan) {
  absl::flat_hash_set<std::tuple<std::uint32_t, std::uint32_t, model::SpanKind>> operations;  // service, name
  EdgeCounter edges;
  TraceParents parents;
  plan.trace_rows.reserve(plan.traces.size());
  plan.parents.resize(spans.size());
  for (const TraceRange& trace : plan.traces) {
    parents.Find(spans, trace);
    plan.trace_rows.push_back(SummarizeTrace(spans, trace, parents.positions(), plan.resource_services, edges));
    std::copy(parents.positions().begin(), parents.positions().end(), plan.parents.begin() + trace.begin);
    for (std::size_t i = trace.begin; i < trace.end; ++i) {
      operations.insert({plan.resource_services[spans[i]->resource], spans[i]->name, spans[i]->fields.kind});
    }
  }
  OperationSet by_name;  // sorted as a merge sorts them
  for (const auto& [service, name, kind] : operations) by_name.Add(service, strings.TextOf(name), kind);
  for (const auto& [service, name, kind] : by_name.Sorted()) {
    plan.meta.operations.push_back({service, {std::string(name), kind}});
  }
  plan.meta.dependencies = edges.Links(plan.meta.services);
}

void PlanLayout(const SpanList& spans, BlockPlan& plan) {
  BlockMeta& meta = plan.meta.meta;
  meta.format_version = kFormatVersion;
  meta.span_count = spans.size();
  meta.trace_count = plan.traces.size();
  for (std::size_t t = 0; t < plan.traces.size(); ++t) {
    const std::size_t trace_spans = plan.traces[t].end - plan.traces[t].begin;
    if (plan.row_groups.empty() || plan.meta.row_groups.back().span_count >= kRowGroupSpans) {
      plan.row_groups.push_back({t, t});
      plan.meta.row_groups.push_back({t, 0, 0, UINT64_MAX, 0, 0});
    }
    RowGroupInfo& group = plan.meta.row_groups.back();
    plan.row_groups.back().end = t + 1;
    group.latest_trace_start = plan.trace_rows[t].start;
    ++group.trace_count;
    group.span_count += static_cast<std::uint32_t>(trace_spans);
    for (std::size_t i = plan.traces[t].begin; i < plan.traces[t].end; ++i) {
      const EncodedSpan& span = spans[i]->fields;
      group.min_start = std::min(group.min_start, span.start_unix_nanos);
      group.max_start = std::max(group.max_start, span.start_unix_nanos);
      meta.max_end_unix_nano = std::max(meta.max_end_unix_nano, span.end_unix_nanos);
    }
  }
  if (!plan.meta.row_groups.empty()) {
    meta.min_start_unix_nano = UINT64_MAX;
    for (const RowGroupInfo& group : plan.meta.row_groups) {
      meta.min_start_unix_nano = std::min(meta.min_start_unix_nano, group.min_start);
      meta.max_start_unix_nano = std::max(meta.max_start_unix_nano, group.max_start);
    }
  }
}

// The counting pass over encoded spans, run as each span is added: spans come trace after trace in
// the head's order, close to the order of their bytes in memory, so each span's cold bytes are read
// once, nearly sequentially (in block order, by trace ID, they were a random walk). Of an encoded
// span only the name and the span's attribute keys and plain string values are counted, on the
// bytes in place (the views must live as long as the dictionary builder, as EncodedSpan's do: until
// Finish): events, links, status messages and string arrays are rarer and are stored inline in such
// a block; compaction counts them all. Each span is read once: its attributes and details are kept in
// `parsed` for the encoding pass. A span that does not parse counts nothing (the encoding pass fails
// the block if it is kept).
class EncodedSpanCounter {
 public:
  void Count(const EncodedSpan& span, StringDictionaryBuilder& strings, ParsedSpans& parsed) {
    const std::size_t first = parsed.attributes.size();
    const std::size_t first_value = parsed.values.size();
    ParsedSpans::Span& parsed_span = parsed.spans.emplace_back();
    parsed_span.name = strings.Add(span.name);
    encoded_attributes_.clear();
    bool well_formed = otlp::wire::ReadSpanDetails(span.encoded, &encoded_attributes_, &parsed_span.details);
    for (std::size_t i = 0; well_formed && i < encoded_attributes_.size(); ++i) {
      well_formed = AddAttribute(encoded_attributes_[i], strings, parsed);
    }
    parsed_span.first = static_cast<std::uint32_t>(first);
    parsed_span.count = static_cast<std::uint32_t>(parsed.attributes.size() - first);
    if (!well_formed) {
      Uncount(parsed, parsed_span, strings);
      parsed_span.count = ParsedSpans::kUnread;
      parsed.attributes.resize(first);
      parsed.values.resize(first_value);
    }
  }
  // Takes back what Count counted for `span` (a duplicate the block drops, a span that does not parse).
  static void Uncount(const ParsedSpans& parsed, const ParsedSpans::Span& span, StringDictionaryBuilder& strings) {
    strings.UncountHandle(span.name);
    for (std::size_t i = span.first; i < span.first + span.count; ++i) {
      const ParsedSpans::Attribute& attribute = parsed.attributes[i];
      strings.UncountHandle(attribute.key);
      if (attribute.type == model::AttributeType::kString && !attribute.model_value) {
        strings.UncountHandle(static_cast<std::uint32_t>(attribute.value));
      }
    }
  }
  // Forgets the spans seen (their bytes may be gone once the block is written).
  void Clear() { std::fill(recent_.begin(), recent_.end(), Recent{}); }

 private:
  // An attribute seen before as the same bytes (most: same key, same value, span after span).
  struct Recent {
    std::string_view encoded;
    ParsedSpans::Attribute attribute;
  };
  static constexpr int kRecentBits = 10;

  static std::size_t RecentSlot(std::string_view encoded) {
    const std::size_t size = encoded.size();
    std::uint64_t tail = size;  // the value's end: where attributes of one key differ
    if (size >= 8) std::memcpy(&tail, encoded.data() + size - 8, 8);
    const std::uint64_t mixed = (tail ^ (std::uint64_t{size} << 56) ^ static_cast<std::uint8_t>(encoded[size / 2])) *
                                0x9e3779b97f4a7c15ULL;
    return static_cast<std::size_t>(mixed >> (64 - kRecentBits));
  }

  // False when the attribute does not parse.
  bool AddAttribute(std::string_view encoded, StringDictionaryBuilder& strings, ParsedSpans& parsed) {
    Recent* recent = encoded.empty() ? nullptr : &recent_[RecentSlot(encoded)];
    if (recent != nullptr && StringDictionaryBuilder::SameText(recent->encoded, encoded)) {
      strings.CountHandle(recent->attribute.key);
      if (recent->attribute.type == model::AttributeType::kString) {
        strings.CountHandle(static_cast<std::uint32_t>(recent->attribute.value));
      }
      parsed.attributes.push_back(recent->attribute);
      return true;
    }
    std::string_view key;
    otlp::wire::ValueView value;
    if (!otlp::wire::ParseAttribute(encoded, &key, &value)) return false;
    ParsedSpans::Attribute& attribute = parsed.attributes.emplace_back();
    attribute.key = strings.Add(key);
    attribute.type = value.type;
    if (value.opaque || value.type > model::AttributeType::kDouble) {
      attribute.model_value = true;
      attribute.value = parsed.values.size();
      parsed.values.push_back(value);
      return true;
    }
    switch (value.type) {
      case model::AttributeType::kString: attribute.value = strings.Add(value.string); break;
      case model::AttributeType::kBool: attribute.value = value.boolean ? 1 : 0; break;
      case model::AttributeType::kInt: attribute.value = std::bit_cast<std::uint64_t>(value.integer); break;
      default: attribute.value = std::bit_cast<std::uint64_t>(value.real); break;
    }
    if (recent != nullptr) *recent = {encoded, attribute};
    return true;
  }

  std::vector<std::string_view> encoded_attributes_;  // one span's, reused
  std::vector<Recent> recent_ = std::vector<Recent>(std::size_t{1} << kRecentBits);
};

// Takes back the counts of the encoded spans the block drops as duplicates (counted when added), so
// that a block's bytes do not depend on duplicates. Nothing to do unless spans were dropped.
void UncountDropped(const std::vector<StoredSpan>& added, const SpanList& kept, ParsedSpans& parsed,
                    StringDictionaryBuilder& strings) {
  if (kept.size() == added.size()) return;
  std::vector<bool> is_kept(added.size());
  for (const StoredSpan* stored : kept) is_kept[static_cast<std::size_t>(stored - added.data())] = true;
  for (std::size_t i = 0; i < added.size(); ++i) {
    const ParsedSpans::Span& span = parsed.spans[i];
    if (!is_kept[i] && added[i].decoded == nullptr && span.count != ParsedSpans::kUnread) {
      EncodedSpanCounter::Uncount(parsed, span, strings);
    }
  }
}

// The strings of everything but the encoded spans (counted as they were added). Model spans are
// counted in block order, so dropped duplicates are not counted.
void CountOtherStrings(const SpanList& spans, bool has_model_spans, const std::vector<ResourceEntry>& resources,
                       const std::vector<ScopeEntry>& scopes, StringDictionaryBuilder& strings) {
  if (has_model_spans) {
    for (const StoredSpan* stored : spans) {
      if (stored->decoded != nullptr) CountStrings(*stored->decoded, strings);
    }
  }
  for (const ResourceEntry& entry : resources) {
    CountStrings(entry.resource.attributes, strings);
    strings.Count(entry.schema_url);
  }
  for (const ScopeEntry& entry : scopes) {
    CountStrings(entry.scope.attributes, strings);
    strings.Count(entry.scope.name);
    strings.Count(entry.scope.version);
    strings.Count(entry.schema_url);
  }
}

}  // namespace

struct BlockBuilder::State {
  int zstd_level = kCompactedBlockZstdLevel;
  std::vector<StoredSpan> spans;
  std::deque<model::Span> owned;  // the spans added as model spans (a deque keeps their addresses)
  Interner<ResourceEntry> resources;
  Interner<ScopeEntry> scopes;
  std::size_t bytes = 0;
  // What Finish fills, emptied but kept for the next block: a store cutting with one builder writes
  // each block into memory already mapped, not ~100 MB per 262k-span cut faulted in afresh.
  SpanList in_block_order;
  BlockPlan plan;
  ParsedSpans parsed;
  // ArrangeInBlockOrder's copies, then what they replaced (kept for the next block).
  std::vector<StoredSpan> arranged;
  std::vector<ParsedSpans::Span> arranged_parsed;
  StringDictionaryBuilder strings;
  SpanColumns columns;
  EncodedSpanCounter counter;

  void Add(model::Span span, std::uint32_t resource, std::uint32_t scope) {
    bytes += ApproximateBytes(span);
    const model::Span& kept = owned.emplace_back(std::move(span));
    // A handle without a count: the name is counted in Write, with the rest of the span.
    spans.push_back({FieldsOf(kept), &kept, resource, scope, strings.Add(kept.name, 0)});
    parsed.spans.emplace_back();
  }
  void Add(const EncodedSpan& span, std::uint32_t resource, std::uint32_t scope) {
    bytes += sizeof(StoredSpan);  // the bytes stay the caller's
    counter.Count(span, strings, parsed);
    spans.push_back({span, nullptr, resource, scope, parsed.spans.back().name});
  }
  Status Write(const std::filesystem::path& path, BlockMeta* meta_out);
  void ArrangeInBlockOrder();
  std::size_t kept_bytes() const {
    return (spans.capacity() + arranged.capacity()) * sizeof(StoredSpan) +
           in_block_order.capacity() * sizeof(StoredSpan*) + plan.parents.capacity() * sizeof(std::uint32_t) +
           parsed.capacity_bytes() + arranged_parsed.capacity() * sizeof(ParsedSpans::Span) +
           strings.capacity_bytes();
  }
  // Empty for the next block; the buffers stay unless they hold more than kMaxKeptBytes (a cut of
  // everything, far past the usual slice).
  void Clear() {
    if (kept_bytes() > kMaxKeptBytes) {
      *this = State{.zstd_level = zstd_level};
      return;
    }
    spans.clear();
    owned.clear();
    resources = {};
    scopes = {};
    bytes = 0;
    in_block_order.clear();
    plan.Clear();
    parsed.Clear();
    arranged.clear();
    arranged_parsed.clear();
    strings.Clear();
    counter.Clear();
  }
  static constexpr std::size_t kMaxKeptBytes = std::size_t{256} << 20;
};

BlockBuilder::BlockBuilder(int zstd_level) : state_(std::make_unique<State>()) { state_->zstd_level = zstd_level; }
BlockBuilder::~BlockBuilder() = default;

void BlockBuilder::set_zstd_level(int zstd_level) {
  state_->zstd_level = zstd_level;
}

void BlockBuilder::Add(const model::TraceBatch& batch) {
  for (const model::ResourceSpans& resource_spans : batch.resource_spans) {
    const std::uint32_t resource = state_->resources.Intern({resource_spans.resource, resource_spans.schema_url});
    for (const model::ScopeSpans& scope_spans : resource_spans.scope_spans) {
      const std::uint32_t scope = state_->scopes.Intern({scope_spans.scope, scope_spans.schema_url});
      for (const model::Span& span : scope_spans.spans) state_->Add(span, resource, scope);
    }
  }
}

void BlockBuilder::Add(const model::Span& span, const ResourceEntry& resource, const ScopeEntry& scope) {
  state_->Add(span, state_->resources.Intern(resource), state_->scopes.Intern(scope));
}

std::uint32_t BlockBuilder::InternResource(const ResourceEntry& resource) { return state_->resources.Intern(resource); }
std::uint32_t BlockBuilder::InternScope(const ScopeEntry& scope) { return state_->scopes.Intern(scope); }

void BlockBuilder::Add(model::Span&& span, std::uint32_t resource, std::uint32_t scope) {
  state_->Add(std::move(span), resource, scope);
}

void BlockBuilder::Add(const EncodedSpan& span, std::uint32_t resource, std::uint32_t scope) {
  state_->Add(span, resource, scope);
}

void BlockBuilder::Reserve(std::size_t spans) {
  state_->spans.reserve(state_->spans.size() + spans);
  state_->parsed.spans.reserve(state_->parsed.spans.size() + spans);
}
std::size_t BlockBuilder::span_count() const { return state_->spans.size(); }
std::size_t BlockBuilder::approximate_bytes() const { return state_->bytes; }

Status BlockBuilder::Finish(const std::filesystem::path& path, BlockMeta* meta_out) {
  const Status status = state_->Write(path, meta_out);
  state_->Clear();
  return status;
}

std::size_t BlockBuilder::kept_bytes() const { return state_->kept_bytes(); }

// Copies the kept spans, and what the counting pass parsed of them, into block order, once, so that
// every later pass walks them front to back. They were added in the head's order (of arrival), and
// where traces arrive out of the order of their starts (a load generator's spread over an hour),
// block order jumped from trace to trace through a cut's 100k spans, which outgrow the caches: each
// pass paid for it. Measured: the cut 8-9 % faster (docs/benchmarks.md).
void BlockBuilder::State::ArrangeInBlockOrder() {
  parsed.first_added = spans.data();
  arranged.clear();
  arranged.reserve(in_block_order.size());
  arranged_parsed.clear();
  arranged_parsed.reserve(in_block_order.size());
  for (TraceRange& trace : plan.traces) {
    const std::size_t begin = arranged.size();
    for (std::size_t i = trace.begin; i < trace.end; ++i) {
      arranged.push_back(*in_block_order[i]);
      arranged_parsed.push_back(parsed.Of(*in_block_order[i]));
    }
    trace = {begin, arranged.size()};
  }
  spans.swap(arranged);
  parsed.spans.swap(arranged_parsed);
  parsed.first_added = spans.data();
  in_block_order.clear();
  for (const StoredSpan& span : spans) in_block_order.push_back(&span);
}

Status BlockBuilder::State::Write(const std::filesystem::path& path, BlockMeta* meta_out) {
  SortAndDeduplicate(spans, in_block_order);
  PlanTraces(in_block_order, plan);
  UncountDropped(spans, in_block_order, parsed, strings);
  ArrangeInBlockOrder();
  PlanServices(resources.entries(), &plan.meta.services, &plan.resource_services);
  PlanSummaries(in_block_order, strings, plan);
  PlanLayout(in_block_order, plan);
  CountOtherStrings(in_block_order, !owned.empty(), resources.entries(), scopes.entries(), strings);
  strings.Build();

  BlockFile file(path);
  HOPTRACE_RETURN_IF_ERROR(file.Open());
  BlockMeta& meta = plan.meta.meta;
  SectionWriter writer(file, zstd_level);
  HOPTRACE_RETURN_IF_ERROR(WriteDictionaries(writer, strings, resources.entries(), scopes.entries(), meta));
  std::vector<model::TraceId> trace_ids;  // sorted
  trace_ids.reserve(plan.traces.size());
  for (const std::uint64_t ordinal : plan.ordinals_by_id) trace_ids.push_back(plan.trace_rows[ordinal].trace_id);
  HOPTRACE_RETURN_IF_ERROR(WriteIndexPages(writer, trace_ids, plan.ordinals_by_id, plan.meta));

  const std::size_t first_column = kFirstIndexPage + plan.meta.index_pages.size();
  SpanDecoder decoder;
  for (std::size_t group = 0; group < plan.row_groups.size(); ++group) {
    const TraceRange traces = plan.row_groups[group];
    const std::size_t slot = first_column + group * kColumnCount;
    HOPTRACE_RETURN_IF_ERROR(writer.Write(slot + kTracesColumn,
                                          EncodeTraceRows(&plan.trace_rows[traces.begin], traces.end - traces.begin,
                                                          meta.min_start_unix_nano, strings),
                                          &meta.summary_bytes));
    columns.Clear();
    RowGroupEncoder encoder(strings, decoder, columns, &parsed);
    for (std::size_t t = traces.begin; t < traces.end; ++t) {
      const TraceRange trace = plan.traces[t];
      if (!encoder.AddTrace(in_block_order, trace, {plan.parents.data() + trace.begin, trace.end - trace.begin})) {
        return Status::Error(Status::Code::kCorruption, "a span of trace " + plan.trace_rows[t].trace_id.ToHex() +
                                                            " does not decode");
      }
    }
    HOPTRACE_RETURN_IF_ERROR(columns.Write(writer, slot, &meta.span_data_bytes));
  }
  HOPTRACE_RETURN_IF_ERROR(WriteTail(file, writer, trace_ids, plan.meta));
  if (meta_out != nullptr) *meta_out = meta;
  return Status::Ok();
}

}  // namespace hoptrace::store::block
