// OTLP JSON → model, with simdjson's DOM parser. Accepts what ProtoJSON allows besides OTLP's own
// form: 64-bit integers as numbers or strings, enums as numbers or names, snake_case member
// names, null for "not set", unknown members (ignored).

#include <charconv>
#include <cmath>
#include <concepts>
#include <limits>
#include <optional>
#include <utility>

#include <simdjson.h>

#include "hoptrace/otlp/json_convert.h"
#include "text_encoding.h"
#include "value_convert.h"

namespace hoptrace::otlp {
namespace {

namespace dom = simdjson::dom;
using internal::ValueKind;

// Where the reader is in the document. Lives on the stack, costs nothing unless an error message
// needs it: then it renders as "resourceSpans[0].scopeSpans[1].spans[4].startTimeUnixNano".
struct Path {
  const Path* parent = nullptr;
  std::string_view key;  // member name; empty for an array element
  std::size_t index = 0;

  Path Member(std::string_view member) const { return Path{this, member, 0}; }
  Path Element(std::size_t i) const { return Path{this, {}, i}; }
  std::string ToString() const {
    if (parent == nullptr) return {};
    std::string text = parent->ToString();
    if (key.empty()) return text + "[" + std::to_string(index) + "]";
    return text.empty() ? std::string(key) : text + "." + std::string(key);
  }
};

// Member names in lowerCamelCase: "start_time_unix_nano" becomes "startTimeUnixNano" (in
// `buffer`), so each field is matched by one comparison whichever spelling the sender used.
std::string_view CamelCaseKey(std::string_view key, std::array<char, 64>& buffer) {
  if (key.find('_') == std::string_view::npos || key.size() > buffer.size()) return key;
  std::size_t length = 0;
  bool upper_next = false;
  for (char c : key) {
    if (c == '_') {
      upper_next = true;
      continue;
    }
    buffer[length++] = upper_next && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    upper_next = false;
  }
  return {buffer.data(), length};
}

ValueKind ValueKindOfKey(std::string_view key) {
  for (std::size_t i = 1; i < internal::kJsonValueKeys.size(); ++i) {
    if (internal::kJsonValueKeys[i] == key) return static_cast<ValueKind>(i);
  }
  return ValueKind::kNone;
}

// For integers written as JSON numbers with a fraction or exponent ("5.0", "1e3").
template <typename Int>
bool IsIntegralDoubleInRange(double value) {
  const double limit = std::ldexp(1.0, std::numeric_limits<Int>::digits);  // 2^63 for int64
  return std::trunc(value) == value && value >= static_cast<double>(std::numeric_limits<Int>::min()) &&
         value < limit;
}

// The IDs of a span as written (hex text), decoded once all members are read.
struct SpanIdTexts {
  std::string_view trace_id;
  std::string_view span_id;
  std::string_view parent_span_id;
};

bool ParseSpanKindName(const std::string& name, std::int64_t* number) {
  pb::trace::v1::Span::SpanKind kind{};
  if (!pb::trace::v1::Span::SpanKind_Parse(name, &kind)) return false;
  *number = kind;
  return true;
}

bool ParseStatusCodeName(const std::string& name, std::int64_t* number) {
  pb::trace::v1::Status::StatusCode code{};
  if (!pb::trace::v1::Status::StatusCode_Parse(name, &code)) return false;
  *number = code;
  return true;
}

class JsonReader {
 public:
  JsonReader(DecodeReport* report, std::string* error) : report_(report), error_(error) {}

  bool ReadRequest(dom::element root, model::TraceBatch* out) {
    return ForEachField(root, Path{}, [&](std::string_view key, dom::element member, const Path& at) {
      if (key != "resourceSpans") return true;
      return ForEachElement(member, at, [&](dom::element item, const Path& item_at) {
        return ReadResourceSpans(item, item_at, &out->resource_spans.emplace_back());
      });
    });
  }

 private:
  bool Fail(const Path& path, std::string_view problem) {
    const std::string where = path.ToString();
    *error_ = (where.empty() ? std::string("$") : where) + ": " + std::string(problem);
    return false;
  }

