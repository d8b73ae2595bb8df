// One scanned span, resource or scope (or a whole scan) to the model, field for field as FromProto
// converts them.
// Model records are reused: strings and SlotVector slots keep their buffers.

#include <cstddef>
#include <variant>
#include <vector>

#include "hoptrace/otlp/wire.h"
#include "value_convert.h"
#include "wire_values.h"

namespace hoptrace::otlp::wire {
namespace {

using internal::AsInt32;
using internal::AsUint32;
using internal::Field;
using internal::Reader;
using internal::WireType;
using otlp::internal::IdEncoding;
using otlp::internal::IdRule;

template <typename T>
std::vector<T>& ResetToVector(model::AttributeValue* out) {
  if (auto* same = std::get_if<std::vector<T>>(out)) {
    same->clear();
    return *same;
  }
  return out->emplace<std::vector<T>>();
}

template <typename T>
bool AssignArray(const ValueView& array, model::AttributeValue* out, T (*item_value)(const ValueView&)) {
  std::vector<T>& items = ResetToVector<T>(out);
  return ForEachArrayItem(array, [&](std::string_view, const ValueView& item) {
    items.push_back(item_value(item));
    return true;
  });
}

// What the model cannot hold directly goes through the reference conversion (rare values).
bool AssignOpaque(std::string_view encoded_any_value, model::AttributeValue* out) {
  if (encoded_any_value.empty()) {  // an empty AnyValue
    otlp::internal::ResetToString(out);
    return true;
  }
  pb::common::v1::AnyValue value;
  if (!value.ParseFromArray(encoded_any_value.data(), static_cast<int>(encoded_any_value.size()))) return false;
  otlp::internal::FromAnyValue(value, out);
  return true;
}

bool AssignValue(const ValueView& value, model::AttributeValue* out) {
  if (value.opaque) return AssignOpaque(value.string, out);
  switch (value.type) {
    case model::AttributeType::kString: otlp::internal::ResetToString(out).assign(value.string); return true;
    case model::AttributeType::kBool: *out = value.boolean; return true;
    case model::AttributeType::kInt: *out = value.integer; return true;
    case model::AttributeType::kDouble: *out = value.real; return true;
    case model::AttributeType::kStringArray:
      return AssignArray<std::string>(value, out, [](const ValueView& item) { return std::string(item.string); });
    case model::AttributeType::kBoolArray:
      return AssignArray<bool>(value, out, [](const ValueView& item) { return item.boolean; });
    case model::AttributeType::kIntArray:
      return AssignArray<std::int64_t>(value, out, [](const ValueView& item) { return item.integer; });
    case model::AttributeType::kDoubleArray:
      return AssignArray<double>(value, out, [](const ValueView& item) { return item.real; });
  }
  return false;
}

// Appends one encoded KeyValue.
bool AppendAttribute(std::string_view key_value, model::Attributes* out) {
  std::string_view key;
  ValueView value;
  if (!internal::ReadAttribute(key_value, &key, &value)) return false;
  model::Attribute& attribute = out->emplace_slot();
  attribute.key.assign(key);
  return AssignValue(value, &attribute.value);
}

// Reads every field of a message through `apply(field)`, which returns false to refuse it.
template <typename Apply>
bool ForEachField(std::string_view encoded, Apply&& apply) {
  Reader reader(encoded, internal::kRecursionLimit);
  Field field;
  while (reader.Next(&field)) {
    if (!apply(field)) return false;
  }
  return reader.ok();
}

bool IsLength(const Field& field, std::uint32_t number) { return field.number == number && field.Is(WireType::kLength); }
bool IsVarint(const Field& field, std::uint32_t number) { return field.number == number && field.Is(WireType::kVarint); }
bool IsFixed(const Field& field, std::uint32_t number, WireType type) { return field.number == number && field.Is(type); }

// Event: time = 1, name = 2, attributes = 3, dropped_attributes_count = 4.
bool DecodeEvent(std::string_view encoded, model::Event* out) {
  out->time_unix_nano = 0;
  out->name.clear();
  out->attributes.clear();
  out->dropped_attributes_count = 0;
  return ForEachField(encoded, [out](const Field& field) {
    if (IsFixed(field, 1, WireType::kFixed64)) out->time_unix_nano = field.value;
    if (IsLength(field, 2)) out->name.assign(field.bytes);
    if (IsLength(field, 3)) return AppendAttribute(field.bytes, &out->attributes);
    if (IsVarint(field, 4)) out->dropped_attributes_count = AsUint32(field.value);
    return true;
  });
}

// Link: trace_id = 1, span_id = 2, trace_state = 3, attributes = 4, dropped = 5, flags = 6.
bool DecodeLink(std::string_view encoded, model::Link* out) {
  std::string_view trace_id, span_id;
  out->trace_state.clear();
  out->attributes.clear();
  out->dropped_attributes_count = 0;
  out->flags = 0;
  const bool well_formed = ForEachField(encoded, [&](const Field& field) {
    if (IsLength(field, 1)) trace_id = field.bytes;
    if (IsLength(field, 2)) span_id = field.bytes;
    if (IsLength(field, 3)) out->trace_state.assign(field.bytes);
    if (IsLength(field, 4)) return AppendAttribute(field.bytes, &out->attributes);
    if (IsVarint(field, 5)) out->dropped_attributes_count = AsUint32(field.value);
    if (IsFixed(field, 6, WireType::kFixed32)) out->flags = AsUint32(field.value);
    return true;
  });
  std::string problem;
  return well_formed &&
         otlp::internal::DecodeId(trace_id, IdEncoding::kBytes, IdRule::kOptional, "", &out->trace_id, &problem) &&
         otlp::internal::DecodeId(span_id, IdEncoding::kBytes, IdRule::kOptional, "", &out->span_id, &problem);
}

// Status: message = 2, code = 3; occurrences merge field by field.
bool ReadStatus(std::string_view encoded, std::string_view* message, model::StatusCode* code) {
  return ForEachField(encoded, [&](const Field& field) {
    if (IsLength(field, 2)) *message = field.bytes;
    if (IsVarint(field, 3)) *code = otlp::internal::StatusCodeFromNumber(AsInt32(field.value));
    return true;
  });
}

// What the span details' table made of a field.
enum class DetailUse {
  kTaken,      // a detail (or a field of it with an unexpected wire type, which protobuf skips)
  kRefused,    // a malformed status
  kAttribute,  // an attribute: the caller's
  kOther,      // not a detail (events and links are noted, and the caller's too)
};

// The one table of the span fields SpanDetails holds, read as views (the last occurrence wins,
// statuses merge): trace_state = 3, attributes = 9, dropped counts = 10, 12, 14, status = 15 (its
// code into `status_code`), flags = 16; events = 11 and links = 13 noted.
[[gnu::always_inline]] inline DetailUse ApplySpanDetailsField(const Field& field, SpanDetails* out,
                                                              model::StatusCode* status_code) {
  const bool length = field.Is(WireType::kLength);
  const bool varint = field.Is(WireType::kVarint);
  switch (field.number) {
    case 3: if (length) out->trace_state = field.bytes; break;
    case 9: return length ? DetailUse::kAttribute : DetailUse::kTaken;
    case 10: if (varint) out->dropped_attributes_count = AsUint32(field.value); break;
    case 11:
    case 13: out->has_events_or_links |= length; return DetailUse::kOther;
    case 12: if (varint) out->dropped_events_count = AsUint32(field.value); break;
    case 14: if (varint) out->dropped_links_count = AsUint32(field.value); break;
    case 15:
      if (length && !ReadStatus(field.bytes, &out->status_message, status_code)) return DetailUse::kRefused;
      break;
    case 16: if (field.Is(WireType::kFixed32)) out->flags = AsUint32(field.value); break;
    default: return DetailUse::kOther;
  }
  return DetailUse::kTaken;
}

// A span's IDs as its bytes hold them.
struct SpanIdViews {
  std::string_view trace_id, span_id, parent_span_id;
};

// Reads a span's fields through the details' table: the IDs that lead the span into `leading_ids`
// (ReadLeadingSpanIds), details into `details` and `status_code`, each attribute through
// `on_attribute(bytes)` (a run of them without a Reader step each: NextInRun), every other field
// through `on_other(field)`. Either returns false to refuse the span.
template <typename OnAttribute, typename OnOther>
[[gnu::always_inline]] inline bool ReadSpanFields(std::string_view encoded_span, SpanIdViews* leading_ids,
                                                  SpanDetails* details, model::StatusCode* status_code,
                                                  OnAttribute&& on_attribute, OnOther&& on_other) {
  *details = {};
  const char* const end = encoded_span.data() + encoded_span.size();
  const std::size_t leading = internal::ReadLeadingSpanIds(encoded_span, &leading_ids->trace_id, &leading_ids->span_id,
                                                           &leading_ids->parent_span_id);
  Reader reader(encoded_span.substr(leading), internal::kRecursionLimit);
  Field field;
  while (reader.Next(&field)) {
    switch (ApplySpanDetailsField(field, details, status_code)) {
      case DetailUse::kTaken: break;
      case DetailUse::kRefused: return false;
      case DetailUse::kOther:
        if (!on_other(field)) return false;
        break;
      case DetailUse::kAttribute: {
        const char* next = reader.position();
        std::string_view attribute = field.bytes;
        do {
          if (!on_attribute(attribute)) return false;
        } while (internal::NextInRun<9>(&next, end, &attribute));
        reader = Reader(std::string_view(next, static_cast<std::size_t>(end - next)), internal::kRecursionLimit);
        break;
      }
    }
  }
  return reader.ok();
}

// What a span holds besides its details, attributes, events and links.
struct SpanOwnFields {
  SpanIdViews ids;
  std::string_view name;
  model::SpanKind kind = model::SpanKind::kUnspecified;
  std::uint64_t start_time_unix_nano = 0;
  std::uint64_t end_time_unix_nano = 0;
};

// The fields SpanDetails does not hold: IDs = 1, 2, 4, name = 5, kind = 6, times = 7, 8, and the
// events (11) and links (13) themselves.
[[gnu::always_inline]] inline bool ApplySpanOwnField(const Field& field, SpanOwnFields* own, model::Span* out) {
  switch (field.number) {
    case 1: if (field.Is(WireType::kLength)) own->ids.trace_id = field.bytes; return true;
    case 2: if (field.Is(WireType::kLength)) own->ids.span_id = field.bytes; return true;
    case 4: if (field.Is(WireType::kLength)) own->ids.parent_span_id = field.bytes; return true;
    case 5: if (field.Is(WireType::kLength)) own->name = field.bytes; return true;
    case 6:
      if (field.Is(WireType::kVarint)) own->kind = otlp::internal::SpanKindFromNumber(AsInt32(field.value));
      return true;
    case 7: if (field.Is(WireType::kFixed64)) own->start_time_unix_nano = field.value; return true;
    case 8: if (field.Is(WireType::kFixed64)) own->end_time_unix_nano = field.value; return true;
    case 11: return !field.Is(WireType::kLength) || DecodeEvent(field.bytes, &out->events.emplace_slot());
    case 13: return !field.Is(WireType::kLength) || DecodeLink(field.bytes, &out->links.emplace_slot());
    default: return true;
  }
}

// Most spans have no trace state and no status message: clearing costs less than assigning nothing.
void AssignText(std::string_view text, std::string* out) {
  if (text.empty()) {
    out->clear();
  } else {
    out->assign(text);
  }
}

void CopyDetails(const SpanDetails& details, model::StatusCode status_code, model::Span* out) {
  AssignText(details.trace_state, &out->trace_state);
  out->flags = details.flags;
  out->dropped_attributes_count = details.dropped_attributes_count;
  out->dropped_events_count = details.dropped_events_count;
  out->dropped_links_count = details.dropped_links_count;
  out->status.code = status_code;
  AssignText(details.status_message, &out->status.message);
}

bool CopyOwnFields(const SpanOwnFields& own, model::Span* out) {
  out->name.assign(own.name);
  out->kind = own.kind;
  out->start_time_unix_nano = own.start_time_unix_nano;
  out->end_time_unix_nano = own.end_time_unix_nano;
  std::string problem;
  constexpr auto kBytes = IdEncoding::kBytes;
  return otlp::internal::DecodeId(own.ids.trace_id, kBytes, IdRule::kRequired, "", &out->trace_id, &problem) &&
         otlp::internal::DecodeId(own.ids.span_id, kBytes, IdRule::kRequired, "", &out->span_id, &problem) &&
         otlp::internal::DecodeId(own.ids.parent_span_id, kBytes, IdRule::kOptional, "", &out->parent_span_id, &problem);
}

template <bool kWithAttributes>
bool DecodeSpanFields(std::string_view encoded_span, model::Span* out) {
  out->attributes.clear();
  out->events.clear();
  out->links.clear();
  SpanDetails details;
  model::StatusCode status_code = model::StatusCode::kUnset;
  SpanOwnFields own;
  const bool well_formed = ReadSpanFields(
      encoded_span, &own.ids, &details, &status_code,
      [out](std::string_view attribute) { return !kWithAttributes || AppendAttribute(attribute, &out->attributes); },
      [&own, out](const Field& field) { return ApplySpanOwnField(field, &own, out); });
  if (!well_formed) return false;
  CopyDetails(details, status_code, out);
  return CopyOwnFields(own, out);
}

}  // namespace

bool DecodeSpan(std::string_view encoded_span, model::Span* out) { return DecodeSpanFields<true>(encoded_span, out); }

bool DecodeSpanWithoutAttributes(std::string_view encoded_span, model::Span* out) {
  return DecodeSpanFields<false>(encoded_span, out);
}

bool ReadSpanDetails(std::string_view encoded_span, std::vector<std::string_view>* attributes, SpanDetails* out) {
  SpanIdViews ids;                                             // the scan's (SpanRef)
  model::StatusCode status_code = model::StatusCode::kUnset;  // the scan's too
  return ReadSpanFields(
      encoded_span, &ids, out, &status_code,
      [attributes](std::string_view attribute) {
        attributes->push_back(attribute);
        return true;
      },
      [](const Field&) { return true; });
}

bool ParseAttribute(std::string_view encoded_attribute, std::string_view* key, ValueView* value) {
  return internal::ReadAttribute(encoded_attribute, key, value);
}

bool DecodeValue(const ValueView& value, model::AttributeValue* out) { return AssignValue(value, out); }

// Resource: attributes = 1, dropped_attributes_count = 2.
bool DecodeResource(std::string_view encoded_resource, model::Resource* out) {
  out->attributes.clear();
  out->dropped_attributes_count = 0;
  return ForEachField(encoded_resource, [out](const Field& field) {
    if (IsLength(field, 1)) return AppendAttribute(field.bytes, &out->attributes);
    if (IsVarint(field, 2)) out->dropped_attributes_count = AsUint32(field.value);
    return true;
  });
}

// InstrumentationScope: name = 1, version = 2, attributes = 3, dropped_attributes_count = 4.
bool DecodeScope(std::string_view encoded_scope, model::InstrumentationScope* out) {
  out->name.clear();
  out->version.clear();
  out->attributes.clear();
  out->dropped_attributes_count = 0;
  return ForEachField(encoded_scope, [out](const Field& field) {
    if (IsLength(field, 1)) out->name.assign(field.bytes);
    if (IsLength(field, 2)) out->version.assign(field.bytes);
    if (IsLength(field, 3)) return AppendAttribute(field.bytes, &out->attributes);
    if (IsVarint(field, 4)) out->dropped_attributes_count = AsUint32(field.value);
    return true;
  });
}

bool DecodeSpans(const ScannedRequest& scan, model::TraceBatch* out) {
  // Where each of the request's resources and scopes went in `out` (-1: not yet).
  std::vector<std::ptrdiff_t> resource_slot(scan.resources.size(), -1);
  std::vector<std::ptrdiff_t> scope_slot(scan.scopes.size(), -1);
  for (const SpanRef& span : scan.spans) {
    const ScopeRef& scope = scan.scopes[span.scope];
    std::ptrdiff_t& resource_index = resource_slot[scope.resource];
    if (resource_index < 0) {
      const ResourceRef& resource = scan.resources[scope.resource];
      resource_index = static_cast<std::ptrdiff_t>(out->resource_spans.size());
      model::ResourceSpans& added = out->resource_spans.emplace_back();
      added.schema_url = resource.schema_url;
      if (!DecodeResource(resource.encoded, &added.resource)) return false;
    }
    model::ResourceSpans& resource_spans = out->resource_spans[static_cast<std::size_t>(resource_index)];
    std::ptrdiff_t& scope_index = scope_slot[span.scope];
    if (scope_index < 0) {
      scope_index = static_cast<std::ptrdiff_t>(resource_spans.scope_spans.size());
      model::ScopeSpans& added = resource_spans.scope_spans.emplace_back();
      added.schema_url = scope.schema_url;
      if (!DecodeScope(scope.encoded, &added.scope)) return false;
    }
    model::ScopeSpans& scope_spans = resource_spans.scope_spans[static_cast<std::size_t>(scope_index)];
    if (!DecodeSpan(span.encoded, &scope_spans.spans.emplace_back())) return false;
  }
  return true;
}

}  // namespace hoptrace::otlp::wire
