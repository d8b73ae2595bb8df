#pragma once
// KeyValue and AnyValue at the wire level, shared by the scanner (which validates every nested
// value as libprotobuf would) and the attribute readers (which trust bytes a scan accepted).

#include <cstdint>
#include <cstring>
#include <string_view>

#include "hoptrace/otlp/wire.h"
#include "value_convert.h"
#include "wire_format.h"

namespace hoptrace::otlp::wire::internal {

using otlp::internal::ValueKind;

// Why a scan refused a request.
enum class Problem : std::uint8_t { kNone, kMalformed, kInvalidUtf8, kTooDeep, kMerge };

// Validation on the way: a null Check* reads without validating nested values.
struct Check {
  Problem problem = Problem::kNone;
  bool Fail(Problem why) {
    if (problem == Problem::kNone) problem = why;
    return false;
  }
};

// An AnyValue while its fields are read: protobuf's oneof rule (the last field wins) except that a
// second array (or kvlist) following the first merges into it, which one view cannot show.
struct AnyValueState {
  ValueKind kind = ValueKind::kNone;
  std::string_view payload;  // string, bytes, array and kvlist values
  std::string_view field;    // the deciding field, tag included: an AnyValue encoding of the value
  std::uint64_t number = 0;  // bool and int varints, double bits
  bool needs_merge = false;
};

// The encoding every OTLP exporter writes for a scalar attribute: key (field 1) then value (field 2)
// holding one string, bool, int, double or bytes member, all lengths below 128. Read without a
// Reader; anything else takes the general path.
enum class FastPath { kRead, kNotCanonical, kInvalidUtf8 };

[[gnu::always_inline]] inline FastPath ReadCanonicalKeyValue(std::string_view bytes, bool validate, std::string_view* key, AnyValueState* value) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(bytes.data());
  const std::size_t size = bytes.size();
  if (size < 4 || p[0] != 0x0a || p[1] >= 0x80) return FastPath::kNotCanonical;
  const std::size_t key_size = p[1];
  const std::size_t value_at = 2 + key_size + 2;  // the AnyValue's first byte
  if (value_at > size || p[value_at - 2] != 0x12 || p[value_at - 1] != size - value_at) return FastPath::kNotCanonical;
  const std::uint8_t* v = p + value_at;
  const std::size_t value_size = size - value_at;
  if (value_size < 2) return FastPath::kNotCanonical;
  const std::uint8_t tag = v[0];
  const auto member = static_cast<ValueKind>(tag >> 3);
  const auto field_bytes = std::string_view(bytes.data() + value_at, value_size);
  // Views made in place: substr's range check is a call the bounds above already make needless.
  const auto key_bytes = std::string_view(bytes.data() + 2, key_size);
  // Ifs, most frequent first: value kinds vary from one attribute to the next, and a jump table on
  // them mispredicts more.
  if (tag == 0x0a || tag == 0x3a) {  // string_value, bytes_value
    if (v[1] != value_size - 2) return FastPath::kNotCanonical;
    value->payload = std::string_view(field_bytes.data() + 2, value_size - 2);
    // Tags and one-byte lengths are ASCII too: one pass checks key and value when both are ASCII.
    if (validate && tag == 0x0a) {
      if (!IsAscii(bytes.data(), size) && !(IsValidUtf8(key_bytes) && IsValidUtf8(value->payload))) {
        return FastPath::kInvalidUtf8;
      }
      validate = false;  // the key is checked
    }
  } else if (tag == 0x18 || tag == 0x10) {  // int_value, bool_value: a varint filling the rest
    std::uint64_t number = 0;
    std::size_t last = 0;  // the varint's last byte, at most the tenth
    for (std::size_t i = 1; i < value_size && i <= 10; ++i) {
      number |= static_cast<std::uint64_t>(v[i] & 0x7f) << (7 * (i - 1));
      if (v[i] < 0x80) {
        last = i;
        break;
      }
    }
    if (last == 0 || last != value_size - 1) return FastPath::kNotCanonical;
    value->number = number;
  } else if (tag == 0x21 && value_size == 9) {  // double_value
    std::memcpy(&value->number, v + 1, 8);
  } else {
    return FastPath::kNotCanonical;
  }
  *key = key_bytes;
  if (validate && !IsValidUtf8(*key)) return FastPath::kInvalidUtf8;
  value->kind = member;
  value->field = field_bytes;
  return FastPath::kRead;
}

// Reads one encoded AnyValue into `state` (which may already hold an earlier occurrence of the same
// value: protobuf merges occurrences). `budget` is the AnyValue's recursion budget.
bool ReadAnyValue(std::string_view bytes, int budget, Check* check, AnyValueState* state);

// Reads one KeyValue. Its value may occur several times; `value` ends as protobuf would leave it.
bool ReadKeyValue(std::string_view bytes, int budget, Check* check, std::string_view* key, AnyValueState* value);

// The view of a finished value (not needing a merge). Arrays are classified by their items: one
// scalar kind (or none) gives a typed array, anything else an opaque value. False when malformed.
bool MakeValueView(const AnyValueState& state, ValueView* out);

// A scalar item or value as a view; false when `state` is not a scalar. Inline: every attribute
// read goes through it.
inline bool MakeScalarView(const AnyValueState& state, ValueView* out) {
  out->opaque = false;
  switch (state.kind) {
    case ValueKind::kString:
      out->type = model::AttributeType::kString;
      out->string = state.payload;
      return true;
    case ValueKind::kBool:
      out->type = model::AttributeType::kBool;
      out->boolean = state.number != 0;
      return true;
    case ValueKind::kInt:
      out->type = model::AttributeType::kInt;
      out->integer = static_cast<std::int64_t>(state.number);
      return true;
    case ValueKind::kDouble:
      out->type = model::AttributeType::kDouble;
      std::memcpy(&out->real, &state.number, sizeof out->real);
      return true;
    default: return false;
  }
}

// One encoded KeyValue as a key and a value view, as ReadKeyValue and MakeValueView read it; the
// canonical scalar encoding inline, anything else through them. False when malformed or when the
// value needs a merge.
[[gnu::always_inline]] inline bool ReadAttribute(std::string_view bytes, std::string_view* key, ValueView* value) {
  AnyValueState state;
  if (ReadCanonicalKeyValue(bytes, false, key, &state) == FastPath::kRead && MakeScalarView(state, value)) return true;
  state = {};
  return ReadKeyValue(bytes, kRecursionLimit, nullptr, key, &state) && !state.needs_merge && MakeValueView(state, value);
}

}  // namespace hoptrace::otlp::wire::internal