  // Calls on_field(camelCaseKey, value, path) for each member of an object; false stops (error
  // already set). Null members are skipped: ProtoJSON reads null as "not set".
  template <typename OnField>
  bool ForEachField(dom::element value, const Path& path, OnField&& on_field) {
    dom::object object;
    if (value.get_object().get(object) != simdjson::SUCCESS) return Fail(path, "expected an object");
    std::array<char, 64> key_buffer;
    for (const dom::key_value_pair field : object) {
      if (field.value.is_null()) continue;
      if (!on_field(CamelCaseKey(field.key, key_buffer), field.value, path.Member(field.key))) return false;
    }
    return true;
  }

  template <typename OnElement>
  bool ForEachElement(dom::element value, const Path& path, OnElement&& on_element) {
    dom::array array;
    if (value.get_array().get(array) != simdjson::SUCCESS) return Fail(path, "expected an array");
    std::size_t index = 0;
    for (const dom::element item : array) {
      if (!on_element(item, path.Element(index++))) return false;
    }
    return true;
  }

  // ArrayValue and KeyValueList: {"values": [...]}.
  template <typename OnElement>
  bool ForEachOfValues(dom::element value, const Path& path, OnElement&& on_element) {
    return ForEachField(value, path, [&](std::string_view key, dom::element member, const Path& at) {
      return key != "values" || ForEachElement(member, at, on_element);
    });
  }

  // ---- scalars ----

  bool Read(dom::element value, const Path& path, std::string_view* out) {
    if (value.get_string().get(*out) != simdjson::SUCCESS) return Fail(path, "expected a string");
    return true;
  }
  bool Read(dom::element value, const Path& path, std::string* out) {
    std::string_view text;
    if (!Read(value, path, &text)) return false;
    out->assign(text);
    return true;
  }
  bool Read(dom::element value, const Path& path, bool* out) {
    if (value.get_bool().get(*out) != simdjson::SUCCESS) return Fail(path, "expected true or false");
    return true;
  }
  bool Read(dom::element value, const Path& path, double* out) {
    std::string_view text;
    if (value.is_number()) {
      *out = value.get_double().value_unsafe();  // converts integer tape entries too
    } else if (value.get_string().get(text) != simdjson::SUCCESS || !internal::ParseDoubleText(text, out)) {
      return Fail(path, R"(expected a number or "NaN", "Infinity", "-Infinity")");
    }
    return true;
  }
  // Any integer field: a JSON number (also 1e3 or 5.0, as ProtoJSON allows) or a decimal string.
  template <std::integral Int>
  bool Read(dom::element value, const Path& path, Int* out) {
    constexpr std::string_view kExpected = "expected an integer or a decimal string";
    constexpr std::string_view kOutOfRange = "integer out of range";
    switch (value.type()) {
      case dom::element_type::INT64: {
        const std::int64_t number = value.get_int64().value_unsafe();
        if (!std::in_range<Int>(number)) return Fail(path, kOutOfRange);
        *out = static_cast<Int>(number);
        return true;
      }
      case dom::element_type::UINT64: {
        const std::uint64_t number = value.get_uint64().value_unsafe();
        if (!std::in_range<Int>(number)) return Fail(path, kOutOfRange);
        *out = static_cast<Int>(number);
        return true;
      }
      case dom::element_type::DOUBLE: {
        const double number = value.get_double().value_unsafe();
        if (!IsIntegralDoubleInRange<Int>(number)) return Fail(path, kExpected);
        *out = static_cast<Int>(number);
        return true;
      }
      case dom::element_type::STRING: {
        const std::string_view text = value.get_string().value_unsafe();
        const char* end = text.data() + text.size();
        const auto result = std::from_chars(text.data(), end, *out);
        if (result.ec == std::errc::result_out_of_range) return Fail(path, kOutOfRange);
        if (result.ec != std::errc() || result.ptr != end || text.empty()) return Fail(path, kExpected);
        return true;
      }
      default: return Fail(path, kExpected);
    }
  }
  // Enums are numbers in OTLP JSON; ProtoJSON also allows their names ("SPAN_KIND_SERVER").
  bool ReadEnum(dom::element value, const Path& path, bool (*parse_name)(const std::string&, std::int64_t*),
                std::int64_t* out) {
    std::string_view name;
    if (value.get_string().get(name) != simdjson::SUCCESS) return Read(value, path, out);
    if (!parse_name(std::string(name), out)) return Fail(path, "unknown enum name \"" + std::string(name) + "\"");
    return true;
  }

