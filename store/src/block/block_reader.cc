// Reads a block: open (footer, directory, meta, bloom), the section cache, span decoding, trace
// lookup and streaming. Search is in block_search.cc.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

#include "block/block_reader_state.h"
#include "block/bloom_filter.h"

namespace hoptrace::store::block {
namespace {

Status ReadAt(int fd, std::uint64_t offset, std::size_t size, std::string* out) {
  out->resize(size);
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd, out->data() + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError(std::string("read: ") + std::strerror(errno));
    if (n == 0) return Corruption("unexpected end of file");
    done += static_cast<std::size_t>(n);
  }
  return Status::Ok();
}

bool AllOk(const std::vector<Decoder>& streams) {
  return std::none_of(streams.begin(), streams.end(), [](const Decoder& d) { return d.failed(); });
}

}  // namespace

// ---- State ----
BlockReader::State::~State() {
  if (fd >= 0) ::close(fd);
}

Status BlockReader::State::ReadStored(const SectionHandle& handle, std::string* stored) const {
  return ReadAt(fd, handle.offset, static_cast<std::size_t>(handle.stored_bytes), stored);
}

Status BlockReader::State::ReadSection(std::size_t slot, SectionData* data) {
  if (slot >= sections.size()) return Corruption("section slot out of range");
  {
    std::lock_guard lock(cache_mutex_);
    if (const auto it = cached_.find(slot); it != cached_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      *data = it->second->second;
      return Status::Ok();
    }
  }
  auto section = std::make_shared<std::string>();
  HOPTRACE_RETURN_IF_ERROR(ReadStored(sections[slot], section.get()));
  HOPTRACE_RETURN_IF_ERROR(DecodeSection(sections[slot], section.get()));
  const SectionData raw = std::move(section);
  *data = raw;
  std::lock_guard lock(cache_mutex_);
  if (cached_.count(slot) == 0 && raw->size() <= options.cache_bytes) {
    lru_.emplace_front(slot, raw);
    cached_[slot] = lru_.begin();
    cached_bytes_ += raw->size();
    while (cached_bytes_ > options.cache_bytes) {
      cached_bytes_ -= lru_.back().second->size();
      cached_.erase(lru_.back().first);
      lru_.pop_back();
    }
  }
  return Status::Ok();
}

Status BlockReader::State::LoadDictionaries(std::shared_ptr<const Dictionaries>* out) {
  std::lock_guard lock(dictionaries_mutex_);
  if (dictionaries_) {
    *out = dictionaries_;
    return Status::Ok();
  }
  auto dict = std::make_shared<Dictionaries>();
  SectionData strings, resources, scopes;
  HOPTRACE_RETURN_IF_ERROR(ReadSection(kStringsSection, &strings));
  HOPTRACE_RETURN_IF_ERROR(ReadSection(kResourcesSection, &resources));
  HOPTRACE_RETURN_IF_ERROR(ReadSection(kScopesSection, &scopes));
  if (!DecodeStrings(*strings, &dict->strings)) return Corruption("malformed string dictionary");
  if (!DecodeResources(*resources, dict->strings, &dict->resources)) return Corruption("malformed resources");
  if (!DecodeScopes(*scopes, dict->strings, &dict->scopes)) return Corruption("malformed scopes");
  for (const ResourceEntry& entry : dict->resources) {
    const auto it = std::lower_bound(meta.services.begin(), meta.services.end(), ServiceOf(entry.resource));
    if (it == meta.services.end() || *it != ServiceOf(entry.resource)) return Corruption("resource service not listed");
    dict->resource_services.push_back(static_cast<std::uint32_t>(it - meta.services.begin()));
  }
  dictionaries_ = dict;
  *out = dictionaries_;
  return Status::Ok();
}

Status BlockReader::State::LoadColumn(std::size_t group, Column column, SectionData* data) {
  return ReadSection(kFirstIndexPage + meta.index_pages.size() + group * kColumnCount + column, data);
}

Status BlockReader::State::LoadRowGroup(std::size_t group, std::vector<SectionData>* columns) {
  columns->resize(kColumnCount);
  for (std::size_t column = 0; column < kColumnCount; ++column) {
    HOPTRACE_RETURN_IF_ERROR(LoadColumn(group, static_cast<Column>(column), &(*columns)[column]));
  }
  return Status::Ok();
}

