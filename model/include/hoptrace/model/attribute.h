#pragma once
// Typed attribute values as OpenTelemetry defines them: string, bool, int64, double and
// homogeneous arrays of those.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "hoptrace/model/slot_vector.h"

namespace hoptrace::model {

using AttributeValue = std::variant<std::string, bool, std::int64_t, double, std::vector<std::string>,
                                    std::vector<bool>, std::vector<std::int64_t>, std::vector<double>>;

enum class AttributeType : std::uint8_t {
  kString,
  kBool,
  kInt,
  kDouble,
  kStringArray,
  kBoolArray,
  kIntArray,
  kDoubleArray
};

inline AttributeType TypeOf(const AttributeValue& value) { return static_cast<AttributeType>(value.index()); }

// A borrowed attribute value: what instrumentation passes in, copied into a span's storage
// without building a temporary std::string or std::vector.
using AttributeValueView =
    std::variant<std::string_view, bool, std::int64_t, double, std::span<const std::string_view>,
                 std::span<const bool>, std::span<const std::int64_t>, std::span<const double>>;

// Copies `view` into `target`, reusing the target's buffers where the type matches.
void AssignAttributeValue(AttributeValue& target, const AttributeValueView& view);
// Truncates string values (and strings inside arrays) to `max_length` bytes, on a UTF-8 character
// boundary. Returns true when anything was cut.
bool TruncateAttributeValue(AttributeValue& value, std::size_t max_length);
// A readable rendering for logs and consoles: strings quoted, arrays in brackets.
std::string AttributeValueToString(const AttributeValue& value);

struct Attribute {
  std::string key;
  AttributeValue value;
  friend bool operator==(const Attribute&, const Attribute&) = default;
};

// Attributes keep insertion order; keys are unique when written through SetAttribute.
using Attributes = SlotVector<Attribute>;

// Sets key=value, replacing an existing value with the same key. Returns the stored value, or null
// (and stores nothing) when the key is new and the list already holds `max_count` attributes.
AttributeValue* SetAttribute(Attributes& attributes, std::string_view key, const AttributeValueView& value,
                  std::size_t max_count = SIZE_MAX);
const AttributeValue* FindAttribute(const Attributes& attributes, std::string_view key);

}  // namespace hoptrace::model