  // ---- attributes ----

  template <typename Scalar>
  bool ReadScalarValue(dom::element value, const Path& path, model::AttributeValue* out) {
    Scalar scalar{};
    if (!Read(value, path, &scalar)) return false;
    *out = scalar;
    return true;
  }

  bool ReadBytesValue(dom::element value, const Path& path, model::AttributeValue* out) {
    std::string_view text;
    if (!Read(value, path, &text)) return false;
    // Decoded and encoded again so any base64 spelling ends up as the protobuf path writes it.
    std::string bytes;
    if (!internal::DecodeBase64(text, &bytes)) return Fail(path, "expected a base64 string");
    internal::AppendBase64(bytes, &internal::ResetToString(out));
    return true;
  }

  // `nested_json` receives the plain JSON text of an array or kvlist (see ArrayValueBuilder).
  bool ReadArrayValue(dom::element value, const Path& path, model::AttributeValue* out, std::string* nested_json) {
    internal::ArrayValueBuilder array(nested_json != nullptr);
    model::AttributeValue element;
    ValueKind element_kind = ValueKind::kNone;
    std::string element_json;
    const bool ok = ForEachOfValues(value, path, [&](dom::element item, const Path& at) {
      if (!ReadAnyValue(item, at, &element, &element_kind, &element_json)) return false;
      array.Add(std::move(element), element_kind, element_json);
      return true;
    });
    array.Finish(out, nested_json);
    return ok;
  }

  bool ReadKvlistValue(dom::element value, const Path& path, model::AttributeValue* out, std::string* nested_json) {
    internal::KvlistTextBuilder kvlist;
    std::string key;
    model::AttributeValue element;
    ValueKind element_kind = ValueKind::kNone;
    std::string element_json;
    const bool ok = ForEachOfValues(value, path, [&](dom::element item, const Path& at) {
      if (!ReadKeyValue(item, at, &key, &element, &element_kind, &element_json)) return false;
      kvlist.Add(key, element, element_kind, element_json);
      return true;
    });
    kvlist.Finish(out, nested_json);
    return ok;
  }

  // An AnyValue object; `kind` says which member it held (kNone: none, read as an empty string).
  bool ReadAnyValue(dom::element value, const Path& path, model::AttributeValue* out, ValueKind* kind,
                    std::string* nested_json) {
    *kind = ValueKind::kNone;
    internal::ResetToString(out);
    return ForEachField(value, path, [&](std::string_view key, dom::element member, const Path& at) {
      const ValueKind member_kind = ValueKindOfKey(key);
      if (member_kind != ValueKind::kNone) *kind = member_kind;
      switch (member_kind) {
        case ValueKind::kString: return Read(member, at, &internal::ResetToString(out));
        case ValueKind::kBool: return ReadScalarValue<bool>(member, at, out);
        case ValueKind::kInt: return ReadScalarValue<std::int64_t>(member, at, out);
        case ValueKind::kDouble: return ReadScalarValue<double>(member, at, out);
        case ValueKind::kArray: return ReadArrayValue(member, at, out, nested_json);
        case ValueKind::kKvlist: return ReadKvlistValue(member, at, out, nested_json);
        case ValueKind::kBytes: return ReadBytesValue(member, at, out);
        case ValueKind::kNone: return true;  // an unknown member
      }
      return true;
    });
  }

  bool ReadKeyValue(dom::element value, const Path& path, std::string* key, model::AttributeValue* out,
                    ValueKind* kind, std::string* nested_json = nullptr) {
    key->clear();
    internal::ResetToString(out);  // a KeyValue without "value" holds an empty AnyValue
    *kind = ValueKind::kNone;
    return ForEachField(value, path, [&](std::string_view member_key, dom::element member, const Path& at) {
      if (member_key == "key") return Read(member, at, key);
      if (member_key == "value") return ReadAnyValue(member, at, out, kind, nested_json);
      return true;
    });
  }

