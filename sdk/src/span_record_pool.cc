#include "span_record_pool.h"

#include <algorithm>
#include <array>

#include "thread_index.h"

namespace hoptrace::sdk {
namespace {

// Keeps the buffers (SlotVector, std::string capacity) for the next span. The name is kept as it is:
// the next span overwrites it, usually with the same text.
void ClearForReuse(model::Span& span) {
  span.trace_state.clear();
  span.attributes.clear();
  span.events.clear();
  span.links.clear();
  span.status.message.clear();
}

// What a ring starts with: more than a thread has in flight while the export thread keeps up (its
// share of the default queue up to a batch of the default size, plus a batch being exported), so that
// the records it takes and those the export thread gives back are far apart in the ring.
constexpr std::size_t kStartingRecordsPerRing = 2048;
// What a dry ring takes from the reserve at once, under one lock.
constexpr std::size_t kRefillRecords = 256;
// What a stripe's recent ring holds: what a thread has in flight while the export thread keeps up
// (a batch queued and one being exported, at the default batch size), with room to spare.
constexpr std::size_t kRecentRecordsPerRing = 2048;
// How many records move from a full recent ring to the older one at a time (a buffer on the stack).
constexpr std::size_t kMovedRecordsPerRun = 64;

// The attribute buffers every record gets when the pool is built, so that a record's first span
// allocates nothing either (records in the reserve may first be used long after start-up, during an
// export stall): slots for this many attributes, each key with room for this many characters, which
// covers OpenTelemetry's semantic-convention keys. About 0.5 KiB per record. Eight slots made spans
// 2.5x slower in sdk_span_bench: the unused buffers spread the used ones over more memory.
constexpr std::size_t kWarmAttributeSlots = 4;
constexpr std::size_t kWarmKeyCapacity = 32;

// A record and the buffers MakeAttributeBuffers gives it, allocated right after it: what the next span
// will touch (the allocator's chunk headers included). Only a prefetch distance: a record whose buffers
// lie elsewhere just gets its own lines fetched early.
constexpr std::size_t kRecordFootprint = sizeof(SpanRecord) + kWarmAttributeSlots * sizeof(model::Attribute) +
                                         kWarmAttributeSlots * (kWarmKeyCapacity + 16) + 2 * 16;

void MakeAttributeBuffers(SpanRecord& record) {
  model::Attributes& attributes = record.span.attributes;
  attributes.reserve(kWarmAttributeSlots);
  for (std::size_t i = 0; i < kWarmAttributeSlots; ++i) attributes.emplace_slot().key.reserve(kWarmKeyCapacity);
  attributes.clear();  // the slots and their key buffers stay for reuse
}

// Each stripe's ring is a whole power of two, so that a stripe's limit is its ring's capacity and
// giving a record back needs no size check (which would read the taking thread's cache line).
std::size_t StripeCapacity(std::size_t capacity, std::size_t stripes) {
  return internal::BoundedQueue<SpanRecord>::RoundUpToPowerOfTwo((capacity + stripes - 1) / stripes);
}

}  // namespace

void SpanRecordRelease::operator()(SpanRecord* record) const {
  if (record->pool != nullptr) {
    record->pool->Release(record);
  } else {
    delete record;
  }
}

SpanRecordPool::SpanRecordPool(std::size_t capacity, std::size_t stripes)
    : older_(StripeCapacity(capacity, stripes) * stripes, stripes),
      recent_(std::min(kRecentRecordsPerRing, StripeCapacity(capacity, stripes)) * older_.stripe_count(),
              older_.stripe_count()),
      capacity_(capacity) {
  const std::size_t rings = older_.stripe_count();
  const std::size_t per_ring = std::min(kStartingRecordsPerRing, (capacity + rings - 1) / rings);
  // Each ring gets a run of records allocated one after the other, each followed by its buffers: a
  // thread going through its records in order walks memory in order, which the hardware prefetchers
  // follow, and PrefetchNext fetches a record and its buffers as one run.
  std::vector<SpanRecord*> records(capacity);
  for (SpanRecord*& record : records) {
    record = new SpanRecord();
    MakeAttributeBuffers(*record);
  }
  allocated_.store(capacity, std::memory_order_relaxed);
  reserve_.reserve(capacity);
  for (std::size_t i = 0; i < capacity; ++i) {
    std::size_t stripe = i / per_ring;
    if (stripe >= rings || !older_.TryPush(records[i], stripe)) reserve_.push_back(records[i]);
  }
  std::reverse(reserve_.begin(), reserve_.end());  // handed out in the order they were allocated
  reserve_size_.store(reserve_.size(), std::memory_order_relaxed);
}

SpanRecordPool::~SpanRecordPool() {
  std::size_t stripe = 0;
  while (SpanRecord* record = recent_.TryPop(stripe)) delete record;
  while (SpanRecord* record = older_.TryPop(stripe)) delete record;
  for (SpanRecord* record : reserve_) delete record;
}

SpanRecordPtr SpanRecordPool::Acquire() {
  const std::size_t home = internal::ThisThreadIndex();
  std::size_t stripe = home;
  SpanRecord* record = recent_.TryPopOwn(stripe);
  if (record == nullptr) record = older_.TryPopOwn(stripe);
  if (record == nullptr) record = TakeFromReserve(stripe);
  if (record == nullptr) record = TakeFromOtherStripes(stripe);
  if (record == nullptr) {
    record = new SpanRecord();
    allocated_.fetch_add(1, std::memory_order_relaxed);
  }
  // Cleared here, on the thread that is about to fill it, rather than when it is given back on the
  // export thread: with an exporter that does not read every field (or drops the batch), the record's
  // cache lines then stay on the recording thread's core instead of crossing to the export thread's
  // and back on every span.
  ClearForReuse(record->span);
  record->pool = this;
  record->pool_stripe = home;  // comes back to this thread's stripe, wherever it was taken from
  PrefetchNext(stripe);
  return SpanRecordPtr(record);
}

// Other threads' rings, recent ones first: their records move to this thread's stripe.
SpanRecord* SpanRecordPool::TakeFromOtherStripes(std::size_t& stripe) {
  std::size_t from = stripe;
  if (SpanRecord* record = recent_.TryPop(from)) {
    stripe = from;
    return record;
  }
  return older_.TryPop(stripe);
}

// A ring hands out the record given back longest ago, which has often left this core's caches: its
// lines are fetched now, while this span is being recorded, rather than when the next span starts.
void SpanRecordPool::PrefetchNext(std::size_t stripe) const {
  const SpanRecord* next = recent_.PeekApprox(stripe);
  if (next == nullptr) next = older_.PeekApprox(stripe);
  if (next == nullptr) return;
  const auto* bytes = reinterpret_cast<const char*>(next);
  for (std::size_t offset = 0; offset < kRecordFootprint; offset += 64) __builtin_prefetch(bytes + offset, 1);
}

void SpanRecordPool::Release(SpanRecord* record) {
  if (!recent_.TryPushOwn(record, record->pool_stripe)) ReleaseToOlder(record);
}

void SpanRecordPool::ReleaseMany(std::span<SpanRecord* const> records, std::size_t stripe) {
  std::size_t pushed = recent_.TryPushManyOwn(records, stripe);
  if (pushed < records.size()) {
    MakeRecentRoom(records.size() - pushed, stripe);
    pushed += recent_.TryPushManyOwn(records.subspan(pushed), stripe);
  }
  for (SpanRecord* record : records.subspan(pushed)) ReleaseToOlder(record);  // taken since: spill over
}

// Moves up to `count` of the stripe's oldest recent records to its older ring, keeping their order,
// with one update of each ring per run and without reading them.
void SpanRecordPool::MakeRecentRoom(std::size_t count, std::size_t stripe) {
  std::array<SpanRecord*, kMovedRecordsPerRun> run;
  while (count > 0) {
    const std::size_t taken = recent_.TryPopManyOwn(std::span(run).first(std::min(count, run.size())), stripe);
    if (taken == 0) return;
    const std::span<SpanRecord* const> moved(run.data(), taken);
    const std::size_t pushed = older_.TryPushManyOwn(moved, stripe);
    for (SpanRecord* record : moved.subspan(pushed)) ReleaseToOlder(record);
    count -= taken;
  }
}

void SpanRecordPool::ReleaseToOlder(SpanRecord* record) {
  std::size_t stripe = record->pool_stripe;
  if (!older_.TryPush(record, stripe) && !PutInReserve(record)) {
    delete record;
    allocated_.fetch_sub(1, std::memory_order_relaxed);
  }
}

SpanRecordPool::FreeRecords SpanRecordPool::FreeRecordsOf(std::size_t stripe) const {
  stripe %= older_.stripe_count();
  return {.recent = recent_.SizeApprox(stripe), .older = older_.SizeApprox(stripe)};
}

// One record for the caller, and a handful more into the ring of `stripe`, so that a thread whose
// records are all in flight takes the lock once per handful, not on every span.
SpanRecord* SpanRecordPool::TakeFromReserve(std::size_t stripe) {
  if (reserve_size_.load(std::memory_order_relaxed) == 0) return nullptr;
  std::lock_guard lock(reserve_mutex_);
  if (reserve_.empty()) return nullptr;
  SpanRecord* taken = reserve_.back();
  reserve_.pop_back();
  for (std::size_t moved = 0; moved < kRefillRecords && !reserve_.empty(); ++moved) {
    if (!older_.TryPushOwn(reserve_.back(), stripe)) break;
    reserve_.pop_back();
  }
  reserve_size_.store(reserve_.size(), std::memory_order_relaxed);
  return taken;
}

bool SpanRecordPool::PutInReserve(SpanRecord* record) {
  std::lock_guard lock(reserve_mutex_);
  if (reserve_.size() >= capacity_) return false;  // the pool keeps at most its rings plus its capacity
  reserve_.push_back(record);
  reserve_size_.store(reserve_.size(), std::memory_order_relaxed);
  return true;
}

}  // namespace hoptrace::sdk
