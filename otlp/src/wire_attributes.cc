// Attribute reading on encoded messages: no copies, no allocation.

#include "hoptrace/otlp/wire.h"
#include "wire_values.h"

namespace hoptrace::otlp::wire {
namespace {

using internal::AnyValueState;
using internal::Field;
using internal::Reader;
using internal::WireType;

std::uint32_t AttributesFieldNumber(AttributeOwner owner) {
  switch (owner) {
    case AttributeOwner::kSpan: return 9;
    case AttributeOwner::kResource: return 1;
    case AttributeOwner::kScope: return 3;
    case AttributeOwner::kEvent: return 3;
    case AttributeOwner::kLink: return 4;
  }
  return 0;
}

}  // namespace

bool ForEachAttribute(std::string_view encoded, AttributeOwner owner, AttributeVisitor& visit) {
  const std::uint32_t attributes_field = AttributesFieldNumber(owner);
  Reader reader(encoded, internal::kRecursionLimit);
  Field field;
  while (reader.Next(&field)) {
    if (field.number != attributes_field || !field.Is(WireType::kLength)) continue;
    std::string_view key;
    ValueView value;
    if (!internal::ReadAttribute(field.bytes, &key, &value)) return false;
    if (!visit.Visit(key, value)) return true;
  }
  return reader.ok();
}

bool ForEachArrayItem(const ValueView& array, AttributeVisitor& visit) {
  if (array.opaque || array.type < model::AttributeType::kStringArray) return false;
  Reader reader(array.encoded_array, internal::kRecursionLimit);
  Field field;
  while (reader.Next(&field)) {
    if (field.number != 1 || !field.Is(WireType::kLength)) continue;
    AnyValueState state;
    ValueView item;
    if (!internal::ReadAnyValue(field.bytes, internal::kRecursionLimit, nullptr, &state) ||
        !internal::MakeScalarView(state, &item)) {
      return false;
    }
    if (!visit.Visit({}, item)) return true;
  }
  return reader.ok();
}

bool FindAttribute(std::string_view encoded, AttributeOwner owner, std::string_view key, ValueView* out) {
  bool found = false;
  const bool well_formed = ForEachAttribute(encoded, owner, [&](std::string_view k, const ValueView& value) {
    if (k != key) return true;
    *out = value;
    found = true;
    return false;
  });
  return well_formed && found;
}

}  // namespace hoptrace::otlp::wire
