#include "span_arena.h"

#include <xxhash.h>

#include <cstring>

namespace hoptrace::collector::sampling {
namespace {

constexpr std::size_t kAlign = alignof(std::uint64_t);
constexpr std::size_t RoundUp(std::size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }
// Heap bytes behind a std::string (none while its text fits the small-string buffer).
std::size_t HeapBytes(const std::string& text) { return text.capacity() < 16 ? 0 : text.capacity() + 1; }

// Unreferenced origins kept around for reuse before a sweep frees them.
constexpr std::size_t kIdleOriginsBeforeSweep = 4096;

}  // namespace

SpanArena::SpanArena(std::size_t budget_bytes, std::size_t chunk_bytes)
    : budget_(budget_bytes), chunk_bytes_(chunk_bytes), chunks_(budget_bytes / chunk_bytes) {
  free_chunks_.reserve(chunks_.size());
  origin_index_.assign(64, kNone);
}

std::size_t SpanArena::max_span_bytes() const { return chunk_bytes_ - sizeof(Header); }

SpanArena::Header& SpanArena::HeaderAt(RecordRef record) {
  return *reinterpret_cast<Header*>(chunks_[record.chunk].data.get() + record.offset);
}
const SpanArena::Header& SpanArena::HeaderAt(RecordRef record) const {
  return *reinterpret_cast<const Header*>(chunks_[record.chunk].data.get() + record.offset);
}

bool SpanArena::StartNewChunk() {
  if (current_ != kNone && chunks_[current_].live == 0) {  // nothing lives in it: start it over
    chunks_[current_].used = 0;
    return true;
  }
  if (free_chunks_.empty()) {
    if (!MakeRoom(chunk_bytes_)) return false;
    for (std::uint32_t i = 0; i < chunks_.size(); ++i) {
      if (!chunks_[i].data) {
        chunks_[i].data = std::make_unique<std::byte[]>(chunk_bytes_);
        chunk_memory_ += chunk_bytes_;
        free_chunks_.push_back(i);
        break;
      }
    }
    if (free_chunks_.empty()) return false;
  }
  current_ = free_chunks_.back();
  free_chunks_.pop_back();
  chunks_[current_].used = 0;
  chunks_[current_].live = 0;
  return true;
}

bool SpanArena::Append(std::string_view span, std::uint32_t origin, RecordRef* out) {
  const std::size_t size = RoundUp(sizeof(Header) + span.size());
  if (size > chunk_bytes_) return false;
  // Hold the origin first: making room may sweep unreferenced origins.
  if (origins_[origin].references++ == 0) --unreferenced_origins_;
  if (current_ == kNone || chunks_[current_].used + size > chunk_bytes_) {
    if (!StartNewChunk()) {
      ReleaseOrigin(origin);
      return false;
    }
  }
  Chunk& chunk = chunks_[current_];
  *out = {current_, chunk.used};
  Header& header = HeaderAt(*out);
  header = {RecordRef{}, origin, static_cast<std::uint32_t>(span.size())};
  std::memcpy(chunk.data.get() + chunk.used + sizeof(Header), span.data(), span.size());
  chunk.used += static_cast<std::uint32_t>(size);
  ++chunk.live;
  live_span_bytes_ += span.size();
  return true;
}

void SpanArena::SetNext(RecordRef record, RecordRef next) { HeaderAt(record).next = next; }
RecordRef SpanArena::Next(RecordRef record) const { return HeaderAt(record).next; }
std::uint32_t SpanArena::OriginOf(RecordRef record) const { return HeaderAt(record).origin; }

std::string_view SpanArena::Bytes(RecordRef record) const {
  const Header& header = HeaderAt(record);
  return {reinterpret_cast<const char*>(&header) + sizeof(Header), header.length};
}

void SpanArena::Release(RecordRef record) {
  const Header& header = HeaderAt(record);
  live_span_bytes_ -= header.length;
  ReleaseOrigin(header.origin);
  Chunk& chunk = chunks_[record.chunk];
  if (--chunk.live == 0 && record.chunk != current_) {
    chunk.used = 0;
    free_chunks_.push_back(record.chunk);
  }
}

void SpanArena::ReleaseOrigin(std::uint32_t origin) {
  if (--origins_[origin].references == 0) ++unreferenced_origins_;
}

bool SpanArena::MakeRoom(std::size_t needed) {
  while (memory_bytes() + needed > budget_ && !free_chunks_.empty()) {
    chunks_[free_chunks_.back()].data.reset();
    chunk_memory_ -= chunk_bytes_;
    free_chunks_.pop_back();
  }
  if (memory_bytes() + needed > budget_ && unreferenced_origins_ > 0) SweepOrigins();
  return memory_bytes() + needed <= budget_;
}

void SpanArena::SweepOrigins() {
  for (std::uint32_t i = 0; i < origins_.size(); ++i) {
    Origin& origin = origins_[i];
    if (!origin.in_use || origin.references != 0) continue;
    origin_string_bytes_ -= HeapBytes(origin.bytes);
    std::string().swap(origin.bytes);  // assigning an empty string would keep the buffer
    origin = Origin{};
    free_origins_.push_back(i);
  }
  unreferenced_origins_ = 0;
  ++origin_generation_;
  RebuildOriginIndex();
}

void SpanArena::RebuildOriginIndex() {
  std::size_t capacity = 64;
  while (capacity < 2 * (origins_.size() - free_origins_.size() + 1)) capacity *= 2;
  origin_index_.assign(capacity, kNone);
  for (std::uint32_t i = 0; i < origins_.size(); ++i) {
    if (!origins_[i].in_use) continue;
    std::size_t position = origins_[i].hash & (capacity - 1);
    while (origin_index_[position] != kNone) position = (position + 1) & (capacity - 1);
    origin_index_[position] = i;
  }
}

std::uint32_t SpanArena::FindOrigin(std::uint64_t hash, std::string_view key) const {
  const std::size_t mask = origin_index_.size() - 1;
  for (std::size_t position = hash & mask;; position = (position + 1) & mask) {
    const std::uint32_t index = origin_index_[position];
    if (index == kNone) return kNone;
    if (origins_[index].hash == hash && origins_[index].bytes == key) return index;
  }
}

std::uint32_t SpanArena::Intern(const otlp::wire::ResourceRef& resource, const otlp::wire::ScopeRef& scope) {
  key_scratch_.clear();
  key_scratch_.append(resource.encoded).append(resource.schema_url).append(scope.encoded).append(scope.schema_url);
  const std::uint64_t hash = XXH3_64bits(key_scratch_.data(), key_scratch_.size()) ^
                             (resource.encoded.size() * 0x9E3779B97F4A7C15ULL) ^ (scope.encoded.size() << 32);
  if (const std::uint32_t found = FindOrigin(hash, key_scratch_); found != kNone) return found;

  if (unreferenced_origins_ > kIdleOriginsBeforeSweep) SweepOrigins();
  // Room for the string, a doubling of the origin table and of its index, before any of them grows.
  std::size_t needed = key_scratch_.size() < 16 ? 0 : std::max<std::size_t>(key_scratch_.size(), 30) + 1;
  if (free_origins_.empty() && origins_.size() == origins_.capacity()) {
    needed += std::max<std::size_t>(origins_.capacity(), 8) * sizeof(Origin);
  }
  if (2 * (origins_.size() - free_origins_.size() + 1) > origin_index_.size()) {
    needed += origin_index_.size() * 2 * sizeof(std::uint32_t);
  }
  if (!MakeRoom(needed)) return kNone;
  std::uint32_t index;
  if (!free_origins_.empty()) {
    index = free_origins_.back();
    free_origins_.pop_back();
  } else {
    index = static_cast<std::uint32_t>(origins_.size());
    if (origins_.size() == origins_.capacity()) origins_.reserve(std::max<std::size_t>(2 * origins_.capacity(), 8));
    origins_.emplace_back();
  }
  Origin& origin = origins_[index];
  origin.hash = hash;
  origin.bytes = key_scratch_;
  origin.resource_length = static_cast<std::uint32_t>(resource.encoded.size());
  origin.resource_schema_length = static_cast<std::uint32_t>(resource.schema_url.size());
  origin.scope_length = static_cast<std::uint32_t>(scope.encoded.size());
  origin.scope_schema_length = static_cast<std::uint32_t>(scope.schema_url.size());
  origin.references = 0;
  origin.in_use = true;
  ++unreferenced_origins_;
  origin_string_bytes_ += HeapBytes(origin.bytes);
  if (2 * (origins_.size() - free_origins_.size()) > origin_index_.size()) {
    RebuildOriginIndex();
  } else {
    const std::size_t mask = origin_index_.size() - 1;
    std::size_t position = hash & mask;
    while (origin_index_[position] != kNone) position = (position + 1) & mask;
    origin_index_[position] = index;
  }
  return index;
}

otlp::wire::ResourceRef SpanArena::ResourceOf(std::uint32_t origin) const {
  const Origin& o = origins_[origin];
  const std::string_view bytes = o.bytes;
  return {bytes.substr(0, o.resource_length), bytes.substr(o.resource_length, o.resource_schema_length), {}};
}

otlp::wire::ScopeRef SpanArena::ScopeOf(std::uint32_t origin) const {
  const Origin& o = origins_[origin];
  const std::string_view bytes = o.bytes;
  const std::size_t scope_start = o.resource_length + o.resource_schema_length;
  return {0, bytes.substr(scope_start, o.scope_length), bytes.substr(scope_start + o.scope_length, o.scope_schema_length)};
}

}  // namespace hoptrace::collector::sampling
