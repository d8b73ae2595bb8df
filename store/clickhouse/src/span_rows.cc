#include "span_rows.h"

#include <array>
#include <type_traits>

#include "row_binary.h"

namespace hoptrace::store::clickhouse {
namespace {

using model::Attribute;
using model::AttributeValue;
using model::Attributes;

// The five groups of a typed attribute set, in column order.
enum class ValueGroup : std::uint8_t { kString, kInt, kDouble, kBool, kArray };
constexpr std::array<ValueGroup, 5> kValueGroups = {ValueGroup::kString, ValueGroup::kInt, ValueGroup::kDouble,
                                                    ValueGroup::kBool, ValueGroup::kArray};

ValueGroup GroupOf(const AttributeValue& value) {
  switch (model::TypeOf(value)) {
    case model::AttributeType::kString: return ValueGroup::kString;
    case model::AttributeType::kInt: return ValueGroup::kInt;
    case model::AttributeType::kDouble: return ValueGroup::kDouble;
    case model::AttributeType::kBool: return ValueGroup::kBool;
    default: return ValueGroup::kArray;
  }
}

#define HOPTRACE_TYPED_ATTRIBUTE_COLUMNS(prefix)                                                         \
  {prefix "_str_keys", "Array(String)"}, {prefix "_str_values", "Array(String)"},                        \
      {prefix "_int_keys", "Array(String)"}, {prefix "_int_values", "Array(Int64)"},                     \
      {prefix "_dbl_keys", "Array(String)"}, {prefix "_dbl_values", "Array(Float64)"},                   \
      {prefix "_bool_keys", "Array(String)"}, {prefix "_bool_values", "Array(UInt8)"},                   \
      {prefix "_arr_keys", "Array(String)"}, {                                                           \
    prefix "_arr_values", "Array(String)"                                                                \
  }

constexpr Column kColumns[] = {
    {"trace_id", "FixedString(16)"},
    {"span_id", "FixedString(8)"},
    {"parent_span_id", "FixedString(8)"},
    {"trace_state", "String"},
    {"flags", "UInt32"},
    {"service", "String"},
    {"name", "String"},
    {"kind", "UInt8"},
    {"start_ns", "UInt64"},
    {"end_ns", "UInt64"},
    {"duration_ns", "UInt64"},
    {"status_code", "UInt8"},
    {"status_message", "String"},
    HOPTRACE_TYPED_ATTRIBUTE_COLUMNS("attr"),
    {"attr_dropped", "UInt32"},
    {"events_dropped", "UInt32"},
    {"links_dropped", "UInt32"},
    HOPTRACE_TYPED_ATTRIBUTE_COLUMNS("res"),
    {"res_dropped", "UInt32"},
    {"res_schema_url", "String"},
    {"scope_name", "String"},
    {"scope_version", "String"},
    {"scope_attributes", "String"},
    {"scope_dropped", "UInt32"},
    {"scope_schema_url", "String"},
    {"event_times", "Array(UInt64)"},
    {"event_names", "Array(String)"},
    {"event_attributes", "Array(String)"},
    {"event_dropped", "Array(UInt32)"},
    {"link_trace_ids", "Array(FixedString(16))"},
    {"link_span_ids", "Array(FixedString(8))"},
    {"link_trace_states", "Array(String)"},
    {"link_attributes", "Array(String)"},
    {"link_dropped", "Array(UInt32)"},
    {"link_flags", "Array(UInt32)"},
};
#undef HOPTRACE_TYPED_ATTRIBUTE_COLUMNS

// --- encoding ---

template <typename T>
void WriteElement(RowBinaryWriter& out, const T& value) {
  if constexpr (std::is_same_v<T, std::string>) {
    out.String(value);
  } else if constexpr (std::is_same_v<T, bool>) {
    out.Number<std::uint8_t>(value ? 1 : 0);
  } else {
    out.Number(value);
  }
}

// An attribute value in a self-describing form: its type index, then the value (arrays counted).
void WriteValue(RowBinaryWriter& out, const AttributeValue& value) {
  out.Number(static_cast<std::uint8_t>(value.index()));
  std::visit(
      [&](const auto& v) {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::vector<bool>>) {
          out.VarUInt(v.size());
          for (const bool element : v) WriteElement(out, element);
        } else if constexpr (requires { v.begin(); } && !std::is_same_v<V, std::string>) {
          out.VarUInt(v.size());
          for (const auto& element : v) WriteElement(out, element);
        } else {
          WriteElement(out, v);
        }
      },
      value);
}

std::string EncodeValue(const AttributeValue& value) {
  std::string encoded;
  RowBinaryWriter out(&encoded);
  WriteValue(out, value);
  return encoded;
}

std::string EncodeAttributes(const Attributes& attributes) {
  std::string encoded;
  RowBinaryWriter out(&encoded);
  out.VarUInt(attributes.size());
  for (const Attribute& attribute : attributes) {
    out.String(attribute.key);
    WriteValue(out, attribute.value);
  }
  return encoded;
}

std::size_t CountInGroup(const Attributes& attributes, ValueGroup group) {
  std::size_t count = 0;
  for (const Attribute& attribute : attributes) count += GroupOf(attribute.value) == group ? 1 : 0;
  return count;
}

void WriteGroupValue(RowBinaryWriter& out, const AttributeValue& value, ValueGroup group) {
  if (group == ValueGroup::kArray) {
    out.String(EncodeValue(value));
    return;
  }
  std::visit(
      [&](const auto& v) {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::string> || std::is_same_v<V, bool> || std::is_same_v<V, std::int64_t> ||
                      std::is_same_v<V, double>) {
          WriteElement(out, v);
        }
      },
      value);
}