  // The "attributes" and "droppedAttributesCount" members that resources, scopes, spans, events
  // and links share. nullopt when `key` is neither.
  std::optional<bool> ReadAttributesMember(std::string_view key, dom::element member, const Path& at,
                                           model::Attributes* attributes, std::uint32_t* dropped) {
    if (key == "droppedAttributesCount") return Read(member, at, dropped);
    if (key != "attributes") return std::nullopt;
    return ForEachElement(member, at, [&](dom::element item, const Path& item_at) {
      model::Attribute& attribute = attributes->emplace_slot();
      ValueKind kind = ValueKind::kNone;
      return ReadKeyValue(item, item_at, &attribute.key, &attribute.value, &kind);
    });
  }

  // ---- trace structure ----

  bool ReadResource(dom::element value, const Path& path, model::Resource* out) {
    return ForEachField(value, path, [&](std::string_view key, dom::element member, const Path& at) {
      return ReadAttributesMember(key, member, at, &out->attributes, &out->dropped_attributes_count).value_or(true);
    });
  }

  bool ReadScope(dom::element value, const Path& path, model::InstrumentationScope* out) {
    return ForEachField(value, path, [&](std::string_view key, dom::element member, const Path& at) {
      if (key == "name") return Read(member, at, &out->name);
      if (key == "version") return Read(member, at, &out->version);
      return ReadAttributesMember(key, member, at, &out->attributes, &out->dropped_attributes_count).value_or(true);
    });
  }

  bool ReadResourceSpans(dom::element value, const Path& path, model::ResourceSpans* out) {
    return ForEachField(value, path, [&](std::string_view key, dom::element member, const Path& at) {
      if (key == "resource") return ReadResource(member, at, &out->resource);
      if (key == "schemaUrl") return Read(member, at, &out->schema_url);
      if (key != "scopeSpans") return true;
      return ForEachElement(member, at, [&](dom::element item, const Path& item_at) {
        return ReadScopeSpans(item, item_at, &out->scope_spans.emplace_back());
      });
    });
  }

  bool ReadScopeSpans(dom::element value, const Path& path, model::ScopeSpans* out) {
    return ForEachField(value, path, [&](std::string_view key, dom::element member, const Path& at) {
      if (key == "scope") return ReadScope(member, at, &out->scope);
      if (key == "schemaUrl") return Read(member, at, &out->schema_url);
      if (key != "spans") return true;
      return ForEachElement(member, at, [&](dom::element item, const Path& item_at) {
        return ReadSpan(item, item_at, &out->spans);
      });
    });
  }

  bool ReadEvent(dom::element value, const Path& path, model::Event* out) {
    return ForEachField(value, path, [&](std::string_view key, dom::element member, const Path& at) {
      if (key == "timeUnixNano") return Read(member, at, &out->time_unix_nano);
      if (key == "name") return Read(member, at, &out->name);
      return ReadAttributesMember(key, member, at, &out->attributes, &out->dropped_attributes_count).value_or(true);
    });
  }

  // A link whose IDs are unusable leaves its reason in `id_problem` (if that is still empty): the
  // span is then skipped, as for its own IDs.
  bool ReadLink(dom::element value, const Path& path, model::Link* out, std::string* id_problem) {
    std::string_view trace_id;
    std::string_view span_id;
    const bool ok = ForEachField(value, path, [&](std::string_view key, dom::element member, const Path& at) {
      if (key == "traceId") return Read(member, at, &trace_id);
      if (key == "spanId") return Read(member, at, &span_id);
      if (key == "traceState") return Read(member, at, &out->trace_state);
      if (key == "flags") return Read(member, at, &out->flags);
      return ReadAttributesMember(key, member, at, &out->attributes, &out->dropped_attributes_count).value_or(true);
    });
    if (!ok || !id_problem->empty()) return ok;
    std::string problem;
    if (!internal::DecodeId(trace_id, kHex, internal::IdRule::kOptional, "link traceId", &out->trace_id, &problem) ||
        !internal::DecodeId(span_id, kHex, internal::IdRule::kOptional, "link spanId", &out->span_id, &problem)) {
      *id_problem = std::move(problem);
    }
    return true;
  }

  bool ReadStatus(dom::element value, const Path& path, model::Status* out) {
    return ForEachField(value, path, [&](std::string_view key, dom::element member, const Path& at) {
      if (key == "message") return Read(member, at, &out->message);
      if (key != "code") return true;
      std::int64_t code = 0;
      if (!ReadEnum(member, at, ParseStatusCodeName, &code)) return false;
      out->code = internal::StatusCodeFromNumber(code);
      return true;
    });
  }