Status BlockReader::State::DecodeTraces(std::size_t group, const SectionData& traces_column, const Dictionaries& dict,
                                        std::vector<TraceRow>* rows) const {
  const RowGroupInfo& info = meta.row_groups[group];
  if (!DecodeTraceRows(*traces_column, meta.meta.min_start_unix_nano, meta.services.size(), dict.strings,
                       rows) ||
      rows->size() != info.trace_count) {
    return Corruption("malformed traces column");
  }
  std::uint64_t spans = 0;
  for (const TraceRow& row : *rows) spans += row.span_count;
  if (spans != info.span_count) return Corruption("traces column disagrees with the group's span count");
  return Status::Ok();
}

Status BlockReader::State::OpenRowGroup(std::size_t group, const Dictionaries& dict, LoadedRowGroup* loaded,
                                        RowGroupDecoder* decoder) {
  HOPTRACE_RETURN_IF_ERROR(LoadRowGroup(group, &loaded->columns));
  HOPTRACE_RETURN_IF_ERROR(DecodeTraces(group, loaded->columns[kTracesColumn], dict, &loaded->traces));
  return decoder->Init(loaded->columns, &loaded->traces);
}

Status BlockReader::State::LocateTrace(const model::TraceId& trace_id, std::optional<std::uint64_t>* ordinal) {
  ordinal->reset();
  if (!BloomMayContain(*bloom, trace_id) || meta.index_pages.empty()) return Status::Ok();
  const auto& pages = meta.index_pages;
  const auto page_it = std::upper_bound(pages.begin(), pages.end(), trace_id,
                                        [](const model::TraceId& id, const IndexPageInfo& p) { return id < p.first_trace; });
  if (page_it == pages.begin()) return Status::Ok();
  const auto page = static_cast<std::size_t>(page_it - pages.begin() - 1);
  SectionData data;
  HOPTRACE_RETURN_IF_ERROR(ReadSection(kFirstIndexPage + page, &data));
  const std::size_t count = pages[page].trace_count;
  if (data->size() != count * kIndexEntryBytes) return Corruption("index page size mismatch");
  const auto* ids = reinterpret_cast<const std::uint8_t*>(data->data());
  std::size_t low = 0, high = count;  // first position whose id is >= trace_id
  while (low < high) {
    const std::size_t mid = (low + high) / 2;
    if (std::memcmp(ids + mid * model::TraceId::kSize, trace_id.data(), model::TraceId::kSize) < 0) {
      low = mid + 1;
    } else {
      high = mid;
    }
  }
  if (low == count || std::memcmp(ids + low * model::TraceId::kSize, trace_id.data(), model::TraceId::kSize) != 0) {
    return Status::Ok();  // a bloom false positive
  }
  const std::uint8_t* ordinal_bytes = ids + count * model::TraceId::kSize + low * 4;
  *ordinal = ordinal_bytes[0] | (ordinal_bytes[1] << 8) | (ordinal_bytes[2] << 16) |
             (std::uint64_t{ordinal_bytes[3]} << 24);
  if (**ordinal >= meta.meta.trace_count) return Corruption("trace ordinal out of range");
  return Status::Ok();
}

std::size_t BlockReader::State::GroupOf(std::uint64_t trace_ordinal) const {
  const auto it = std::upper_bound(meta.row_groups.begin(), meta.row_groups.end(), trace_ordinal,
                                   [](std::uint64_t t, const RowGroupInfo& g) { return t < g.first_trace; });
  return static_cast<std::size_t>(it - meta.row_groups.begin() - 1);
}

// ---- RowGroupDecoder ----
bool SplitSpanColumns(const std::vector<SectionData>& columns, std::vector<Decoder>* intrinsics,
                      std::vector<Decoder>* ids, std::vector<Decoder>* attributes, std::vector<Decoder>* details) {
  return SplitStreams(*columns[kIntrinsicsColumn], kIntrinsicStreams, intrinsics) &&
         SplitStreams(*columns[kIdsColumn], kIdStreams, ids) &&
         SplitStreams(*columns[kAttributesColumn], kAttributeStreams, attributes) &&
         SplitStreams(*columns[kDetailsColumn], kDetailStreams, details);
}