void WriteTypedAttributes(RowBinaryWriter& out, const Attributes& attributes) {
  for (const ValueGroup group : kValueGroups) {
    const std::size_t count = CountInGroup(attributes, group);
    out.VarUInt(count);
    for (const Attribute& attribute : attributes) {
      if (GroupOf(attribute.value) == group) out.String(attribute.key);
    }
    out.VarUInt(count);
    for (const Attribute& attribute : attributes) {
      if (GroupOf(attribute.value) == group) WriteGroupValue(out, attribute.value, group);
    }
  }
}

void WriteEvents(RowBinaryWriter& out, const model::Span& span) {
  out.Array(span.events, [&](const model::Event& event) { out.Number(event.time_unix_nano); });
  out.Array(span.events, [&](const model::Event& event) { out.String(event.name); });
  out.Array(span.events, [&](const model::Event& event) { out.String(EncodeAttributes(event.attributes)); });
  out.Array(span.events, [&](const model::Event& event) { out.Number(event.dropped_attributes_count); });
}

void WriteLinks(RowBinaryWriter& out, const model::Span& span) {
  out.Array(span.links,
            [&](const model::Link& link) { out.Fixed(link.trace_id.data(), model::TraceId::kSize); });
  out.Array(span.links,
            [&](const model::Link& link) { out.Fixed(link.span_id.data(), model::SpanId::kSize); });
  out.Array(span.links, [&](const model::Link& link) { out.String(link.trace_state); });
  out.Array(span.links, [&](const model::Link& link) { out.String(EncodeAttributes(link.attributes)); });
  out.Array(span.links, [&](const model::Link& link) { out.Number(link.dropped_attributes_count); });
  out.Array(span.links, [&](const model::Link& link) { out.Number(link.flags); });
}

void WriteSpanRow(RowBinaryWriter& out, const model::ResourceSpans& resource_spans, const model::ScopeSpans& scope_spans,
                  const model::Span& span, std::string_view service) {
  out.Fixed(span.trace_id.data(), model::TraceId::kSize);
  out.Fixed(span.span_id.data(), model::SpanId::kSize);
  out.Fixed(span.parent_span_id.data(), model::SpanId::kSize);
  out.String(span.trace_state);
  out.Number(span.flags);
  out.String(service);
  out.String(span.name);
  out.Number(static_cast<std::uint8_t>(span.kind));
  out.Number(span.start_time_unix_nano);
  out.Number(span.end_time_unix_nano);
  out.Number(span.DurationNanos());
  out.Number(static_cast<std::uint8_t>(span.status.code));
  out.String(span.status.message);
  WriteTypedAttributes(out, span.attributes);
  out.Number(span.dropped_attributes_count);
  out.Number(span.dropped_events_count);
  out.Number(span.dropped_links_count);
  WriteTypedAttributes(out, resource_spans.resource.attributes);
  out.Number(resource_spans.resource.dropped_attributes_count);
  out.String(resource_spans.schema_url);
  const model::InstrumentationScope& scope = scope_spans.scope;
  out.String(scope.name);
  out.String(scope.version);
  out.String(EncodeAttributes(scope.attributes));
  out.Number(scope.dropped_attributes_count);
  out.String(scope_spans.schema_url);
  WriteEvents(out, span);
  WriteLinks(out, span);
}

// --- decoding ---