  // Members other than the IDs, which ReadSpan collects as text.
  bool ReadSpanMember(std::string_view key, dom::element member, const Path& at, model::Span* span,
                      std::string* id_problem) {
    if (key == "traceState") return Read(member, at, &span->trace_state);
    if (key == "flags") return Read(member, at, &span->flags);
    if (key == "name") return Read(member, at, &span->name);
    if (key == "kind") {
      std::int64_t kind = 0;
      if (!ReadEnum(member, at, ParseSpanKindName, &kind)) return false;
      span->kind = internal::SpanKindFromNumber(kind);
      return true;
    }
    if (key == "startTimeUnixNano") return Read(member, at, &span->start_time_unix_nano);
    if (key == "endTimeUnixNano") return Read(member, at, &span->end_time_unix_nano);
    if (key == "events") {
      return ForEachElement(member, at, [&](dom::element item, const Path& item_at) {
        return ReadEvent(item, item_at, &span->events.emplace_slot());
      });
    }
    if (key == "droppedEventsCount") return Read(member, at, &span->dropped_events_count);
    if (key == "links") {
      return ForEachElement(member, at, [&](dom::element item, const Path& item_at) {
        return ReadLink(item, item_at, &span->links.emplace_slot(), id_problem);
      });
    }
    if (key == "droppedLinksCount") return Read(member, at, &span->dropped_links_count);
    if (key == "status") return ReadStatus(member, at, &span->status);
    return ReadAttributesMember(key, member, at, &span->attributes, &span->dropped_attributes_count).value_or(true);
  }

  bool ReadSpan(dom::element value, const Path& path, std::vector<model::Span>* spans) {
    model::Span& span = spans->emplace_back();
    span.kind = model::SpanKind::kUnspecified;  // OTLP's default when "kind" is absent
    SpanIdTexts ids;
    std::string id_problem;
    const bool ok = ForEachField(value, path, [&](std::string_view key, dom::element member, const Path& at) {
      if (key == "traceId") return Read(member, at, &ids.trace_id);
      if (key == "spanId") return Read(member, at, &ids.span_id);
      if (key == "parentSpanId") return Read(member, at, &ids.parent_span_id);
      return ReadSpanMember(key, member, at, &span, &id_problem);
    });
    if (!ok) return false;
    if (id_problem.empty()) DecodeSpanIds(ids, &span, &id_problem);
    if (id_problem.empty()) {
      ++report_->accepted_spans;
    } else {
      spans->pop_back();
      internal::RejectSpan(span_index_, id_problem, report_);
    }
    ++span_index_;
    return true;
  }

  static void DecodeSpanIds(const SpanIdTexts& ids, model::Span* span, std::string* problem) {
    using internal::IdRule;
    (void)(internal::DecodeId(ids.trace_id, kHex, IdRule::kRequired, "traceId", &span->trace_id, problem) &&
           internal::DecodeId(ids.span_id, kHex, IdRule::kRequired, "spanId", &span->span_id, problem) &&
           internal::DecodeId(ids.parent_span_id, kHex, IdRule::kOptional, "parentSpanId", &span->parent_span_id,
                              problem));
  }

  static constexpr internal::IdEncoding kHex = internal::IdEncoding::kHex;
  DecodeReport* report_;
  std::string* error_;
  std::size_t span_index_ = 0;
};

}  // namespace

bool ParseJson(std::string_view json, model::TraceBatch* out, DecodeReport* report, std::string* error) {
  // One parser per thread keeps its buffers warm across requests.
  thread_local dom::parser parser;
  *report = DecodeReport{};
  dom::element root;
  if (const auto code = parser.parse(json.data(), json.size()).get(root); code != simdjson::SUCCESS) {
    *error = std::string("invalid JSON: ") + simdjson::error_message(code);
    return false;
  }
  const std::size_t resource_spans_before = out->resource_spans.size();
  if (!JsonReader(report, error).ReadRequest(root, out)) {
    // Leave `out` as it was: a request is taken whole or not at all.
    out->resource_spans.resize(resource_spans_before);
    *report = DecodeReport{};
    return false;
  }
  return true;
}

}  // namespace hoptrace::otlp
