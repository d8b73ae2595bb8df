#pragma once
// OTLP protobuf read and written at the wire level: no protobuf objects, no model, no copies.
// This is the per-span hot path of the receivers, the tail sampler, the router and the store's
// ingest: a Scan checks an ExportTraceServiceRequest, finds every span and the fields the pipeline
// routes, samples and indexes on, and points into the caller's bytes; attributes are read on
// demand; a RequestWriter re-assembles a valid request from any subset of scanned spans by copying
// their encoded bytes. The model conversions (proto_convert.h) stay the reference for semantics.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hoptrace/model/attribute.h"
#include "hoptrace/model/ids.h"
#include "hoptrace/model/span.h"
#include "hoptrace/otlp/proto_convert.h"  // DecodeReport

namespace hoptrace::otlp::wire {

// One ResourceSpans' resource. Views point into the scanned request.
struct ResourceRef {
  std::string_view encoded;       // the Resource message's bytes (no tag, no length); empty when absent
  std::string_view schema_url;    // ResourceSpans.schema_url
  std::string_view service_name;  // the string attribute service.name; empty when absent
};

// One ScopeSpans' scope, under `resource`.
struct ScopeRef {
  std::uint32_t resource = 0;  // index into ScannedRequest::resources
  std::string_view encoded;     // the InstrumentationScope message's bytes; empty when absent
  std::string_view schema_url;  // ScopeSpans.schema_url
};

// One valid span: the fields the pipeline needs without decoding the span, and the span's bytes.
struct SpanRef {
  model::TraceId trace_id;
  model::SpanId span_id;
  model::SpanId parent_span_id;  // all zero for a root span
  std::uint64_t start_unix_nanos = 0;
  std::uint64_t end_unix_nanos = 0;
  std::uint32_t flags = 0;  // W3C trace flags in bits 0-7 (bit 0: sampled), remote-parent bits 8-9
  model::SpanKind kind = model::SpanKind::kUnspecified;
  model::StatusCode status_code = model::StatusCode::kUnset;
  std::uint32_t scope = 0;  // index into ScannedRequest::scopes
  std::string_view name;
  std::string_view trace_state;
  std::string_view encoded;  // the Span message's bytes (no tag, no length)
};

// Attribute limits checked while scanning (OTel span limits). A span over them is still valid; the
// scan counts it so the caller can trim it through the model (the rare, slow path).
struct ScanLimits {
  std::size_t max_attributes = SIZE_MAX;             // per span, event, link and resource
  std::size_t max_attribute_value_length = SIZE_MAX;  // bytes of a string value (or array item)
};

struct ScannedRequest {
  std::vector<ResourceRef> resources;
  std::vector<ScopeRef> scopes;
  std::vector<SpanRef> spans;         // the valid spans, in request order
  std::size_t spans_over_limits = 0;  // spans (or their resources) with attributes past ScanLimits
  void clear();                       // keeps the vectors' capacity: a reused ScannedRequest allocates nothing
};

// Scans serialized ExportTraceServiceRequest bytes into `out` (cleared first). Returns false with
// `error` exactly when libprotobuf's ParseFromArray refuses the bytes (bad varint, length past the
// end, tag 0, stray end-group tag, wire type 6 or 7, invalid UTF-8 in a string field, messages nested
// deeper than 100), and in one case protobuf accepts but one view cannot show: a resource, scope or
// attribute value (array or kvlist) sent twice in the same message, which protobuf merges. Unknown
// fields, groups included, are skipped, and so is a known field with an unexpected wire type, as
// protobuf does; for repeated scalar fields the last value wins.
// Spans protobuf would accept but the model refuses (trace ID not 16 bytes or all zero, span ID not
// 8 bytes or zero, parent ID of a wrong length) are left out of `out->spans` and counted in `report`
// with the same messages FromProto uses. `out` points into `request`: keep the bytes alive.
bool Scan(std::string_view request, const ScanLimits& limits, ScannedRequest* out, DecodeReport* report,
          std::string* error);

// An attribute value without a copy: strings point into the encoded message. Arrays stay encoded
// (an ArrayValue message) and are read with ForEachArrayItem.
struct ValueView {
  model::AttributeType type = model::AttributeType::kString;
  std::string_view string;
  bool boolean = false;
  std::int64_t integer = 0;
  double real = 0;
  std::string_view encoded_array;  // for array types: the ArrayValue message's bytes
  // bytes, kvlist, mixed arrays and empty values: kString with `string` holding the encoded AnyValue.
  // The model turns them into text (base64, JSON); filters rarely name them, so the view does not.
  bool opaque = false;
};

// Which message's attributes to read (the field number differs).
enum class AttributeOwner { kSpan, kResource, kScope, kEvent, kLink };

// A callable reference without allocation: visit(key, value) for each attribute; returning false stops.
class AttributeVisitor {
 public:
  virtual bool Visit(std::string_view key, const ValueView& value) = 0;

