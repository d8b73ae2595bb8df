#pragma once
// Conversion rules shared by the protobuf and the JSON paths, so that both decode the same OTLP
// data to the same model values and refuse the same spans with the same words.
//
// What the model cannot hold directly (it only has strings, bools, int64, doubles and homogeneous
// arrays of those) is kept as text:
//   - bytes values      → standard base64 string (what OTLP JSON uses for bytes, so both paths agree)
//   - kvlist values     → compact JSON object text, e.g. {"a":1,"b":"x"}; nested kvlists nest as objects
//   - mixed arrays      → array of strings, each element as text (ints in decimal, bools true/false,
//                         nested arrays/kvlists as JSON text)
//   - an empty AnyValue → empty string; an empty array → empty string array

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include "hoptrace/model/attribute.h"
#include "hoptrace/model/ids.h"
#include "hoptrace/model/span.h"
#include "hoptrace/otlp/proto_convert.h"

namespace hoptrace::otlp::internal {

// OTLP AnyValue kinds. The numbers are AnyValue's oneof field numbers, so a protobuf value_case()
// converts with a cast.
enum class ValueKind : std::uint8_t {
  kNone = 0,
  kString = 1,
  kBool = 2,
  kInt = 3,
  kDouble = 4,
  kArray = 5,
  kKvlist = 6,
  kBytes = 7,
};

// The OTLP JSON member name of each kind, indexed by ValueKind.
inline constexpr std::array<std::string_view, 8> kJsonValueKeys = {
    "", "stringValue", "boolValue", "intValue", "doubleValue", "arrayValue", "kvlistValue", "bytesValue"};

// The kind of the model's scalar C++ types (std::string, bool, std::int64_t, double).
template <typename T>
constexpr ValueKind ScalarKind() {
  if constexpr (std::is_same_v<T, bool>) {
    return ValueKind::kBool;
  } else if constexpr (std::is_same_v<T, std::int64_t>) {
    return ValueKind::kInt;
  } else if constexpr (std::is_same_v<T, double>) {
    return ValueKind::kDouble;
  } else {
    return ValueKind::kString;
  }
}

// The model's scalar attribute types; the other AttributeValue alternatives are vectors of them.
template <typename T>
inline constexpr bool kIsScalar = std::is_same_v<T, std::string> || std::is_same_v<T, bool> ||
                                  std::is_same_v<T, std::int64_t> || std::is_same_v<T, double>;

// Calls on_scalar(v) for a scalar value, or on_item(item) for each element of an array value
// (after on_array_begin(size)), with elements as their own type even for std::vector<bool>.
template <typename OnScalar, typename OnArrayBegin, typename OnItem>
void VisitAttributeValue(const model::AttributeValue& value, OnScalar&& on_scalar, OnArrayBegin&& on_array_begin,
                         OnItem&& on_item) {
  std::visit(
      [&](const auto& v) {
        using V = std::decay_t<decltype(v)>;
        if constexpr (kIsScalar<V>) {
          on_scalar(v);
        } else {
          on_array_begin(v.size());
          for (const auto& item : v) on_item(static_cast<typename V::value_type>(item));
        }
      },
      value);
}

// Appends `value` as plain JSON (not OTLP's {"intValue":...} form): strings quoted, numbers bare.
void AppendPlainJson(const model::AttributeValue& value, std::string* out);

// Builds a model array from ArrayValue elements, which OTLP allows to be of mixed kinds. The first
// element picks the array type; an element of another type or a nested array turns the array into
// strings. Nested arrays and kvlists become their plain JSON text, which an enclosing array or kvlist
// nests as is: no level escapes another level's text, so the text grows linearly with the input
// (escaping it again at every level doubles it per level: a small request would never finish).
class ArrayValueBuilder {
 public:
  // `want_json`: also render the array as plain JSON text (for an enclosing array or kvlist).
  explicit ArrayValueBuilder(bool want_json) : want_json_(want_json) {}
  // `nested_json` is the element's plain JSON text when `kind` is kArray or kKvlist.
  void Add(model::AttributeValue&& element, ValueKind kind, std::string_view nested_json);
  // `json` receives the array's plain JSON text when the builder was asked for it.
  void Finish(model::AttributeValue* out, std::string* json);

 private:
  void ConvertToStrings();
  model::AttributeValue array_ = std::vector<std::string>();
  bool empty_ = true;
  bool want_json_;
  std::string json_ = "[";
};

// Renders a KeyValueList as compact JSON object text.
class KvlistTextBuilder {
 public:
  // `nested_json` is the value's plain JSON text when `kind` is kArray or kKvlist (nested as is).
  void Add(std::string_view key, const model::AttributeValue& value, ValueKind kind, std::string_view nested_json);
  void Finish(model::AttributeValue* out, std::string* json);

 private:
  std::string text_ = "{";
};

inline bool IsNestedKind(ValueKind kind) { return kind == ValueKind::kArray || kind == ValueKind::kKvlist; }

// Converts one protobuf AnyValue as FromProto does; returns what kind it was. For arrays and kvlists
// `nested_json` (when not null) receives their plain JSON text, for an enclosing array or kvlist.
ValueKind FromAnyValue(const pb::common::v1::AnyValue& value, model::AttributeValue* out,
                       std::string* nested_json = nullptr);

// Sets `*out` to an empty string, reusing its buffer where it already holds one.
std::string& ResetToString(model::AttributeValue* out);

// Enum numbers outside the model's range decode as "unspecified" / "unset", as the proto3 spec
// asks receivers to treat unknown enum values.
model::SpanKind SpanKindFromNumber(std::int64_t number);
model::StatusCode StatusCodeFromNumber(std::int64_t number);

// How IDs arrive: raw bytes in protobuf, hex text in JSON.
enum class IdEncoding { kBytes, kHex };
// Span and trace IDs of a span are required (right size, not all zero); a parent span ID and a
// link's IDs may be empty (OpenTelemetry records links with invalid contexts too).
enum class IdRule { kRequired, kOptional };

// Decodes one ID field. On failure returns false with `problem` saying why in plain words, e.g.
// "trace_id must be 16 bytes, got 15" or "traceId is all zero". `name` is the field's name.
template <std::size_t N>
bool DecodeId(std::string_view encoded, IdEncoding encoding, IdRule rule, std::string_view name,
              model::ByteId<N>* out, std::string* problem);

// Counts a skipped span, keeping the first problem as "span 3: trace_id is all zero". `span_index`
// counts spans from 0 across the whole request.
void RejectSpan(std::size_t span_index, std::string_view problem, DecodeReport* report);

}  // namespace hoptrace::otlp::internal
