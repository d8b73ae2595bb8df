#pragma once
// Deterministic, realistic traces for store tests and measurements: a handful of services with a
// few instances each, call trees 4-6 deep (client span in the caller, server span in the callee),
// 8-15 attributes of mixed types per span (HTTP, DB, RPC, user ids, peer addresses, arrays),
// occasional errors, events, links, trace state and dropped counts. Same seed, same spans.

#include <cstdint>
#include <vector>

#include "block/block.h"

namespace hoptrace::store::testing {

struct GeneratedSpan {
  model::Span span;
  std::size_t resource = 0;  // index into GeneratedSpans::resources
  std::size_t scope = 0;     // index into GeneratedSpans::scopes
};

struct GeneratedSpans {
  std::vector<block::ResourceEntry> resources;
  std::vector<block::ScopeEntry> scopes;
  std::vector<GeneratedSpan> spans;  // trace by trace, parents before children

  // As one OTLP-shaped batch (one ResourceSpans per resource/scope pair in first-seen order).
  model::TraceBatch ToBatch() const;
  // The same for spans[first, first + count) only, as an exporter sends a slice of its queue.
  model::TraceBatch ToBatch(std::size_t first, std::size_t count) const;
  std::vector<model::TraceId> TraceIds() const;
};

struct GeneratorOptions {
  std::uint64_t seed = 1;
  std::size_t services = 8;
  std::uint64_t start_unix_nano = 1'700'000'000'000'000'000ULL;
  std::uint64_t spread_nanos = 3'600'000'000'000ULL;  // traces start within this window
};

// Whole traces until at least `min_spans` spans.
GeneratedSpans GenerateSpans(std::size_t min_spans, const GeneratorOptions& options = {});

}  // namespace hoptrace::store::testing
