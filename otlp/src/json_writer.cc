// model → OTLP JSON. Appends into one std::string; default (zero / empty) fields are omitted, as
// the OTLP JSON encoding allows, which keeps the output small.


#include "hoptrace/otlp/json_convert.h"
#include "text_encoding.h"
#include "value_convert.h"

namespace hoptrace::otlp {
namespace {

using internal::AppendDecimal;
using internal::AppendJsonString;

// Writes one JSON object: `{` on construction, `}` on destruction, commas between members.
class JsonObject {
 public:
  explicit JsonObject(std::string* out) : out_(out) { out_->push_back('{'); }
  ~JsonObject() { out_->push_back('}'); }
  JsonObject(const JsonObject&) = delete;
  JsonObject& operator=(const JsonObject&) = delete;

  // Starts a member and returns the buffer to write its value into.
  std::string* Key(std::string_view key) {
    if (!first_) out_->push_back(',');
    first_ = false;
    out_->push_back('"');
    out_->append(key);
    out_->append("\":");
    return out_;
  }
  void String(std::string_view key, std::string_view value) {
    if (!value.empty()) AppendJsonString(value, Key(key));
  }
  // 32-bit integers (and enums) are JSON numbers.
  void Number(std::string_view key, std::uint32_t value) {
    if (value != 0) AppendDecimal(std::uint64_t{value}, Key(key));
  }
  // 64-bit integers are decimal strings: JSON numbers lose precision above 2^53 in many readers.
  void QuotedNumber(std::string_view key, std::uint64_t value) {
    if (value == 0) return;
    Key(key)->push_back('"');
    AppendDecimal(value, out_);
    out_->push_back('"');
  }
  // OTLP JSON writes IDs as lower-case hex, not base64 as plain ProtoJSON would.
  template <std::size_t N>
  void Id(std::string_view key, const model::ByteId<N>& id) {
    Key(key)->push_back('"');
    const std::size_t at = out_->size();
    out_->resize(at + 2 * N);
    id.WriteHex(out_->data() + at);
    out_->push_back('"');
  }
  // A JSON array of `items`, each written by `write(item, out)`; omitted when empty.
  template <typename Items, typename Write>
  void Array(std::string_view key, const Items& items, Write&& write) {
    if (items.empty()) return;
    Key(key)->push_back('[');
    bool first = true;
    for (const auto& item : items) {
      if (!first) out_->push_back(',');
      first = false;
      write(item, out_);
    }
    out_->push_back(']');
  }

 private:
  std::string* out_;
  bool first_ = true;
};

void AppendScalarValue(const std::string& s, std::string* out) { AppendJsonString(s, out); }
void AppendScalarValue(bool b, std::string* out) { out->append(b ? "true" : "false"); }
void AppendScalarValue(std::int64_t v, std::string* out) {
  out->push_back('"');
  AppendDecimal(v, out);
  out->push_back('"');
}
void AppendScalarValue(double v, std::string* out) { internal::AppendJsonDouble(v, out); }

// {"intValue":"5"} and the like.
template <typename Scalar>
void AppendScalarAnyValue(const Scalar& value, std::string* out) {
  JsonObject object(out);
  AppendScalarValue(value, object.Key(internal::kJsonValueKeys[static_cast<int>(internal::ScalarKind<Scalar>())]));
}

void AppendAnyValue(const model::AttributeValue& value, std::string* out) {
  bool array = false;
  bool first = true;
  internal::VisitAttributeValue(
      value, [out](const auto& scalar) { AppendScalarAnyValue(scalar, out); },
      [&](std::size_t) {
        // Always write "values", so an empty array still reads back as an array.
        array = true;
        out->append(R"({"arrayValue":{"values":[)");
      },
      [&](const auto& item) {
        if (!first) out->push_back(',');
        first = false;
        AppendScalarAnyValue(item, out);
      });
  if (array) out->append("]}}");
}

void AppendAttribute(const model::Attribute& attribute, std::string* out) {
  JsonObject object(out);
  AppendJsonString(attribute.key, object.Key("key"));
  AppendAnyValue(attribute.value, object.Key("value"));
}

void AppendAttributes(JsonObject& object, const model::Attributes& attributes, std::uint32_t dropped) {
  object.Array("attributes", attributes, AppendAttribute);
  object.Number("droppedAttributesCount", dropped);
}

void AppendEvent(const model::Event& event, std::string* out) {
  JsonObject object(out);
  object.QuotedNumber("timeUnixNano", event.time_unix_nano);
  object.String("name", event.name);
  AppendAttributes(object, event.attributes, event.dropped_attributes_count);
}

void AppendLink(const model::Link& link, std::string* out) {
  JsonObject object(out);
  object.Id("traceId", link.trace_id);
  object.Id("spanId", link.span_id);
  object.String("traceState", link.trace_state);
  AppendAttributes(object, link.attributes, link.dropped_attributes_count);
  object.Number("flags", link.flags);
}

void AppendStatus(const model::Status& status, std::string* out) {
  JsonObject object(out);
  object.String("message", status.message);
  object.Number("code", static_cast<std::uint32_t>(status.code));
}

void AppendResource(const model::Resource& resource, std::string* out) {
  JsonObject object(out);
  AppendAttributes(object, resource.attributes, resource.dropped_attributes_count);
}

void AppendScope(const model::InstrumentationScope& scope, std::string* out) {
  JsonObject object(out);
  object.String("name", scope.name);
  object.String("version", scope.version);
  AppendAttributes(object, scope.attributes, scope.dropped_attributes_count);
}

void AppendScopeSpans(const model::ScopeSpans& scope_spans, std::string* out) {
  JsonObject object(out);
  AppendScope(scope_spans.scope, object.Key("scope"));
  object.Array("spans", scope_spans.spans, [](const model::Span& span, std::string* o) { AppendJson(span, o); });
  object.String("schemaUrl", scope_spans.schema_url);
}

void AppendResourceSpans(const model::ResourceSpans& resource_spans, std::string* out) {
  JsonObject object(out);
  AppendResource(resource_spans.resource, object.Key("resource"));
  object.Array("scopeSpans", resource_spans.scope_spans, AppendScopeSpans);
  object.String("schemaUrl", resource_spans.schema_url);
}

}  // namespace

void AppendJson(const model::Span& span, std::string* out) {
  JsonObject object(out);
  object.Id("traceId", span.trace_id);
  object.Id("spanId", span.span_id);
  object.String("traceState", span.trace_state);
  if (span.parent_span_id.IsValid()) object.Id("parentSpanId", span.parent_span_id);
  object.Number("flags", span.flags);
  object.String("name", span.name);
  object.Number("kind", static_cast<std::uint32_t>(span.kind));
  object.QuotedNumber("startTimeUnixNano", span.start_time_unix_nano);
  object.QuotedNumber("endTimeUnixNano", span.end_time_unix_nano);
  AppendAttributes(object, span.attributes, span.dropped_attributes_count);
  object.Array("events", span.events, AppendEvent);
  object.Number("droppedEventsCount", span.dropped_events_count);
  object.Array("links", span.links, AppendLink);
  object.Number("droppedLinksCount", span.dropped_links_count);
  if (span.status != model::Status{}) AppendStatus(span.status, object.Key("status"));
}

std::string ToJson(const model::TraceBatch& batch) {
  std::string out;
  out.reserve(256 + 512 * batch.SpanCount());  // a typical span with a few attributes
  {
    JsonObject object(&out);  // closes the object when the block ends, before `out` is returned
    object.Array("resourceSpans", batch.resource_spans, AppendResourceSpans);
  }
  return out;
}

}  // namespace hoptrace::otlp
