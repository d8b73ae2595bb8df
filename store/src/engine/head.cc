#include "engine/head.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <new>
#include <unordered_set>
#include <utility>

#include "engine/trace_summary.h"
#include "hoptrace/store/service_calls.h"
#include "hoptrace/otlp/wire.h"

namespace hoptrace::store::engine {
namespace {

// New spans go into chunks of this size (a bigger span gets a chunk of its own, in whole units of it).
// Small enough that a long-lived trace pins little, big enough that a chunk holds several requests.
constexpr std::size_t kChunkBytes = 2 << 20;
// Up to this many spans a trace checks for a duplicate span ID by scanning its index.
constexpr std::size_t kLinearDuplicateCheck = 32;
// Per trace: its slot, two index slots (the index is at most half full) and its arrival entry.
constexpr std::size_t kTraceEntryBytes = sizeof(LiveSlot) + 2 * TracePositions::kSlotBytes + sizeof(Arrival);
// A live-trace table smaller than this is left as it is: packing it would save little.
constexpr std::size_t kMinSlotsToShrink = 4096;

std::size_t IndexBytes(const HeadTrace& trace) {
  return kTraceEntryBytes + trace.spans.capacity() * sizeof(HeadSpan) +
         trace.chunks.capacity() * sizeof(std::shared_ptr<const Chunk>) +
         trace.span_ids.capacity() * (sizeof(model::SpanId) + 1);  // a slot and its control byte
}

// Calls visit(const HeadSpan&) once per span ID over the parts of one trace.
template <typename Visit>
void ForEachDistinctSpan(const std::vector<const HeadTrace*>& parts, const Visit& visit) {
  if (parts.size() == 1) {
    for (const HeadSpan& span : parts[0]->spans) visit(span);
    return;
  }
  std::unordered_set<model::SpanId, model::IdHash> seen;
  for (const HeadTrace* part : parts) {
    for (const HeadSpan& span : part->spans) {
      if (seen.insert(span.span_id).second) visit(span);
    }
  }
}

// The fields of `out` the index holds: IDs, name, kind, times, status code. The rest stays empty.
void IndexedFields(const model::TraceId& trace_id, const HeadSpan& span, model::Span* out) {
  out->trace_id = trace_id;
  out->span_id = span.span_id;
  out->parent_span_id = span.parent_span_id;
  out->name.assign(span.name());
  out->kind = span.kind;
  out->start_time_unix_nano = span.start_unix_nanos;
  out->end_time_unix_nano = span.end_unix_nanos;
  out->status.code = span.status_code;
}

// Whether evaluating `filter` needs more of a span than its indexed fields (span attributes, the
// status message); resource attributes come from the decoded origin.
bool NeedsDecodedSpan(const SpanFilter& filter) {
  switch (filter.kind) {
    case SpanFilter::Kind::kTrue:
      return false;
    case SpanFilter::Kind::kComparison: {
      const Field& field = filter.comparison.field;
      return field.intrinsic == Intrinsic::kStatusMessage ||
             (field.intrinsic == Intrinsic::kNone && field.scope != AttributeScope::kResource);
    }
    case SpanFilter::Kind::kAnd:
    case SpanFilter::Kind::kOr:
      break;
  }
  return std::any_of(filter.children.begin(), filter.children.end(),
                     [](const SpanFilterPtr& child) { return NeedsDecodedSpan(*child); });
}

// The summary of a trace's head spans; with a request, nullopt unless a span matches inside the range.
std::optional<block::TraceHit> SummarizeParts(const model::TraceId& trace_id, const std::vector<const HeadTrace*>& parts,
                                              const SearchRequest* request) {
  const bool decode = request && NeedsDecodedSpan(*request->filter);
  SummaryBuilder builder(trace_id);
  bool matched = false;
  model::Span indexed;
  model::Span decoded;  // reused: DecodeSpan resets it
  ForEachDistinctSpan(parts, [&](const HeadSpan& span) {
    IndexedFields(trace_id, span, &indexed);
    builder.Add(indexed, span.origin->service);
    if (!request || !request->range.Contains(span.start_unix_nanos)) return;
    if (decode && !otlp::wire::DecodeSpan(span.encoded(), &decoded)) return;
    if (Matches(*request->filter, decode ? decoded : indexed, span.origin->resource.resource)) {
      builder.AddMatch(span.span_id);
      matched = true;
    }
  });
  if (builder.span_count() == 0 || (request && !matched)) return std::nullopt;
  return std::move(builder).Finish();
}

}  // namespace

ChunkMemory::ChunkMemory(std::size_t at_least)
    : size_((std::max<std::size_t>(at_least, 1) + kChunkBytes - 1) / kChunkBytes * kChunkBytes) {
  void* mapped = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapped == MAP_FAILED) throw std::bad_alloc();
  data_ = static_cast<char*>(mapped);
  // Only advice (kernels before 5.14 refuse it): the spans' copies then fault nothing.
  madvise(data_, size_, MADV_POPULATE_WRITE);
}