Status RowGroupDecoder::Init(const std::vector<SectionData>& columns, const std::vector<TraceRow>* traces) {
  traces_ = traces;
  next_trace_ = 0;
  if (!SplitSpanColumns(columns, &intrinsics_, &ids_, &attributes_, &details_)) {
    return Corruption("malformed row group streams");
  }
  return Status::Ok();
}

Status RowGroupDecoder::NextTrace(std::vector<DecodedSpan>& spans) {
  if (next_trace_ >= traces_->size()) return Corruption("row group holds fewer traces than its meta says");
  const TraceRow& trace = (*traces_)[next_trace_++];
  const std::size_t count = trace.span_count;
  // Each span takes 8 bytes of the span-ID stream: a garbage count fails before the resize.
  if (count > ids_[kSpanIds].remaining() / model::SpanId::kSize) return Corruption("malformed trace column");
  std::uint64_t previous_start = trace.start;
  ResizeKeepingSlots(spans, count);
  parent_refs_.resize(count);
  for (std::size_t i = 0; i < count; ++i) {
    parent_refs_[i] = ids_[kParentRefs].GetVarint();
    if (!DecodeSpan(trace.trace_id, previous_start, spans[i])) return Corruption("malformed span columns");
  }
  if (!ResolveParents(spans, count)) return Corruption("parent reference outside its trace");
  return Status::Ok();
}

// Spans beyond `count` wait in spare_ rather than being destroyed: traces of varying sizes then
// reuse the same span records (and their strings and attribute slots) instead of allocating.
void RowGroupDecoder::ResizeKeepingSlots(std::vector<DecodedSpan>& spans, std::size_t count) {
  while (spans.size() > count) {
    spare_.push_back(std::move(spans.back()));
    spans.pop_back();
  }
  while (spans.size() < count && !spare_.empty()) {
    spans.push_back(std::move(spare_.back()));
    spare_.pop_back();
  }
  spans.resize(count);
}

Status RowGroupDecoder::SkipTrace() {
  if (next_trace_ >= traces_->size()) return Corruption("row group holds fewer traces than its meta says");
  const TraceRow& trace = (*traces_)[next_trace_++];
  for (std::size_t i = 0; i < trace.span_count; ++i) {
    if (!SkipSpan()) return Corruption("malformed span columns");
  }
  return Status::Ok();
}

// Reads what DecodeSpan and DecodeDetails read, in the same order, keeping nothing.
bool RowGroupDecoder::SkipSpan() {
  for (const std::size_t varint : {kResourceIds, kScopeIds}) intrinsics_[varint].GetVarint();
  SkipStringRef(intrinsics_[kNames]);
  for (const std::size_t byte : {kKinds, kStatusCodes}) intrinsics_[byte].GetByte();
  for (const std::size_t varint : {kStartDeltas, kDurations}) intrinsics_[varint].GetVarint();
  ids_[kSpanIds].GetBytes(model::SpanId::kSize);
  if (ids_[kParentRefs].GetVarint() == kParentExplicit) ids_[kExplicitParents].GetBytes(model::SpanId::kSize);
  ids_[kFlags].GetVarint();
  SkipStringRef(ids_[kTraceStates]);
  if (!SkipAttributes(attributes_[kAttributeCounts].GetCount(attributes_[kAttributeTypes]),
                      {&attributes_[kAttributeKeys], &attributes_[kAttributeTypes], &attributes_[kAttributeValues]})) {
    return false;
  }
  const AttributeDecoders nested{&details_[kNestedKeys], &details_[kNestedTypes], &details_[kNestedValues]};
  SkipStringRef(details_[kStatusMessages]);
  for (int dropped = 0; dropped < 3; ++dropped) details_[kDroppedCounts].GetVarint();
  for (std::size_t i = 0, events = details_[kEventCounts].GetCount(details_[kEventScalars]); i < events; ++i) {
    details_[kEventScalars].GetVarint();  // time
    SkipStringRef(details_[kEventScalars]);
    details_[kEventScalars].GetVarint();  // dropped attributes
    if (!SkipAttributes(details_[kNestedCounts].GetCount(details_[kNestedTypes]), nested)) return false;
  }
  for (std::size_t i = 0, links = details_[kLinkCounts].GetCount(details_[kLinkIds]); i < links; ++i) {
    details_[kLinkIds].GetBytes(model::TraceId::kSize + model::SpanId::kSize);
    SkipStringRef(details_[kLinkScalars]);
    for (int varint = 0; varint < 2; ++varint) details_[kLinkScalars].GetVarint();  // flags, dropped
    if (!SkipAttributes(details_[kNestedCounts].GetCount(details_[kNestedTypes]), nested)) return false;
  }
  return AllOk(intrinsics_) && AllOk(ids_) && !attributes_[kAttributeCounts].failed() && AllOk(details_);
}