 protected:
  ~AttributeVisitor() = default;
};

// Adapts a lambda `bool(std::string_view key, const ValueView& value)` to AttributeVisitor.
template <typename Fn>
class LambdaVisitor final : public AttributeVisitor {
 public:
  explicit LambdaVisitor(Fn& fn) : fn_(fn) {}
  bool Visit(std::string_view key, const ValueView& value) override { return fn_(key, value); }

 private:
  Fn& fn_;
};

// Reads the attributes of an encoded message, in order. Returns false when the bytes are malformed
// (never for bytes a successful Scan produced).
bool ForEachAttribute(std::string_view encoded, AttributeOwner owner, AttributeVisitor& visit);

// The same with a lambda `bool(std::string_view key, const ValueView& value)`.
template <typename Fn>
bool ForEachAttribute(std::string_view encoded, AttributeOwner owner, Fn&& fn) {
  LambdaVisitor<Fn> visitor(fn);
  return ForEachAttribute(encoded, owner, static_cast<AttributeVisitor&>(visitor));
}

// The items of an array value: visit receives each item as a scalar ValueView (and an empty key).
// False for a value that is not a typed array (scalars, opaque values) or for malformed bytes.
bool ForEachArrayItem(const ValueView& array, AttributeVisitor& visit);

// The same with a lambda `bool(std::string_view key, const ValueView& item)`.
template <typename Fn>
bool ForEachArrayItem(const ValueView& array, Fn&& fn) {
  LambdaVisitor<Fn> visitor(fn);
  return ForEachArrayItem(array, static_cast<AttributeVisitor&>(visitor));
}

// Finds one attribute by key; false when absent or malformed.
bool FindAttribute(std::string_view encoded, AttributeOwner owner, std::string_view key, ValueView* out);

// Decodes one scanned span (and its origin) into the model, the way FromProto would.
bool DecodeSpan(std::string_view encoded_span, model::Span* out);
// The same but leaves out->attributes empty, for a caller that reads them in place with
// ForEachAttribute (the store's block encoder: most of a span's bytes are its attributes).
bool DecodeSpanWithoutAttributes(std::string_view encoded_span, model::Span* out);
// What a span holds besides the fields a scan takes (SpanRef) and its attributes. Views point into
// the span's bytes; events and links (rare) are only noted: DecodeSpan reads them.
struct SpanDetails {
  std::string_view trace_state;
  std::string_view status_message;
  std::uint32_t flags = 0;
  std::uint32_t dropped_attributes_count = 0;
  std::uint32_t dropped_events_count = 0;
  std::uint32_t dropped_links_count = 0;
  bool has_events_or_links = false;
};
// Reads an encoded span in one pass: appends each attribute's encoded KeyValue to `attributes`
// (ParseAttribute reads one; a caller may know the bytes from an earlier span) and reads the rest
// into `out`, field by field as DecodeSpan would (the last occurrence wins; statuses merge). False
// when the span's fields are malformed (never for a span a successful Scan produced).
bool ReadSpanDetails(std::string_view encoded_span, std::vector<std::string_view>* attributes, SpanDetails* out);
// One encoded KeyValue as ForEachAttribute reads it; false when malformed (or a value protobuf merges).
bool ParseAttribute(std::string_view encoded_attribute, std::string_view* key, ValueView* value);
// One attribute value as the model holds it (what DecodeSpan makes of it: opaque values as text).
bool DecodeValue(const ValueView& value, model::AttributeValue* out);
bool DecodeResource(std::string_view encoded_resource, model::Resource* out);
bool DecodeScope(std::string_view encoded_scope, model::InstrumentationScope* out);

// Every span of `scan` decoded into `out`, grouped by resource and scope as in the request (groups
// without a scanned span are left out). False when a span, resource or scope fails to decode (never
// for a successful scan's spans); `out` then holds the spans decoded so far.
bool DecodeSpans(const ScannedRequest& scan, model::TraceBatch* out);

// Builds an ExportTraceServiceRequest from encoded spans. Spans are grouped under their resource and
// scope (equal encoded bytes and schema URLs form one group, in first-seen order; all scopes of one
// resource go into one ResourceSpans) and copied as bytes. The views must stay valid until Finish.
// Reusable: Finish appends to `out` and resets the writer, keeping its buffers.
class RequestWriter {
 public:
  void Add(const ResourceRef& resource, const ScopeRef& scope, std::string_view encoded_span);
  // Convenience: the span at `index` of a scan.
  void Add(const ScannedRequest& scan, std::size_t index);
  std::size_t span_count() const;
  void Finish(std::string* out);

 private:
  struct Group {
    ResourceRef resource;
    ScopeRef scope;
    std::vector<std::string_view> spans;
    std::size_t first_with_resource = 0;  // the first group of the same resource: it writes the ResourceSpans
    std::size_t scope_spans_size = 0;     // set by Finish
    std::size_t resource_spans_size = 0;  // set by Finish, in a resource's first group
  };
  Group& GroupFor(const ResourceRef& resource, const ScopeRef& scope);

  std::vector<Group> groups_;  // the first group_count_ are in use; the rest keep their buffers
  std::size_t group_count_ = 0;
  std::size_t last_group_ = 0;
  std::size_t span_count_ = 0;
};

}  // namespace hoptrace::otlp::wire
