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
bool DecodeStatus(std::string_view encoded, model::Status* out) {
  return ForEachField(encoded, [out](const Field& field) {
    if (IsLength(field, 2)) out->message.assign(field.bytes);
    if (IsVarint(field, 3)) out->code = otlp::internal::StatusCodeFromNumber(AsInt32(field.value));
    return true;
  });
}

// Status: message = 2 (the code is the scan's); occurrences merge field by field.
bool ReadStatusMessage(std::string_view encoded, std::string_view* message) {
  return ForEachField(encoded, [message](const Field& field) {
    if (IsLength(field, 2)) *message = field.bytes;
    return true;
  });
}

bool ApplySpanDetailsField(const Field& field, std::vector<std::string_view>* attributes, SpanDetails* out) {
  switch (field.number) {
    case 3: if (field.Is(WireType::kLength)) out->trace_state = field.bytes; return true;
    case 9: if (field.Is(WireType::kLength)) attributes->push_back(field.bytes); return true;
    case 10: if (field.Is(WireType::kVarint)) out->dropped_attributes_count = AsUint32(field.value); return true;
    case 11:
    case 13: out->has_events_or_links |= field.Is(WireType::kLength); return true;
    case 12: if (field.Is(WireType::kVarint)) out->dropped_events_count = AsUint32(field.value); return true;
    case 14: if (field.Is(WireType::kVarint)) out->dropped_links_count = AsUint32(field.value); return true;
    case 15: return !field.Is(WireType::kLength) || ReadStatusMessage(field.bytes, &out->status_message);
    case 16: if (field.Is(WireType::kFixed32)) out->flags = AsUint32(field.value); return true;
    default: return true;
  }
}

void ResetSpan(model::Span* out) {
  out->trace_state.clear();
  out->flags = 0;
  out->name.clear();
  out->kind = model::SpanKind::kUnspecified;
  out->start_time_unix_nano = 0;
  out->end_time_unix_nano = 0;
  out->attributes.clear();
  out->dropped_attributes_count = 0;
  out->events.clear();
  out->dropped_events_count = 0;
  out->links.clear();
  out->dropped_links_count = 0;
  out->status.code = model::StatusCode::kUnset;
  out->status.message.clear();
}

struct SpanIdViews {
  std::string_view trace_id, span_id, parent_span_id;
};

bool ApplySpanField(const Field& field, model::Span* out, SpanIdViews* ids, bool with_attributes) {
  switch (field.number) {
    case 1: if (field.Is(WireType::kLength)) ids->trace_id = field.bytes; return true;
    case 2: if (field.Is(WireType::kLength)) ids->span_id = field.bytes; return true;
    case 4: if (field.Is(WireType::kLength)) ids->parent_span_id = field.bytes; return true;
    case 3: if (field.Is(WireType::kLength)) out->trace_state.assign(field.bytes); return true;
    case 5: if (field.Is(WireType::kLength)) out->name.assign(field.bytes); return true;
    case 6:
      if (field.Is(WireType::kVarint)) out->kind = otlp::internal::SpanKindFromNumber(AsInt32(field.value));
      return true;
    case 7: if (field.Is(WireType::kFixed64)) out->start_time_unix_nano = field.value; return true;
    case 8: if (field.Is(WireType::kFixed64)) out->end_time_unix_nano = field.value; return true;
    case 9: return !with_attributes || !field.Is(WireType::kLength) || AppendAttribute(field.bytes, &out->attributes);
    case 10: if (field.Is(WireType::kVarint)) out->dropped_attributes_count = AsUint32(field.value); return true;
    case 11: return !field.Is(WireType::kLength) || DecodeEvent(field.bytes, &out->events.emplace_slot());
    case 12: if (field.Is(WireType::kVarint)) out->dropped_events_count = AsUint32(field.value); return true;
    case 13: return !field.Is(WireType::kLength) || DecodeLink(field.bytes, &out->links.emplace_slot());
    case 14: if (field.Is(WireType::kVarint)) out->dropped_links_count = AsUint32(field.value); return true;
    case 15: return !field.Is(WireType::kLength) || DecodeStatus(field.bytes, &out->status);
    case 16: if (field.Is(WireType::kFixed32)) out->flags = AsUint32(field.value); return true;
    default: return true;
  }
}

bool DecodeSpanFields(std::string_view encoded_span, model::Span* out, bool with_attributes) {
  ResetSpan(out);
  SpanIdViews ids;
  if (!ForEachField(encoded_span, [&](const Field& field) { return ApplySpanField(field, out, &ids, with_attributes); })) {
    return false;
  }
  std::string problem;
  constexpr auto kBytes = IdEncoding::kBytes;
  return otlp::internal::DecodeId(ids.trace_id, kBytes, IdRule::kRequired, "", &out->trace_id, &problem) &&
         otlp::internal::DecodeId(ids.span_id, kBytes, IdRule::kRequired, "", &out->span_id, &problem) &&
         otlp::internal::DecodeId(ids.parent_span_id, kBytes, IdRule::kOptional, "", &out->parent_span_id, &problem);
}

}  // namespace

bool DecodeSpan(std::string_view encoded_span, model::Span* out) { return DecodeSpanFields(encoded_span, out, true); }

bool DecodeSpanWithoutAttributes(std::string_view encoded_span, model::Span* out) {
  return DecodeSpanFields(encoded_span, out, false);
}

bool ReadSpanDetails(std::string_view encoded_span, std::vector<std::string_view>* attributes, SpanDetails* out) {
  *out = {};
  return ForEachField(encoded_span, [&](const Field& field) { return ApplySpanDetailsField(field, attributes, out); });
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
