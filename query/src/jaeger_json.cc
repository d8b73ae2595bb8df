// Model traces and store answers as Jaeger query-service JSON (see jaeger_api.h for the rules).

#include <algorithm>
#include <map>
#include <set>

#include "hoptrace/query/jaeger_api.h"
#include "json_writer.h"
#include "text.h"

namespace hoptrace::query {
namespace {

using internal::JsonWriter;

constexpr std::string_view kNoServiceName = "OTLPResourceNoServiceName";

// A Jaeger tag: key, type name and the JSON value.
struct Tag {
  std::string key;
  std::string_view type;
  std::string json_value;
};

std::string JsonText(const auto& write) {
  JsonWriter json;
  write(json);
  return json.Take();
}

std::string ArrayJsonText(const auto& items) {
  return JsonText([&](JsonWriter& json) {
    json.BeginArray();
    for (const auto& item : items) {
      using Item = std::decay_t<decltype(item)>;
      if constexpr (std::is_same_v<Item, std::string>) {
        json.String(item);
      } else if constexpr (std::is_same_v<Item, bool>) {
        json.Bool(item);
      } else if constexpr (std::is_same_v<Item, double>) {
        json.Double(item);
      } else {
        json.Int(item);
      }
    }
    json.EndArray();
  });
}

Tag StringTag(std::string key, std::string_view value) {
  return {std::move(key), "string", JsonText([&](JsonWriter& json) { json.String(value); })};
}

Tag AttributeTag(const model::Attribute& attribute) {
  return std::visit(
      [&](const auto& value) -> Tag {
        using V = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<V, std::string>) {
          return StringTag(attribute.key, value);
        } else if constexpr (std::is_same_v<V, bool>) {
          return {attribute.key, "bool", value ? "true" : "false"};
        } else if constexpr (std::is_same_v<V, std::int64_t>) {
          return {attribute.key, "int64", std::to_string(value)};
        } else if constexpr (std::is_same_v<V, double>) {
          return {attribute.key, "float64", JsonText([&](JsonWriter& json) { json.Double(value); })};
        } else {
          // Arrays: a string tag holding the array as JSON text, as the OTLP translator writes them.
          return StringTag(attribute.key, ArrayJsonText(value));
        }
      },
      attribute.value);
}

void SortByKey(std::vector<Tag>* tags, std::size_t from = 0) {
  std::stable_sort(tags->begin() + static_cast<std::ptrdiff_t>(from), tags->end(),
                   [](const Tag& a, const Tag& b) { return a.key < b.key; });
}

void WriteTags(const std::vector<Tag>& tags, JsonWriter& json) {
  json.BeginArray();
  for (const Tag& tag : tags) {
    json.BeginObject().Member("key", tag.key).Member("type", tag.type).Key("value").Raw(tag.json_value).EndObject();
  }
  json.EndArray();
}

std::vector<Tag> SpanTags(const model::Span& span, const model::InstrumentationScope& scope) {
  std::vector<Tag> tags;
  if (!scope.name.empty()) tags.push_back(StringTag("otel.scope.name", scope.name));
  if (!scope.version.empty()) tags.push_back(StringTag("otel.scope.version", scope.version));
  for (const model::Attribute& attribute : span.attributes) tags.push_back(AttributeTag(attribute));
  if (span.kind != model::SpanKind::kUnspecified) {
    tags.push_back(StringTag("span.kind", internal::ToLower(model::SpanKindName(span.kind))));
  }
  if (span.status.code != model::StatusCode::kUnset) {
    tags.push_back(StringTag("otel.status_code", model::StatusCodeName(span.status.code)));
  }
  if (span.status.code == model::StatusCode::kError) tags.push_back({"error", "bool", "true"});
  if (!span.status.message.empty()) tags.push_back(StringTag("otel.status_description", span.status.message));
  if (!span.trace_state.empty()) tags.push_back(StringTag("w3c.tracestate", span.trace_state));
  SortByKey(&tags);
  return tags;
}

void WriteLogs(const model::Span& span, JsonWriter& json) {
  json.BeginArray();
  for (const model::Event& event : span.events) {
    std::vector<Tag> fields;
    if (!event.name.empty()) fields.push_back(StringTag("event", event.name));
    for (const model::Attribute& attribute : event.attributes) fields.push_back(AttributeTag(attribute));
    SortByKey(&fields, event.name.empty() ? 0 : 1);  // `event` stays first
    json.BeginObject().Member("timestamp", event.time_unix_nano / 1000).Key("fields");
    WriteTags(fields, json);
    json.EndObject();
  }
  json.EndArray();
}

void WriteReference(std::string_view type, const model::TraceId& trace_id, const model::SpanId& span_id,
                    JsonWriter& json) {
  json.BeginObject()
      .Member("refType", type)
      .Member("traceID", JaegerTraceId(trace_id))
      .Member("spanID", span_id.ToHex())
      .EndObject();
}

void WriteSpan(const model::Span& span, const model::InstrumentationScope& scope, std::string_view process_id,
               JsonWriter& json) {
  json.BeginObject()
      .Member("traceID", JaegerTraceId(span.trace_id))
      .Member("spanID", span.span_id.ToHex())
      .Member("flags", span.flags & 0xFFu)
      .Member("operationName", span.name)
      .Key("references")
      .BeginArray();
  if (!span.IsRoot()) WriteReference("CHILD_OF", span.trace_id, span.parent_span_id, json);
  for (const model::Link& link : span.links) WriteReference("FOLLOWS_FROM", link.trace_id, link.span_id, json);
  json.EndArray()
      .Member("startTime", span.start_time_unix_nano / 1000)
      .Member("duration", span.DurationNanos() / 1000)
      .Key("tags");
  WriteTags(SpanTags(span, scope), json);
  json.Key("logs");
  WriteLogs(span, json);
  json.Member("processID", process_id).Key("warnings").Null().EndObject();
}

void WriteProcess(const model::Resource& resource, JsonWriter& json) {
  std::string_view service_name = kNoServiceName;
  std::vector<Tag> tags;
  for (const model::Attribute& attribute : resource.attributes) {
    const auto* text = std::get_if<std::string>(&attribute.value);
    if (attribute.key == model::kServiceNameKey && text != nullptr) {
      service_name = *text;
    } else {
      tags.push_back(AttributeTag(attribute));
    }
  }
  SortByKey(&tags);
  json.BeginObject().Member("serviceName", service_name).Key("tags");
  WriteTags(tags, json);
  json.EndObject();
}

void WriteTrace(const model::TraceBatch& trace, JsonWriter& json) {
  // Equal resources share one process, numbered in order of first appearance.
  std::vector<const model::Resource*> processes;
  std::vector<std::size_t> process_of_batch;
  for (const model::ResourceSpans& resource_spans : trace.resource_spans) {
    const auto same = std::find_if(processes.begin(), processes.end(),
                                   [&](const model::Resource* known) { return *known == resource_spans.resource; });
    process_of_batch.push_back(static_cast<std::size_t>(same - processes.begin()));
    if (same == processes.end()) processes.push_back(&resource_spans.resource);
  }
  const auto process_id = [](std::size_t index) { return "p" + std::to_string(index + 1); };

  model::TraceId trace_id;
  for (const auto& resource_spans : trace.resource_spans) {
    for (const auto& scope_spans : resource_spans.scope_spans) {
      if (!scope_spans.spans.empty() && !trace_id.IsValid()) trace_id = scope_spans.spans.front().trace_id;
    }
  }
  json.BeginObject().Member("traceID", JaegerTraceId(trace_id)).Key("spans").BeginArray();
  for (std::size_t i = 0; i < trace.resource_spans.size(); ++i) {
    const std::string process = process_id(process_of_batch[i]);
    for (const auto& scope_spans : trace.resource_spans[i].scope_spans) {
      for (const model::Span& span : scope_spans.spans) WriteSpan(span, scope_spans.scope, process, json);
    }
  }
  json.EndArray().Key("processes").BeginObject();
  for (std::size_t i = 0; i < processes.size(); ++i) {
    json.Key(process_id(i));
    WriteProcess(*processes[i], json);
  }
  json.EndObject().Key("warnings").Null().EndObject();
}

// Jaeger's structuredResponse around `data`, written by `write_data`.
std::string Envelope(std::size_t total, const auto& write_data, const auto& write_errors) {
  JsonWriter json;
  json.BeginObject().Key("data");
  write_data(json);
  json.Member("total", total).Member("limit", 0).Member("offset", 0).Key("errors");
  write_errors(json);
  json.EndObject();
  return json.Take();
}

std::string DataEnvelope(std::size_t total, const auto& write_data) {
  return Envelope(total, write_data, [](JsonWriter& json) { json.Null(); });
}

std::string StringListJson(const auto& names) {
  return DataEnvelope(names.size(), [&](JsonWriter& json) {
    json.BeginArray();
    for (const auto& name : names) json.String(name);
    json.EndArray();
  });
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string JaegerTraceId(const model::TraceId& trace_id) {
  const std::string hex = trace_id.ToHex();
  const bool high_is_zero = model::ReadBigEndian(trace_id.data(), 8) == 0;
  return high_is_zero ? hex.substr(16) : hex;
}

std::optional<model::TraceId> ParseJaegerTraceId(std::string_view hex) {
  if (hex.empty() || hex.size() > model::TraceId::kHexSize) return std::nullopt;
  model::TraceId id;
  auto& bytes = id.mutable_bytes();
  // Fill from the right: the last digit is the low nibble of the last byte.
  for (std::size_t i = 0; i < hex.size(); ++i) {
    const int digit = HexDigit(hex[hex.size() - 1 - i]);
    if (digit < 0) return std::nullopt;
    auto& byte = bytes[bytes.size() - 1 - i / 2];
    byte = static_cast<std::uint8_t>(byte | (i % 2 == 0 ? digit : digit << 4));
  }
  return id;
}

std::string JaegerTracesJson(const std::vector<model::TraceBatch>& traces, const std::vector<model::TraceId>& missing) {
  return Envelope(
      0,
      [&](JsonWriter& json) {
        json.BeginArray();
        for (const model::TraceBatch& trace : traces) WriteTrace(trace, json);
        json.EndArray();
      },
      [&](JsonWriter& json) {
        if (missing.empty()) {
          json.Null();
          return;
        }
        json.BeginArray();
        for (const model::TraceId& id : missing) {
          json.BeginObject().Member("msg", "trace not found").Member("traceID", JaegerTraceId(id)).EndObject();
        }
        json.EndArray();
      });
}

std::string JaegerServicesJson(const std::vector<std::string>& services) { return StringListJson(services); }

std::string JaegerOperationNamesJson(const std::vector<store::Operation>& operations) {
  std::set<std::string_view> names;
  for (const store::Operation& operation : operations) names.insert(operation.name);
  return StringListJson(names);
}

std::string JaegerOperationsJson(const std::vector<store::Operation>& operations) {
  return DataEnvelope(operations.size(), [&](JsonWriter& json) {
    json.BeginArray();
    for (const store::Operation& operation : operations) {
      const std::string kind =
          operation.kind == model::SpanKind::kUnspecified ? "" : internal::ToLower(model::SpanKindName(operation.kind));
      json.BeginObject().Member("name", operation.name).Member("spanKind", kind).EndObject();
    }
    json.EndArray();
  });
}

std::string JaegerDependenciesJson(const std::vector<store::DependencyLink>& links) {
  std::map<std::pair<std::string_view, std::string_view>, std::uint64_t> calls;
  for (const store::DependencyLink& link : links) calls[{link.parent, link.child}] += link.call_count;
  return DataEnvelope(0, [&](JsonWriter& json) {
    json.BeginArray();
    for (const auto& [edge, count] : calls) {
      json.BeginObject().Member("parent", edge.first).Member("child", edge.second).Member("callCount", count).EndObject();
    }
    json.EndArray();
  });
}

std::string JaegerErrorJson(unsigned code, std::string_view message) {
  return Envelope(
      0, [](JsonWriter& json) { json.Null(); },
      [&](JsonWriter& json) {
        json.BeginArray().BeginObject().Member("code", code).Member("msg", message).EndObject().EndArray();
      });
}

}  // namespace hoptrace::query