template <typename T>
bool ReadElement(RowBinaryReader& in, T* value) {
  if constexpr (std::is_same_v<T, std::string>) {
    return in.String(value);
  } else if constexpr (std::is_same_v<T, bool>) {
    std::uint8_t byte = 0;
    if (!in.Number(&byte)) return false;
    *value = byte != 0;
    return true;
  } else {
    return in.Number(value);
  }
}

template <typename T>
bool ReadVector(RowBinaryReader& in, std::vector<T>* values) {
  std::uint64_t count = 0;
  if (!in.Count(&count)) return false;
  values->resize(count);
  for (std::uint64_t i = 0; i < count; ++i) {
    T element{};
    if (!ReadElement(in, &element)) return false;
    (*values)[i] = std::move(element);
  }
  return true;
}

template <std::size_t I = 0>
bool EmplaceValueOfType(RowBinaryReader& in, std::size_t type, AttributeValue* value) {
  if constexpr (I < std::variant_size_v<AttributeValue>) {
    if (type != I) return EmplaceValueOfType<I + 1>(in, type, value);
    using V = std::variant_alternative_t<I, AttributeValue>;
    V decoded{};
    bool ok = false;
    if constexpr (requires { decoded.push_back(decoded[0]); } && !std::is_same_v<V, std::string>) {
      ok = ReadVector(in, &decoded);
    } else {
      ok = ReadElement(in, &decoded);
    }
    *value = std::move(decoded);
    return ok;
  } else {
    return false;  // an unknown type index
  }
}

bool ReadValue(RowBinaryReader& in, AttributeValue* value) {
  std::uint8_t type = 0;
  return in.Number(&type) && EmplaceValueOfType(in, type, value);
}

bool DecodeAttributes(std::string_view encoded, Attributes* attributes) {
  RowBinaryReader in(encoded);
  std::uint64_t count = 0;
  if (!in.Count(&count)) return false;
  for (std::uint64_t i = 0; i < count; ++i) {
    Attribute& attribute = attributes->emplace_slot();
    if (!in.String(&attribute.key) || !ReadValue(in, &attribute.value)) return false;
  }
  return in.AtEnd();
}

bool ReadEncodedAttributes(RowBinaryReader& in, Attributes* attributes) {
  std::string encoded;
  return in.String(&encoded) && DecodeAttributes(encoded, attributes);
}

bool ReadGroupValue(RowBinaryReader& in, ValueGroup group, AttributeValue* value) {
  switch (group) {
    case ValueGroup::kString: return EmplaceValueOfType(in, 0, value);
    case ValueGroup::kBool: return EmplaceValueOfType(in, 1, value);
    case ValueGroup::kInt: return EmplaceValueOfType(in, 2, value);
    case ValueGroup::kDouble: return EmplaceValueOfType(in, 3, value);
    case ValueGroup::kArray: {
      std::string encoded;
      if (!in.String(&encoded)) return false;
      RowBinaryReader inner(encoded);
      return ReadValue(inner, value) && inner.AtEnd();
    }
  }
  return false;
}

bool ReadTypedAttributes(RowBinaryReader& in, Attributes* attributes) {
  for (const ValueGroup group : kValueGroups) {
    std::vector<std::string> keys;
    std::uint64_t value_count = 0;
    if (!ReadVector(in, &keys) || !in.Count(&value_count) || value_count != keys.size()) return false;
    for (std::string& key : keys) {
      Attribute& attribute = attributes->emplace_slot();
      attribute.key = std::move(key);
      if (!ReadGroupValue(in, group, &attribute.value)) return false;
    }
  }
  return true;
}

template <typename T, typename Assign>
bool ReadParallel(RowBinaryReader& in, std::size_t expected, Assign assign) {
  std::vector<T> values;
  if (!ReadVector(in, &values) || values.size() != expected) return false;
  for (std::size_t i = 0; i < expected; ++i) {
    if (!assign(i, values[i])) return false;
  }
  return true;
}

bool ReadEvents(RowBinaryReader& in, model::Span* span) {
  std::vector<std::uint64_t> times;
  if (!ReadVector(in, &times)) return false;
  for (const std::uint64_t time : times) span->events.emplace_slot().time_unix_nano = time;
  auto event = [&](std::size_t i) -> model::Event& { return span->events[i]; };
  return ReadParallel<std::string>(in, times.size(), [&](std::size_t i, std::string& name) {
           event(i).name = std::move(name);
           return true;
         }) &&
         ReadParallel<std::string>(in, times.size(), [&](std::size_t i, const std::string& encoded) {
           return DecodeAttributes(encoded, &event(i).attributes);
         }) &&
         ReadParallel<std::uint32_t>(in, times.size(), [&](std::size_t i, std::uint32_t dropped) {
           event(i).dropped_attributes_count = dropped;
           return true;
         });
}