ChunkMemory::~ChunkMemory() {
  if (data_) munmap(data_, size_);
}

ChunkMemory::ChunkMemory(ChunkMemory&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

ChunkMemory& ChunkMemory::operator=(ChunkMemory&& other) noexcept {
  if (this != &other) {
    if (data_) munmap(data_, size_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

ChunkMemory ChunkPool::Take(std::size_t at_least) {
  {
    std::lock_guard lock(mutex_);
    if (!kept_.empty() && kept_.back().size() >= at_least) {
      ChunkMemory memory = std::move(kept_.back());
      kept_.pop_back();
      bytes_.fetch_sub(memory.size(), std::memory_order_relaxed);
      CountTakenLocked(memory.size());
      return memory;
    }
  }
  ChunkMemory memory(at_least);  // counted once mapped: mmap may fail
  mappings_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(mutex_);
  CountTakenLocked(memory.size());
  return memory;
}

void ChunkPool::CountTakenLocked(std::size_t bytes) {
  in_use_bytes_ += bytes;
  period_peak_ = std::max(period_peak_, in_use_bytes_);
}

void ChunkPool::Give(ChunkMemory memory) {
  std::lock_guard lock(mutex_);
  in_use_bytes_ -= memory.size();
  // Only standard chunks: an outsized one is for one rare big span.
  if (memory.size() != kChunkBytes || in_use_bytes_ + bytes() + memory.size() > TargetLocked()) return;
  bytes_.fetch_add(memory.size(), std::memory_order_relaxed);
  kept_.push_back(std::move(memory));
}

void ChunkPool::EndPeriod() {
  std::vector<ChunkMemory> unmapped;
  std::lock_guard lock(mutex_);
  peaks_[periods_ended_++ % kPeriods] = period_peak_;
  period_peak_ = in_use_bytes_;
  TrimLocked(unmapped);
}

std::size_t ChunkPool::TargetLocked() const {
  const std::size_t recent_peak = std::max(period_peak_, *std::max_element(peaks_.begin(), peaks_.end()));
  return std::min(recent_peak, max_bytes_);
}

void ChunkPool::TrimLocked(std::vector<ChunkMemory>& unmapped) {
  const std::size_t target = TargetLocked();
  while (!kept_.empty() && in_use_bytes_ + bytes() > target) {
    bytes_.fetch_sub(kept_.back().size(), std::memory_order_relaxed);
    unmapped.push_back(std::move(kept_.back()));
    kept_.pop_back();
  }
}

Chunk::Chunk(std::size_t min_capacity, ChunkPool* pool, std::atomic<std::size_t>* accounted)
    : pool_(pool), memory_(pool->Take(min_capacity)), capacity_(memory_.size()), accounted_(accounted) {
  Account(sizeof(Chunk) + capacity_);
}

Chunk::~Chunk() {
  // Pooled before the count drops, so the head's memory never reads low while the pages are held.
  pool_->Give(std::move(memory_));
  accounted_->fetch_sub(accounted_bytes_, std::memory_order_relaxed);
}

void Chunk::Account(std::size_t bytes) {
  accounted_bytes_ += bytes;
  accounted_->fetch_add(bytes, std::memory_order_relaxed);
}

std::string_view Chunk::Copy(std::string_view bytes) {
  char* at = memory_.data() + used_;
  if (!bytes.empty()) std::memcpy(at, bytes.data(), bytes.size());
  used_ += bytes.size();
  return {at, bytes.size()};
}

const Origin* Chunk::Intern(std::string_view resource, std::string_view resource_schema_url, std::string_view scope,
                            std::string_view scope_schema_url) {
  for (const std::unique_ptr<Origin>& origin : origins_) {
    if (origin->resource_encoded == resource && origin->scope_encoded == scope &&
        origin->resource_schema_url == resource_schema_url && origin->scope_schema_url == scope_schema_url) {
      return origin.get();
    }
  }
  auto origin = std::make_unique<Origin>();
  if (!otlp::wire::DecodeResource(resource, &origin->resource.resource) ||
      !otlp::wire::DecodeScope(scope, &origin->scope.scope)) {
    return nullptr;
  }
  origin->resource_encoded = resource;
  origin->resource_schema_url = resource_schema_url;
  origin->scope_encoded = scope;
  origin->scope_schema_url = scope_schema_url;
  origin->resource.schema_url = resource_schema_url;
  origin->scope.schema_url = scope_schema_url;
  origin->service = ServiceOf(origin->resource.resource);
  // The encodings, and the decoded copies (strings and attribute entries: a few times the encoding).
  Account(sizeof(Origin) + 4 * (resource.size() + scope.size()) + 2 * (resource_schema_url.size() + scope_schema_url.size()));
  origins_.push_back(std::move(origin));
  return origins_.back().get();
}

bool HeadTrace::Holds(const model::SpanId& span_id) const {
  if (spans.size() > kLinearDuplicateCheck) return span_ids.contains(span_id);
  return std::any_of(spans.begin(), spans.end(), [&](const HeadSpan& span) { return span.span_id == span_id; });
}

Head::Head(std::size_t max_memory_bytes) : chunk_pool_(max_memory_bytes) {}

void Head::StartChunk(std::size_t at_least) {
  current_ = std::make_shared<Chunk>(std::max(kChunkBytes, at_least), &chunk_pool_, &chunk_bytes_);
  std::fill(origin_of_scope_.begin(), origin_of_scope_.end(), nullptr);
}

void Head::Add(const otlp::wire::ScannedRequest& scan, std::uint64_t segment, std::uint64_t now_nanos) {
  std::unique_lock lock(mutex_);
  GroupByTrace(scan.spans);
  for (RequestTrace& request_trace : request_traces_) {
    request_trace.slot = LiveTraceFor(request_trace.id, request_trace.spans, segment, now_nanos);
  }
  origin_of_scope_.assign(scan.scopes.size(), nullptr);
  for (std::size_t index = 0; index < scan.spans.size(); ++index) {
    const otlp::wire::SpanRef& ref = scan.spans[index];
    HeadTrace& trace = live_[request_traces_[trace_of_span_[index]].slot].entry.trace;
    if (trace.Holds(ref.span_id)) continue;  // a retried or replayed span

    // The name is normally inside the span's bytes; otherwise it is copied next to them.
    const bool name_inside = ref.name.empty() || (ref.name.data() >= ref.encoded.data() &&
                                                  ref.name.data() + ref.name.size() <= ref.encoded.data() + ref.encoded.size());
    const std::size_t needed = ref.encoded.size() + (name_inside ? 0 : ref.name.size());
    if (!current_ || !current_->Fits(needed)) StartChunk(needed);
    const Origin*& origin = origin_of_scope_[ref.scope];
    if (!origin) {
      const otlp::wire::ScopeRef& scope = scan.scopes[ref.scope];
      const otlp::wire::ResourceRef& resource = scan.resources[scope.resource];
      origin = current_->Intern(resource.encoded, resource.schema_url, scope.encoded, scope.schema_url);
      if (!origin) continue;
    }
    const std::string_view encoded = current_->Copy(ref.encoded);
    const char* name = encoded.data();
    if (!ref.name.empty()) {
      name = name_inside ? encoded.data() + (ref.name.data() - ref.encoded.data()) : current_->Copy(ref.name).data();
    }
    AddChunkRef(trace, current_);
    InsertLocked(trace, HeadSpan{.span_id = ref.span_id,
                                 .parent_span_id = ref.parent_span_id,
                                 .start_unix_nanos = ref.start_unix_nanos,
                                 .end_unix_nanos = ref.end_unix_nanos,
                                 .encoded_data = encoded.data(),
                                 .origin = origin,
                                 .name_data = name,
                                 .encoded_size = static_cast<std::uint32_t>(encoded.size()),
                                 .name_size = static_cast<std::uint32_t>(ref.name.size()),
                                 .kind = ref.kind,
                                 .status_code = ref.status_code});
  }
  for (const RequestTrace& request_trace : request_traces_) {
    HeadTrace& trace = live_[request_trace.slot].entry.trace;
    if (!trace.spans.empty()) {
      RecountIndexLocked(trace);
      continue;
    }
    // A new trace none of whose spans could be kept (their resource or scope does not decode) is not held.
    UncountSegment(trace.oldest_segment);
    FreeSlot(request_trace.slot);
  }
}

void Head::GroupByTrace(const std::vector<otlp::wire::SpanRef>& spans) {
  request_traces_.clear();
  trace_of_span_.resize(spans.size());
  // Sized for traces of a few spans each (filling the table is a cost per request); it grows when not.
  request_positions_.Reset(spans.size() / 4);
  for (std::size_t index = 0; index < spans.size(); ++index) {
    const model::TraceId& trace_id = spans[index].trace_id;
    std::uint32_t at = request_positions_.Find(trace_id);
    if (at == TracePositions::kAbsent) {
      at = static_cast<std::uint32_t>(request_traces_.size());
      request_positions_.Insert(trace_id, at);
      request_traces_.push_back({.id = trace_id});
    }
    ++request_traces_[at].spans;
    trace_of_span_[index] = at;
  }
}

std::uint32_t Head::LiveTraceFor(const model::TraceId& trace_id, std::size_t spans, std::uint64_t segment,
                                 std::uint64_t now_nanos) {
  std::uint32_t slot = live_positions_.Find(trace_id);
  if (slot == TracePositions::kAbsent) {
    slot = OpenSlot(trace_id);
    HeadTrace& trace = live_[slot].entry.trace;
    trace.first_arrival_nanos = now_nanos;
    trace.oldest_segment = segment;
    CountSegment(segment);
  }
  HeadTrace& trace = live_[slot].entry.trace;
  trace.last_arrival_nanos = now_nanos;
  LowerOldestSegment(trace, segment);
  // Room for the request's spans at once, still growing geometrically for a trace that arrives in many requests.
  const std::size_t wanted = trace.spans.size() + spans;
  if (wanted > trace.spans.capacity()) trace.spans.reserve(std::max(wanted, 2 * trace.spans.capacity()));
  return slot;
}

std::uint32_t Head::OpenSlot(const model::TraceId& trace_id) {
  std::uint32_t slot;
  if (free_slots_.empty()) {
    slot = static_cast<std::uint32_t>(live_.size());
    live_.emplace_back();
  } else {
    slot = free_slots_.back();
    free_slots_.pop_back();
  }
  live_[slot] = {.entry = {.id = trace_id, .trace = {}}, .arrival = next_arrival_++};
  live_positions_.Insert(trace_id, slot);
  arrivals_.push_back({.slot = slot, .number = live_[slot].arrival});
  return slot;
}

void Head::FreeSlot(std::uint32_t slot) {
  live_positions_.Erase(live_[slot].entry.id);
  live_[slot].arrival = 0;  // its arrival entry is stale now
  free_slots_.push_back(slot);
}

void Head::ShrinkLiveSlots() {
  const std::size_t live = live_positions_.size();
  if (live_.size() < kMinSlotsToShrink || 4 * live > live_.size()) return;
  std::vector<LiveSlot> slots;
  std::vector<Arrival> arrivals;
  TracePositions positions;
  slots.reserve(live);
  arrivals.reserve(live);
  for (const Arrival& arrival : arrivals_) {  // every live trace once, oldest first
    if (!IsCurrent(arrival)) continue;
    const auto slot = static_cast<std::uint32_t>(slots.size());
    slots.push_back(std::move(live_[arrival.slot]));
    positions.Insert(slots.back().entry.id, slot);
    arrivals.push_back({.slot = slot, .number = arrival.number});
  }
  live_ = std::move(slots);
  arrivals_ = std::move(arrivals);
  live_positions_ = std::move(positions);
  free_slots_ = {};
}

std::size_t Head::LiveTableSlackBytes() const {
  const std::size_t live = live_positions_.size();
  return (live_.capacity() - live) * sizeof(LiveSlot) + (arrivals_.capacity() - live) * sizeof(Arrival) +
         free_slots_.capacity() * sizeof(std::uint32_t) + live_positions_.memory_bytes() -
         2 * live * TracePositions::kSlotBytes;
}

void Head::CountSegment(std::uint64_t segment) { ++traces_by_segment_[segment]; }

void Head::UncountSegment(std::uint64_t segment, std::size_t traces) {
  auto it = traces_by_segment_.find(segment);
  it->second -= traces;
  if (it->second == 0) traces_by_segment_.erase(it);
}

void Head::LowerOldestSegment(HeadTrace& trace, std::uint64_t segment) {
  if (segment >= trace.oldest_segment) return;
  UncountSegment(trace.oldest_segment);
  CountSegment(segment);
  trace.oldest_segment = segment;
}

void Head::AddChunkRef(HeadTrace& trace, const std::shared_ptr<const Chunk>& chunk) {
  if (trace.chunks.empty() || trace.chunks.back() != chunk) trace.chunks.push_back(chunk);
}

void Head::InsertLocked(HeadTrace& trace, const HeadSpan& span) {
  trace.spans.push_back(span);
  if (trace.spans.size() > kLinearDuplicateCheck + 1) {
    trace.span_ids.insert(span.span_id);
  } else if (trace.spans.size() == kLinearDuplicateCheck + 1) {
    for (const HeadSpan& held : trace.spans) trace.span_ids.insert(held.span_id);
  }
  trace.span_bytes += span.encoded_size;
  live_span_bytes_ += span.encoded_size;
  ++live_spans_;
}

void Head::RecountIndexLocked(HeadTrace& trace) {
  const std::size_t index_bytes = IndexBytes(trace);
  live_index_bytes_ = live_index_bytes_ - trace.index_bytes + index_bytes;
  trace.index_bytes = index_bytes;
}

std::shared_ptr<const FrozenTraces> Head::Freeze(const CutPolicy& policy) {
  chunk_pool_.EndPeriod();
  std::unique_lock lock(mutex_);
  auto frozen = std::make_shared<FrozenTraces>();
  // Oldest first, so their chunks are the first ones freed: the queue is in arrival order.
  std::size_t kept = 0;  // arrivals_[0, kept) stay queued
  std::size_t next = 0;
  for (; next < arrivals_.size() && frozen->span_count < policy.max_spans; ++next) {
    const Arrival arrival = arrivals_[next];
    if (!IsCurrent(arrival)) continue;
    const HeadTrace& trace = live_[arrival.slot].entry.trace;
    const bool idle = policy.now_nanos - std::min(policy.now_nanos, trace.last_arrival_nanos) >= policy.idle_nanos;
    const bool old = policy.now_nanos - std::min(policy.now_nanos, trace.first_arrival_nanos) >= policy.max_age_nanos;
    if (policy.everything || idle || old) {
      TakeInto(*frozen, arrival.slot);
    } else {
      arrivals_[kept++] = arrival;
    }
  }
  arrivals_.erase(arrivals_.begin() + static_cast<std::ptrdiff_t>(kept), arrivals_.begin() + static_cast<std::ptrdiff_t>(next));
  ShrinkLiveSlots();
  if (frozen->traces.empty()) return nullptr;
  return Publish(std::move(frozen));
}

std::shared_ptr<const FrozenTraces> Head::FreezeTraces(const std::vector<model::TraceId>& trace_ids) {
  std::unique_lock lock(mutex_);
  auto frozen = std::make_shared<FrozenTraces>();
  for (const model::TraceId& id : trace_ids) {
    if (const std::uint32_t slot = live_positions_.Find(id); slot != TracePositions::kAbsent) TakeInto(*frozen, slot);
  }
  return Publish(std::move(frozen));
}

void Head::TakeInto(FrozenTraces& frozen, std::uint32_t slot) {
  HeadTrace& trace = live_[slot].entry.trace;
  frozen.span_count += trace.spans.size();
  frozen.index_bytes += trace.index_bytes;
  frozen.span_bytes += trace.span_bytes;
  FreeSlot(slot);
  frozen.traces.push_back(std::move(live_[slot].entry));
}

std::shared_ptr<const FrozenTraces> Head::Publish(std::shared_ptr<FrozenTraces> frozen) {
  live_spans_ -= frozen->span_count;
  live_index_bytes_ -= frozen->index_bytes;
  live_span_bytes_ -= frozen->span_bytes;
  frozen_.push_back(frozen);
  return frozen;
}

void Head::DropFrozen(const FrozenTraces* frozen) {
  std::unique_lock lock(mutex_);
  const auto dropped = std::find_if(frozen_.begin(), frozen_.end(), [&](const auto& candidate) { return candidate.get() == frozen; });
  if (dropped == frozen_.end()) return;
  // Traces in arrival order mostly share their oldest segment with the one before: one count per run.
  const FrozenTraceList& traces = (*dropped)->traces;
  for (auto run = traces.begin(); run != traces.end();) {
    const std::uint64_t segment = run->trace.oldest_segment;
    const auto end = std::find_if(run, traces.end(), [&](const IdentifiedTrace& next) { return next.trace.oldest_segment != segment; });
    UncountSegment(segment, static_cast<std::size_t>(end - run));
    run = end;
  }
  frozen_.erase(dropped);
}

void Head::Thaw(const FrozenTraces* frozen) {
  std::unique_lock lock(mutex_);
  auto it = std::find_if(frozen_.begin(), frozen_.end(), [&](const auto& candidate) { return candidate.get() == frozen; });
  if (it == frozen_.end()) return;
  std::shared_ptr<FrozenTraces> thawed = std::move(*it);
  frozen_.erase(it);
  for (auto& [id, trace] : thawed->traces.TakeAll()) {
    const std::uint32_t slot = live_positions_.Find(id);
    if (slot == TracePositions::kAbsent) {
      live_spans_ += trace.spans.size();
      live_index_bytes_ += trace.index_bytes;
      live_span_bytes_ += trace.span_bytes;
      live_[OpenSlot(id)].entry.trace = std::move(trace);
      continue;
    }
    HeadTrace& into = live_[slot].entry.trace;
    into.first_arrival_nanos = std::min(into.first_arrival_nanos, trace.first_arrival_nanos);
    UncountSegment(trace.oldest_segment);  // two entries become one
    LowerOldestSegment(into, trace.oldest_segment);
    for (const std::shared_ptr<const Chunk>& chunk : trace.chunks) AddChunkRef(into, chunk);
    for (const HeadSpan& span : trace.spans) {
      if (!into.Holds(span.span_id)) InsertLocked(into, span);
    }
    RecountIndexLocked(into);
  }
  ReorderArrivals();
}

void Head::ReorderArrivals() {
  std::erase_if(arrivals_, [&](const Arrival& arrival) { return !IsCurrent(arrival); });
  std::stable_sort(arrivals_.begin(), arrivals_.end(), [&](const Arrival& a, const Arrival& b) {
    return live_[a.slot].entry.trace.first_arrival_nanos < live_[b.slot].entry.trace.first_arrival_nanos;
  });
}

std::uint64_t Head::OldestSegment(std::uint64_t none) const {
  std::shared_lock lock(mutex_);
  return traces_by_segment_.empty() ? none : std::min(none, traces_by_segment_.begin()->first);
}

HeadStats Head::stats() const {
  std::shared_lock lock(mutex_);
  const std::size_t pooled = chunk_pool_.bytes();  // read once: it moves while chunks come and go
  HeadStats stats{.live_spans = live_spans_,
                  .live_bytes = live_index_bytes_ + live_span_bytes_,
                  .live_traces = live_positions_.size(),
                  .memory_bytes = chunk_bytes_.load(std::memory_order_relaxed) + pooled + live_index_bytes_ +
                                  LiveTableSlackBytes(),
                  .pooled_bytes = pooled,
                  .chunks_mapped = chunk_pool_.mappings()};
  for (const auto& frozen : frozen_) {
    stats.frozen_spans += frozen->span_count;
    stats.frozen_bytes += frozen->index_bytes + frozen->span_bytes;
    stats.memory_bytes += frozen->index_bytes;
  }
  return stats;
}

std::vector<const HeadTrace*> Head::PartsOf(const model::TraceId& trace_id) const {
  std::vector<const HeadTrace*> parts;
  if (const std::uint32_t slot = live_positions_.Find(trace_id); slot != TracePositions::kAbsent) {
    parts.push_back(&live_[slot].entry.trace);
  }
  for (const auto& frozen : frozen_) {
    if (const HeadTrace* part = frozen->traces.find(trace_id)) parts.push_back(part);
  }
  return parts;
}

template <typename Visit>
void Head::ForEachTrace(const Visit& visit) const {
  for (const LiveSlot& slot : live_) {
    if (slot.arrival != 0) visit(slot.entry);
  }
  for (const auto& frozen : frozen_) {
    for (const IdentifiedTrace& entry : frozen->traces) visit(entry);
  }
}

template <typename Visit>
void Head::ForEachSpan(const Visit& visit) const {
  ForEachTrace([&](const IdentifiedTrace& entry) {
    for (const HeadSpan& span : entry.trace.spans) visit(span);
  });
}

bool Head::Contains(const model::TraceId& trace_id) const {
  std::shared_lock lock(mutex_);
  return !PartsOf(trace_id).empty();
}

void Head::CollectTrace(const model::TraceId& trace_id, TraceAssembler* out) const {
  std::shared_lock lock(mutex_);
  for (const HeadTrace* part : PartsOf(trace_id)) {
    for (const HeadSpan& span : part->spans) {
      if (out->Holds(span.span_id)) continue;
      model::Span decoded;
      if (otlp::wire::DecodeSpan(span.encoded(), &decoded)) {
        out->Add(std::move(decoded), span.origin->resource, span.origin->scope);
      }
    }
  }
}

std::vector<block::TraceHit> Head::Search(const SearchRequest& request) const {
  std::shared_lock lock(mutex_);
  std::vector<block::TraceHit> hits;
  std::unordered_set<model::TraceId, model::IdHash> visited;
  auto consider = [&](const model::TraceId& id) {
    if (!visited.insert(id).second) return;
    if (auto hit = SummarizeParts(id, PartsOf(id), &request)) hits.push_back(std::move(*hit));
  };
  ForEachTrace([&](const IdentifiedTrace& entry) { consider(entry.id); });
  return hits;
}

std::optional<block::TraceHit> Head::Summarize(const model::TraceId& trace_id) const {
  std::shared_lock lock(mutex_);
  return SummarizeParts(trace_id, PartsOf(trace_id), nullptr);
}

void Head::CollectServices(const TimeRange& range, std::set<std::string>* out) const {
  std::shared_lock lock(mutex_);
  ForEachSpan([&](const HeadSpan& span) {
    if (!span.origin->service.empty() && range.Contains(span.start_unix_nanos)) out->insert(span.origin->service);
  });
}

void Head::CollectOperations(std::string_view service, const TimeRange& range, std::set<Operation>* out) const {
  std::shared_lock lock(mutex_);
  ForEachSpan([&](const HeadSpan& span) {
    if (span.origin->service == service && range.Contains(span.start_unix_nanos)) {
      out->insert(Operation{std::string(span.name()), span.kind});
    }
  });
}

void Head::CollectDependencies(const TimeRange& range,
                               std::map<std::pair<std::string, std::string>, DependencyLink>* out) const {
  std::shared_lock lock(mutex_);
  std::unordered_set<model::TraceId, model::IdHash> visited;
  auto visit_trace = [&](const model::TraceId& id) {
    if (!visited.insert(id).second) return;
    const std::vector<const HeadTrace*> parts = PartsOf(id);
    const auto for_each_span = [&](const auto& take) {
      ForEachDistinctSpan(parts, [&](const HeadSpan& span) {
        take(CallFields{span.span_id, span.parent_span_id, span.start_unix_nanos, span.origin->service}, span);
      });
    };
    ForEachCallAmong(for_each_span, range, [&](std::string_view parent, std::string_view child, const HeadSpan& call) {
      DependencyLink& link = (*out)[{std::string(parent), std::string(child)}];
      link.parent = parent;
      link.child = child;
      ++link.call_count;
      if (call.status_code == model::StatusCode::kError) ++link.error_count;
    });
  };
  ForEachTrace([&](const IdentifiedTrace& entry) { visit_trace(entry.id); });
}

}  // namespace hoptrace::store::engine
