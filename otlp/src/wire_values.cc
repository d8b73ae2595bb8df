#include "wire_values.h"

#include <cstring>

#include "text_encoding.h"

namespace hoptrace::otlp::wire::internal {
namespace {

// AnyValue's and KeyValue's field numbers.
constexpr std::uint32_t kArrayValuesField = 1;  // ArrayValue.values and KeyValueList.values
constexpr std::uint32_t kKeyField = 1;
constexpr std::uint32_t kValueField = 2;

// ArrayValue and KeyValueList: every item (field 1) well-formed, read by `read_item(bytes, budget)`.
template <typename ReadItem>
bool ValidateItems(std::string_view bytes, int budget, Check* check, ReadItem read_item) {
  if (budget < 0) return check->Fail(Problem::kTooDeep);
  Reader reader(bytes, budget);
  Field field;
  while (reader.Next(&field)) {
    if (field.number == kArrayValuesField && field.Is(WireType::kLength) && !read_item(field.bytes, budget - 1)) {
      return false;
    }
  }
  return reader.ok() || check->Fail(Problem::kMalformed);
}

bool ValidateArrayValue(std::string_view bytes, int budget, Check* check) {
  return ValidateItems(bytes, budget, check, [check](std::string_view item, int item_budget) {
    AnyValueState value;
    return ReadAnyValue(item, item_budget, check, &value);
  });
}

bool ValidateKeyValueList(std::string_view bytes, int budget, Check* check) {
  return ValidateItems(bytes, budget, check, [check](std::string_view item, int item_budget) {
    std::string_view key;
    AnyValueState value;
    return ReadKeyValue(item, item_budget, check, &key, &value);
  });
}

// A message-typed member of the oneof: a second one of the same kind merges into the first.
void SetMessageMember(ValueKind kind, const Field& field, const char* field_end, AnyValueState* state) {
  if (state->kind == kind) {
    if (field.bytes.empty()) return;  // merging nothing changes nothing
    if (!state->payload.empty()) {
      state->needs_merge = true;
      return;
    }
  } else {
    state->needs_merge = false;
  }
  state->kind = kind;
  state->payload = field.bytes;
  state->field = field.whole(field_end);
}

// Applies one field of an AnyValue; false when a nested value is invalid.
bool ApplyAnyValueField(const Field& field, const char* field_end, int budget, Check* check, AnyValueState* state) {
  const auto kind = static_cast<ValueKind>(field.number);
  const auto set = [&] {
    state->kind = kind;
    state->field = field.whole(field_end);
    state->needs_merge = false;
  };
  switch (kind) {
    case ValueKind::kString:
    case ValueKind::kBytes:
      if (!field.Is(WireType::kLength)) return true;
      if (check && kind == ValueKind::kString && !IsValidUtf8(field.bytes)) return check->Fail(Problem::kInvalidUtf8);
      set();
      state->payload = field.bytes;
      return true;
    case ValueKind::kBool:
    case ValueKind::kInt:
      if (!field.Is(WireType::kVarint)) return true;
      set();
      state->number = field.value;
      return true;
    case ValueKind::kDouble:
      if (!field.Is(WireType::kFixed64)) return true;
      set();
      state->number = field.value;
      return true;
    case ValueKind::kArray:
    case ValueKind::kKvlist:
      if (!field.Is(WireType::kLength)) return true;
      if (check) {
        const bool valid = kind == ValueKind::kArray ? ValidateArrayValue(field.bytes, budget - 1, check)
                                                     : ValidateKeyValueList(field.bytes, budget - 1, check);
        if (!valid) return false;
      }
      SetMessageMember(kind, field, field_end, state);
      return true;
    default: return true;  // unknown field
  }
}

model::AttributeType ArrayTypeOf(ValueKind item_kind) {
  switch (item_kind) {
    case ValueKind::kBool: return model::AttributeType::kBoolArray;
    case ValueKind::kInt: return model::AttributeType::kIntArray;
    case ValueKind::kDouble: return model::AttributeType::kDoubleArray;
    default: return model::AttributeType::kStringArray;
  }
}

// The kind shared by every item of an array, kNone for an empty array; false (with `mixed`) when
// the items are not all scalars of one kind, or malformed.
bool CommonItemKind(std::string_view array, ValueKind* common, bool* mixed) {
  *common = ValueKind::kNone;
  *mixed = false;
  Reader reader(array, kRecursionLimit);
  Field field;
  bool first = true;
  while (reader.Next(&field)) {
    if (field.number != kArrayValuesField || !field.Is(WireType::kLength)) continue;
    AnyValueState item;
    ValueView scalar;
    if (!ReadAnyValue(field.bytes, kRecursionLimit, nullptr, &item)) return false;
    if (!MakeScalarView(item, &scalar) || (!first && item.kind != *common)) {
      *mixed = true;
      return true;
    }
    *common = item.kind;
    first = false;
  }
  return reader.ok();
}

}  // namespace

bool ReadAnyValue(std::string_view bytes, int budget, Check* check, AnyValueState* state) {
  if (budget < 0) return check ? check->Fail(Problem::kTooDeep) : false;
  Reader reader(bytes, budget);
  Field field;
  while (reader.Next(&field)) {
    if (!ApplyAnyValueField(field, reader.position(), budget, check, state)) return false;
  }
  if (reader.ok()) return true;
  return check ? check->Fail(Problem::kMalformed) : false;
}

bool ReadKeyValue(std::string_view bytes, int budget, Check* check, std::string_view* key, AnyValueState* value) {
  if (budget < 0) return check ? check->Fail(Problem::kTooDeep) : false;
  if (budget >= 1 && value->kind == ValueKind::kNone) {  // its AnyValue needs one more level
    switch (ReadCanonicalKeyValue(bytes, check != nullptr, key, value)) {
      case FastPath::kRead: return true;
      case FastPath::kInvalidUtf8: return check->Fail(Problem::kInvalidUtf8);
      case FastPath::kNotCanonical: break;
    }
  }
  Reader reader(bytes, budget);
  Field field;
  while (reader.Next(&field)) {
    if (!field.Is(WireType::kLength)) continue;
    if (field.number == kKeyField) {
      if (check && !IsValidUtf8(field.bytes)) return check->Fail(Problem::kInvalidUtf8);
      *key = field.bytes;
    } else if (field.number == kValueField) {
      if (!ReadAnyValue(field.bytes, budget - 1, check, value)) return false;
    }
  }
  if (reader.ok()) return true;
  return check ? check->Fail(Problem::kMalformed) : false;
}

bool MakeValueView(const AnyValueState& state, ValueView* out) {
  if (MakeScalarView(state, out)) return true;
  if (state.kind == ValueKind::kArray && !state.needs_merge) {
    ValueKind common;
    bool mixed;
    if (!CommonItemKind(state.payload, &common, &mixed)) return false;
    if (!mixed) {
      out->type = ArrayTypeOf(common);
      out->encoded_array = state.payload;
      return true;
    }
  }
  // Bytes, kvlists, mixed arrays and empty values: the model holds them as text.
  out->type = model::AttributeType::kString;
  out->string = state.field;
  out->opaque = true;
  return true;
}

bool IsValidUtf8Slow(std::string_view s) { return otlp::internal::IsValidUtf8(s); }

}  // namespace hoptrace::otlp::wire::internal
