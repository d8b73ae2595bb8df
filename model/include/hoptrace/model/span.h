#pragma once
// The span and trace data model shared by every component. It mirrors OTLP's shape
// (resource → instrumentation scope → spans) so conversion is field for field, and uses
// SlotVector so records can be recycled without heap allocation.

#include <cstdint>
#include <string>
#include <vector>

#include "hoptrace/model/attribute.h"
#include "hoptrace/model/ids.h"

namespace hoptrace::model {

// Values match OTLP's SpanKind enum.
enum class SpanKind : std::uint8_t {
  kUnspecified = 0,
  kInternal = 1,
  kServer = 2,
  kClient = 3,
  kProducer = 4,
  kConsumer = 5,
};

// Values match OTLP's Status.StatusCode enum.
enum class StatusCode : std::uint8_t { kUnset = 0, kOk = 1, kError = 2 };

const char* SpanKindName(SpanKind kind);      // "SERVER", "CLIENT", ...
const char* StatusCodeName(StatusCode code);  // "UNSET", "OK", "ERROR"

struct Status {
  StatusCode code = StatusCode::kUnset;
  std::string message;
  friend bool operator==(const Status&, const Status&) = default;
};

// W3C trace-flags bit 0.
inline constexpr std::uint32_t kTraceFlagSampled = 0x01;
// OTLP Span.flags bits 8 and 9: whether the parent (or link) is known to be remote.
inline constexpr std::uint32_t kSpanFlagHasIsRemote = 0x100;
inline constexpr std::uint32_t kSpanFlagIsRemote = 0x200;

struct Event {
  std::uint64_t time_unix_nano = 0;
  std::string name;
  Attributes attributes;
  std::uint32_t dropped_attributes_count = 0;
  friend bool operator==(const Event&, const Event&) = default;
};

struct Link {
  TraceId trace_id;
  SpanId span_id;
  std::string trace_state;
  Attributes attributes;
  std::uint32_t dropped_attributes_count = 0;
  std::uint32_t flags = 0;
  friend bool operator==(const Link&, const Link&) = default;
};

struct Span {
  TraceId trace_id;
  SpanId span_id;
  SpanId parent_span_id;  // all zero for a root span
  std::string trace_state;
  std::uint32_t flags = 0;  // trace flags in bits 0-7, remote-parent bits 8-9
  std::string name;
  SpanKind kind = SpanKind::kInternal;
  std::uint64_t start_time_unix_nano = 0;
  std::uint64_t end_time_unix_nano = 0;
  Attributes attributes;
  std::uint32_t dropped_attributes_count = 0;
  SlotVector<Event> events;
  std::uint32_t dropped_events_count = 0;
  SlotVector<Link> links;
  std::uint32_t dropped_links_count = 0;
  Status status;

  bool IsRoot() const { return !parent_span_id.IsValid(); }
  std::uint64_t DurationNanos() const {
    return end_time_unix_nano > start_time_unix_nano ? end_time_unix_nano - start_time_unix_nano : 0;
  }
  friend bool operator==(const Span&, const Span&) = default;
};

struct Resource {
  Attributes attributes;
  std::uint32_t dropped_attributes_count = 0;
  friend bool operator==(const Resource&, const Resource&) = default;
};

struct InstrumentationScope {
  std::string name;
  std::string version;
  Attributes attributes;
  std::uint32_t dropped_attributes_count = 0;
  friend bool operator==(const InstrumentationScope&, const InstrumentationScope&) = default;
};

struct ScopeSpans {
  InstrumentationScope scope;
  std::vector<Span> spans;
  std::string schema_url;
  friend bool operator==(const ScopeSpans&, const ScopeSpans&) = default;
};

struct ResourceSpans {
  Resource resource;
  std::vector<ScopeSpans> scope_spans;
  std::string schema_url;
  friend bool operator==(const ResourceSpans&, const ResourceSpans&) = default;
};

// One export request's worth of spans, as OTLP's ExportTraceServiceRequest carries them.
struct TraceBatch {
  std::vector<ResourceSpans> resource_spans;
  std::size_t SpanCount() const;
  friend bool operator==(const TraceBatch&, const TraceBatch&) = default;
};

// The well-known resource attribute naming the service.
inline constexpr std::string_view kServiceNameKey = "service.name";

}  // namespace hoptrace::model