// An Array(FixedString(N)): N raw bytes per element.
template <typename Id>
bool ReadIds(RowBinaryReader& in, std::vector<Id>* ids) {
  std::uint64_t count = 0;
  if (!in.Count(&count)) return false;
  ids->resize(count);
  for (Id& id : *ids) {
    if (!in.Fixed(id.mutable_bytes().data(), Id::kSize)) return false;
  }
  return true;
}

bool ReadLinks(RowBinaryReader& in, model::Span* span) {
  std::vector<model::TraceId> trace_ids;
  std::vector<model::SpanId> span_ids;
  if (!ReadIds(in, &trace_ids) || !ReadIds(in, &span_ids) || span_ids.size() != trace_ids.size()) return false;
  for (std::size_t i = 0; i < trace_ids.size(); ++i) {
    model::Link& link = span->links.emplace_slot();
    link.trace_id = trace_ids[i];
    link.span_id = span_ids[i];
  }
  auto link = [&](std::size_t i) -> model::Link& { return span->links[i]; };
  const std::size_t count = trace_ids.size();
  return ReadParallel<std::string>(in, count, [&](std::size_t i, std::string& state) {
           link(i).trace_state = std::move(state);
           return true;
         }) &&
         ReadParallel<std::string>(in, count, [&](std::size_t i, const std::string& encoded) {
           return DecodeAttributes(encoded, &link(i).attributes);
         }) &&
         ReadParallel<std::uint32_t>(in, count, [&](std::size_t i, std::uint32_t dropped) {
           link(i).dropped_attributes_count = dropped;
           return true;
         }) &&
         ReadParallel<std::uint32_t>(in, count, [&](std::size_t i, std::uint32_t flags) {
           link(i).flags = flags;
           return true;
         });
}

template <typename Enum>
bool ReadEnum(RowBinaryReader& in, Enum* value) {
  std::uint8_t raw = 0;
  if (!in.Number(&raw)) return false;
  *value = static_cast<Enum>(raw);
  return true;
}

struct SpanRow {
  model::ResourceSpans resource;  // resource and its schema URL; no scopes
  model::ScopeSpans scope;        // scope and its schema URL; no spans
  model::Span span;
};

bool ReadSpanRow(RowBinaryReader& in, SpanRow* row) {
  model::Span& span = row->span;
  std::string service;  // derived from the resource; not kept
  std::uint64_t duration = 0;
  model::InstrumentationScope& scope = row->scope.scope;
  return in.Fixed(span.trace_id.mutable_bytes().data(), model::TraceId::kSize) &&
         in.Fixed(span.span_id.mutable_bytes().data(), model::SpanId::kSize) &&
         in.Fixed(span.parent_span_id.mutable_bytes().data(), model::SpanId::kSize) && in.String(&span.trace_state) &&
         in.Number(&span.flags) && in.String(&service) && in.String(&span.name) && ReadEnum(in, &span.kind) &&
         in.Number(&span.start_time_unix_nano) && in.Number(&span.end_time_unix_nano) && in.Number(&duration) &&
         ReadEnum(in, &span.status.code) && in.String(&span.status.message) &&
         ReadTypedAttributes(in, &span.attributes) && in.Number(&span.dropped_attributes_count) &&
         in.Number(&span.dropped_events_count) && in.Number(&span.dropped_links_count) &&
         ReadTypedAttributes(in, &row->resource.resource.attributes) &&
         in.Number(&row->resource.resource.dropped_attributes_count) && in.String(&row->resource.schema_url) &&
         in.String(&scope.name) && in.String(&scope.version) && ReadEncodedAttributes(in, &scope.attributes) &&
         in.Number(&scope.dropped_attributes_count) && in.String(&row->scope.schema_url) && ReadEvents(in, &span) &&
         ReadLinks(in, &span);
}