bool RowGroupDecoder::DecodeSpan(const model::TraceId& trace_id, std::uint64_t& previous_start, DecodedSpan& out) {
  model::Span& span = out.span;
  out.resource = intrinsics_[kResourceIds].GetVarint32();
  out.scope = intrinsics_[kScopeIds].GetVarint32();
  if (out.resource >= dict_.resources.size() || out.scope >= dict_.scopes.size()) return false;
  span.trace_id = trace_id;
  span.name = GetStringRef(intrinsics_[kNames], dict_.strings).text;
  span.kind = static_cast<model::SpanKind>(intrinsics_[kKinds].GetByte());
  span.status.code = static_cast<model::StatusCode>(intrinsics_[kStatusCodes].GetByte());
  span.start_time_unix_nano = previous_start + intrinsics_[kStartDeltas].GetVarint();
  previous_start = span.start_time_unix_nano;
  span.end_time_unix_nano = span.start_time_unix_nano + static_cast<std::uint64_t>(intrinsics_[kDurations].GetSigned());
  span.span_id = ids_[kSpanIds].GetId<8>();
  span.flags = ids_[kFlags].GetVarint32();
  span.trace_state = GetStringRef(ids_[kTraceStates], dict_.strings).text;
  span.attributes.clear();
  const std::size_t attribute_count = attributes_[kAttributeCounts].GetCount(attributes_[kAttributeTypes]);
  if (!GetAttributes(attribute_count, dict_.strings,
                     {&attributes_[kAttributeKeys], &attributes_[kAttributeTypes], &attributes_[kAttributeValues]},
                     span.attributes)) {
    return false;
  }
  return DecodeDetails(span) && AllOk(intrinsics_) && AllOk(ids_) && !attributes_[kAttributeCounts].failed();
}

bool RowGroupDecoder::DecodeDetails(model::Span& span) {
  const AttributeDecoders nested{&details_[kNestedKeys], &details_[kNestedTypes], &details_[kNestedValues]};
  span.status.message = GetStringRef(details_[kStatusMessages], dict_.strings).text;
  span.dropped_attributes_count = details_[kDroppedCounts].GetVarint32();
  span.dropped_events_count = details_[kDroppedCounts].GetVarint32();
  span.dropped_links_count = details_[kDroppedCounts].GetVarint32();
  span.events.clear();
  const std::size_t event_count = details_[kEventCounts].GetCount(details_[kEventScalars]);
  for (std::size_t i = 0; i < event_count; ++i) {
    model::Event& event = span.events.emplace_slot();
    event.time_unix_nano = span.start_time_unix_nano + static_cast<std::uint64_t>(details_[kEventScalars].GetSigned());
    event.name = GetStringRef(details_[kEventScalars], dict_.strings).text;
    event.dropped_attributes_count = details_[kEventScalars].GetVarint32();
    event.attributes.clear();
    if (!GetAttributes(details_[kNestedCounts].GetCount(details_[kNestedTypes]), dict_.strings, nested, event.attributes)) {
      return false;
    }
  }
  span.links.clear();
  const std::size_t link_count = details_[kLinkCounts].GetCount(details_[kLinkIds]);
  for (std::size_t i = 0; i < link_count; ++i) {
    model::Link& link = span.links.emplace_slot();
    link.trace_id = details_[kLinkIds].GetId<16>();
    link.span_id = details_[kLinkIds].GetId<8>();
    link.trace_state = GetStringRef(details_[kLinkScalars], dict_.strings).text;
    link.flags = details_[kLinkScalars].GetVarint32();
    link.dropped_attributes_count = details_[kLinkScalars].GetVarint32();
    link.attributes.clear();
    if (!GetAttributes(details_[kNestedCounts].GetCount(details_[kNestedTypes]), dict_.strings, nested, link.attributes)) {
      return false;
    }
  }
  return AllOk(details_);
}

