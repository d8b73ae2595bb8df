#pragma once
// One shard's buffered span bytes: fixed-size chunks filled in arrival order (spans of many traces
// side by side), each span a record linked to the next span of its trace. A chunk returns to the
// pool when its last live record is released, which happens at most decision_wait after it was
// filled, so fragmentation stays bounded. Resource and scope encodings are interned once per shard
// and referenced by id from each record. Nothing here allocates once the pool is warm, and the
// chunks plus interned origins never exceed the budget.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hoptrace/otlp/wire.h"

namespace hoptrace::collector::sampling {

inline constexpr std::uint32_t kNone = UINT32_MAX;

struct RecordRef {
  std::uint32_t chunk = kNone;
  std::uint32_t offset = 0;
  bool valid() const { return chunk != kNone; }
};

class SpanArena {
 public:
  SpanArena(std::size_t budget_bytes, std::size_t chunk_bytes);

  // The largest span a record can hold.
  std::size_t max_span_bytes() const;
  // Copies `span` into a new record whose next is empty; false when the budget has no room (the
  // caller frees traces and retries).
  bool Append(std::string_view span, std::uint32_t origin, RecordRef* out);
  void SetNext(RecordRef record, RecordRef next);
  RecordRef Next(RecordRef record) const;
  std::uint32_t OriginOf(RecordRef record) const;
  std::string_view Bytes(RecordRef record) const;
  // The record is dead: its chunk goes back to the pool once it holds no live record.
  void Release(RecordRef record);

  // Interned (resource, scope) pairs. Intern returns kNone when the budget has no room. Each live
  // record holds one reference; origins nobody references are swept when room is needed.
  std::uint32_t Intern(const otlp::wire::ResourceRef& resource, const otlp::wire::ScopeRef& scope);
  otlp::wire::ResourceRef ResourceOf(std::uint32_t origin) const;
  otlp::wire::ScopeRef ScopeOf(std::uint32_t origin) const;
  // Bumped whenever origin ids may have been reused (callers caching ids must drop them).
  std::uint64_t origin_generation() const { return origin_generation_; }

  // What counts against the budget: chunks, and the interned origins with their table and index.
  std::size_t memory_bytes() const {
    return chunk_memory_ + origin_string_bytes_ + origins_.capacity() * sizeof(Origin) +
           origin_index_.capacity() * sizeof(std::uint32_t);
  }
  std::size_t budget_bytes() const { return budget_; }
  std::size_t live_span_bytes() const { return live_span_bytes_; }

 private:
  struct Header {
    RecordRef next;
    std::uint32_t origin;
    std::uint32_t length;
  };
  struct Chunk {
    std::unique_ptr<std::byte[]> data;
    std::uint32_t used = 0;
    std::uint32_t live = 0;
  };
  struct Origin {
    std::uint64_t hash = 0;
    std::string bytes;  // resource | resource schema | scope | scope schema
    std::uint32_t resource_length = 0, resource_schema_length = 0, scope_length = 0, scope_schema_length = 0;
    std::uint32_t references = 0;
    bool in_use = false;
  };

  Header& HeaderAt(RecordRef record);
  const Header& HeaderAt(RecordRef record) const;
  bool StartNewChunk();
  void ReleaseOrigin(std::uint32_t origin);
  // Frees pooled chunks and unreferenced origins until `needed` more bytes fit; false if they cannot.
  bool MakeRoom(std::size_t needed);
  void SweepOrigins();
  void RebuildOriginIndex();
  std::uint32_t FindOrigin(std::uint64_t hash, std::string_view key) const;

  std::size_t budget_;
  std::size_t chunk_bytes_;
  std::vector<Chunk> chunks_;  // sized once; data allocated on first use
  std::vector<std::uint32_t> free_chunks_;  // allocated and empty
  std::uint32_t current_ = kNone;
  std::size_t chunk_memory_ = 0;
  std::size_t live_span_bytes_ = 0;

  std::vector<Origin> origins_;
  std::vector<std::uint32_t> free_origins_;
  std::vector<std::uint32_t> origin_index_;  // open addressing over origins_, kNone when empty
  std::size_t unreferenced_origins_ = 0;
  std::size_t origin_string_bytes_ = 0;  // heap bytes of the origins' strings
  std::uint64_t origin_generation_ = 0;
  std::string key_scratch_;
};

}  // namespace hoptrace::collector::sampling