// The columns of a timing-only scan: the host as analysis::HostOf finds it (the first non-empty of
// these string attributes), and whether a link names the parent (what makes a span asynchronous).
// (The lambda gets the values as an array: 18.16's lambdas cannot name a column.)
constexpr std::string_view kTimingColumns =
    "trace_id, span_id, parent_span_id, service, name, kind, start_ns, end_ns, status_code, "
    "arrayFirst(host -> host != '', [res_str_values[indexOf(res_str_keys, 'host.name')], "
    "res_str_values[indexOf(res_str_keys, 'host.id')], res_str_values[indexOf(res_str_keys, 'host.ip')], "
    "res_str_values[indexOf(res_str_keys, 'net.host.ip')]]), has(link_span_ids, parent_span_id)";

bool ReadTimingRow(RowBinaryReader& in, SpanRow* row) {
  model::Span& span = row->span;
  std::string service, host;
  std::uint8_t links_parent = 0;
  if (!in.Fixed(span.trace_id.mutable_bytes().data(), model::TraceId::kSize) ||
      !in.Fixed(span.span_id.mutable_bytes().data(), model::SpanId::kSize) ||
      !in.Fixed(span.parent_span_id.mutable_bytes().data(), model::SpanId::kSize) || !in.String(&service) ||
      !in.String(&span.name) || !ReadEnum(in, &span.kind) || !in.Number(&span.start_time_unix_nano) ||
      !in.Number(&span.end_time_unix_nano) || !ReadEnum(in, &span.status.code) || !in.String(&host) ||
      !in.Number(&links_parent)) {
    return false;
  }
  model::Attributes& resource = row->resource.resource.attributes;
  if (!service.empty()) resource.push_back({std::string(model::kServiceNameKey), std::move(service)});
  if (!host.empty()) resource.push_back({"host.name", std::move(host)});
  if (links_parent != 0) span.links.push_back({.trace_id = span.trace_id, .span_id = span.parent_span_id});
  return true;
}

// The group of `out` with the row's resource and scope, added when new.
model::ScopeSpans& GroupFor(SpanRow& row, model::TraceBatch* out) {
  model::ResourceSpans* resource = nullptr;
  for (model::ResourceSpans& candidate : out->resource_spans) {
    if (candidate.resource == row.resource.resource && candidate.schema_url == row.resource.schema_url) {
      resource = &candidate;
      break;
    }
  }
  if (resource == nullptr) resource = &out->resource_spans.emplace_back(std::move(row.resource));
  for (model::ScopeSpans& candidate : resource->scope_spans) {
    if (candidate.scope == row.scope.scope && candidate.schema_url == row.scope.schema_url) return candidate;
  }
  return resource->scope_spans.emplace_back(std::move(row.scope));
}

}  // namespace

std::span<const Column> SpanColumns() { return kColumns; }

std::string SpanColumnList() {
  std::string list;
  for (const Column& column : kColumns) {
    if (!list.empty()) list += ", ";
    list += column.name;
  }
  return list;
}

std::string SelectList(RowColumns columns) {
  return columns == RowColumns::kAll ? SpanColumnList() : std::string(kTimingColumns);
}

std::string_view ServiceOf(const model::Resource& resource) {
  const AttributeValue* value = model::FindAttribute(resource.attributes, model::kServiceNameKey);
  const auto* text = value ? std::get_if<std::string>(value) : nullptr;
  return text ? std::string_view(*text) : std::string_view();
}

void AppendSpanRows(const model::TraceBatch& batch, std::string* out) {
  RowBinaryWriter writer(out);
  for (const model::ResourceSpans& resource_spans : batch.resource_spans) {
    const std::string_view service = ServiceOf(resource_spans.resource);
    for (const model::ScopeSpans& scope_spans : resource_spans.scope_spans) {
      for (const model::Span& span : scope_spans.spans) WriteSpanRow(writer, resource_spans, scope_spans, span, service);
    }
  }
}

bool DecodeTraces(std::string_view rows, const std::function<bool(const model::TraceBatch&)>& visit, bool* stopped,
                  RowColumns columns) {
  const auto read_row = columns == RowColumns::kAll ? ReadSpanRow : ReadTimingRow;
  *stopped = false;
  RowBinaryReader in(rows);
  model::TraceBatch trace;
  model::TraceId current;
  const auto flush = [&] {
    if (trace.resource_spans.empty()) return true;
    const bool go_on = visit(trace);
    trace = {};
    return go_on;
  };
  while (!in.AtEnd()) {
    SpanRow row;
    if (!read_row(in, &row)) return false;
    if (row.span.trace_id != current && !flush()) {
      *stopped = true;
      return true;
    }
    current = row.span.trace_id;
    GroupFor(row, &trace).spans.push_back(std::move(row.span));
  }
  *stopped = !flush();
  return true;
}

}  // namespace hoptrace::store::clickhouse