bool RowGroupDecoder::ResolveParents(std::vector<DecodedSpan>& spans, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint64_t ref = parent_refs_[i];
    model::SpanId& parent = spans[i].span.parent_span_id;
    if (ref == kParentNone) {
      parent = model::SpanId();
    } else if (ref == kParentExplicit) {
      parent = ids_[kExplicitParents].GetId<8>();
    } else {
      const std::uint64_t zigzag = ref - kParentInTrace;
      const auto distance = static_cast<std::int64_t>(zigzag >> 1) ^ -static_cast<std::int64_t>(zigzag & 1);
      const auto position = static_cast<std::int64_t>(i) - distance;
      if (position < 0 || position >= static_cast<std::int64_t>(count)) return false;
      parent = spans[static_cast<std::size_t>(position)].span.span_id;
    }
  }
  return !ids_[kExplicitParents].failed();
}

// ---- BlockReader ----
BlockReader::BlockReader(std::unique_ptr<State> state) : state_(std::move(state)) {}
BlockReader::~BlockReader() = default;

Status BlockReader::Open(const std::filesystem::path& path, const ReaderOptions& options,
                         std::unique_ptr<BlockReader>* reader) {
  auto state = std::make_unique<State>();
  state->path = path;
  state->options = options;
  state->fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (state->fd < 0) {
    return Status::Error(errno == ENOENT ? Status::Code::kNotFound : Status::Code::kIoError,
                         "block: open " + path.string() + ": " + std::strerror(errno));
  }
  struct stat info {};
  if (::fstat(state->fd, &info) != 0) return IoError("stat " + path.string());
  const auto size = static_cast<std::uint64_t>(info.st_size);
  if (size < kFooterSize) return Corruption(path.string() + ": truncated (no footer)");
  std::string bytes;
  HOPTRACE_RETURN_IF_ERROR(ReadAt(state->fd, size - kFooterSize, kFooterSize, &bytes));
  Footer footer;
  HOPTRACE_RETURN_IF_ERROR(DecodeFooter(bytes, &footer));
  if (footer.directory_offset > size - kFooterSize ||
      footer.directory_bytes != size - kFooterSize - footer.directory_offset) {
    return Corruption(path.string() + ": truncated or misplaced section directory");
  }
  HOPTRACE_RETURN_IF_ERROR(ReadAt(state->fd, footer.directory_offset, static_cast<std::size_t>(footer.directory_bytes), &bytes));
  if (Checksum(bytes) != footer.directory_checksum) return Corruption(path.string() + ": section directory checksum mismatch");
  HOPTRACE_RETURN_IF_ERROR(DecodeDirectory(bytes, footer.directory_offset, &state->sections));

  SectionData meta;
  HOPTRACE_RETURN_IF_ERROR(state->ReadSection(kMetaSection, &meta));
  HOPTRACE_RETURN_IF_ERROR(DecodeMeta(*meta, state->sections.size(), &state->meta));
  HOPTRACE_RETURN_IF_ERROR(state->ReadSection(kBloomSection, &state->bloom));
  state->meta.meta.file_bytes = size;
  for (const std::string& service : state->meta.services) {
    if (!service.empty()) state->services.push_back(service);
  }
  reader->reset(new BlockReader(std::move(state)));
  return Status::Ok();
}

const BlockMeta& BlockReader::meta() const { return state_->meta.meta; }
const std::filesystem::path& BlockReader::path() const { return state_->path; }
bool BlockReader::MayContain(const model::TraceId& trace_id) const { return BloomMayContain(*state_->bloom, trace_id); }
const std::vector<std::string>& BlockReader::Services() const { return state_->services; }
const std::vector<DependencyLink>& BlockReader::Dependencies() const { return state_->meta.dependencies; }

std::vector<Operation> BlockReader::Operations(std::string_view service) const {
  std::vector<Operation> operations;
  for (const OperationEntry& entry : state_->meta.operations) {
    if (state_->meta.services[entry.service] == service) operations.push_back(entry.operation);
  }
  return operations;  // sorted: the builder writes them ordered by (service, name, kind)
}

model::TraceBatch ToBatch(std::vector<DecodedSpan>& spans, const Dictionaries& dict) {
  model::TraceBatch batch;
  std::map<std::uint32_t, std::size_t> resource_positions;
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::size_t> scope_positions;
  for (DecodedSpan& decoded : spans) {
    const auto [resource_it, new_resource] =
        resource_positions.try_emplace(decoded.resource, batch.resource_spans.size());
    if (new_resource) {
      const ResourceEntry& entry = dict.resources[decoded.resource];
      batch.resource_spans.push_back({entry.resource, {}, entry.schema_url});
    }
    model::ResourceSpans& resource_spans = batch.resource_spans[resource_it->second];
    const auto [scope_it, new_scope] =
        scope_positions.try_emplace({decoded.resource, decoded.scope}, resource_spans.scope_spans.size());
    if (new_scope) {
      const ScopeEntry& entry = dict.scopes[decoded.scope];
      resource_spans.scope_spans.push_back({entry.scope, {}, entry.schema_url});
    }
    resource_spans.scope_spans[scope_it->second].spans.push_back(std::move(decoded.span));
  }
  return batch;
}

Status BlockReader::FindTrace(const model::TraceId& trace_id, std::optional<model::TraceBatch>* trace) {
  trace->reset();
  std::optional<std::uint64_t> ordinal;
  HOPTRACE_RETURN_IF_ERROR(state_->LocateTrace(trace_id, &ordinal));
  if (!ordinal) return Status::Ok();
  std::shared_ptr<const Dictionaries> dict;
  HOPTRACE_RETURN_IF_ERROR(state_->LoadDictionaries(&dict));
  const std::size_t group = state_->GroupOf(*ordinal);
  LoadedRowGroup loaded;
  RowGroupDecoder decoder(*dict);
  HOPTRACE_RETURN_IF_ERROR(state_->OpenRowGroup(group, *dict, &loaded, &decoder));
  const std::uint64_t first_trace = state_->meta.row_groups[group].first_trace;
  if (loaded.traces[*ordinal - first_trace].trace_id != trace_id) return Corruption("index page points at another trace");
  // Earlier traces of the group are passed over: the columns are read in order.
  for (std::uint64_t t = first_trace; t < *ordinal; ++t) HOPTRACE_RETURN_IF_ERROR(decoder.SkipTrace());
  std::vector<DecodedSpan> spans;
  HOPTRACE_RETURN_IF_ERROR(decoder.NextTrace(spans));
  *trace = ToBatch(spans, *dict);
  return Status::Ok();
}

Status BlockReader::Contains(const model::TraceId& trace_id, bool* found) {
  std::optional<std::uint64_t> ordinal;
  HOPTRACE_RETURN_IF_ERROR(state_->LocateTrace(trace_id, &ordinal));
  *found = ordinal.has_value();
  return Status::Ok();
}

Status BlockReader::ForEachSpan(const SpanVisitor& visitor) {
  if (state_->meta.row_groups.empty()) return Status::Ok();
  std::shared_ptr<const Dictionaries> dict;
  HOPTRACE_RETURN_IF_ERROR(state_->LoadDictionaries(&dict));
  std::vector<DecodedSpan> spans;
  for (std::size_t group = 0; group < state_->meta.row_groups.size(); ++group) {
    LoadedRowGroup loaded;
    RowGroupDecoder decoder(*dict);
    HOPTRACE_RETURN_IF_ERROR(state_->OpenRowGroup(group, *dict, &loaded, &decoder));
    for (std::size_t t = 0; t < loaded.traces.size(); ++t) {
      HOPTRACE_RETURN_IF_ERROR(decoder.NextTrace(spans));
      for (const DecodedSpan& decoded : spans) {
        if (!visitor(decoded.span, dict->resources[decoded.resource], dict->scopes[decoded.scope])) return Status::Ok();
      }
    }
  }
  return Status::Ok();
}

}  // namespace hoptrace::store::block
