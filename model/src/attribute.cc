#include "hoptrace/model/attribute.h"

#include <charconv>
#include <type_traits>

namespace hoptrace::model {
namespace {

template <typename Target, typename Source>
void AssignArray(AttributeValue& target, std::span<const Source> items) {
  if (!std::holds_alternative<Target>(target)) target.template emplace<Target>();
  auto& out = std::get<Target>(target);
  out.resize(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    if constexpr (std::is_same_v<Source, std::string_view>) {
      out[i].assign(items[i]);
    } else {
      out[i] = items[i];
    }
  }
}

// Largest prefix length <= max_length that does not split a UTF-8 sequence.
std::size_t Utf8Prefix(std::string_view s, std::size_t max_length) {
  if (s.size() <= max_length) return s.size();
  std::size_t cut = max_length;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return cut;
}

bool TruncateString(std::string& s, std::size_t max_length) {
  if (s.size() <= max_length) return false;
  s.resize(Utf8Prefix(s, max_length));
  return true;
}

void AppendQuoted(std::string& out, std::string_view s) {
  out += '"';
  out += s;
  out += '"';
}

void AppendScalar(std::string& out, const std::string& s) { AppendQuoted(out, s); }
void AppendScalar(std::string& out, bool b) { out += b ? "true" : "false"; }
void AppendScalar(std::string& out, std::int64_t v) { out += std::to_string(v); }
void AppendScalar(std::string& out, double v) {
  char buffer[32];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, v);
  out.append(buffer, result.ptr);
}

}  // namespace

void AssignAttributeValue(AttributeValue& target, const AttributeValueView& view) {
  std::visit(
      [&target](const auto& v) {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::string_view>) {
          if (auto* s = std::get_if<std::string>(&target)) {
            s->assign(v);
          } else {
            target.emplace<std::string>(v);
          }
        } else if constexpr (std::is_same_v<V, std::span<const std::string_view>>) {
          AssignArray<std::vector<std::string>>(target, v);
        } else if constexpr (std::is_same_v<V, std::span<const bool>>) {
          AssignArray<std::vector<bool>>(target, v);
        } else if constexpr (std::is_same_v<V, std::span<const std::int64_t>>) {
          AssignArray<std::vector<std::int64_t>>(target, v);
        } else if constexpr (std::is_same_v<V, std::span<const double>>) {
          AssignArray<std::vector<double>>(target, v);
        } else {
          target = v;  // bool, int64, double
        }
      },
      view);
}

bool TruncateAttributeValue(AttributeValue& value, std::size_t max_length) {
  if (auto* s = std::get_if<std::string>(&value)) return TruncateString(*s, max_length);
  bool cut = false;
  if (auto* items = std::get_if<std::vector<std::string>>(&value)) {
    for (auto& item : *items) cut |= TruncateString(item, max_length);
  }
  return cut;
}

std::string AttributeValueToString(const AttributeValue& value) {
  std::string out;
  std::visit(
      [&out](const auto& v) {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::string> || std::is_same_v<V, bool> ||
                      std::is_same_v<V, std::int64_t> || std::is_same_v<V, double>) {
          AppendScalar(out, v);
        } else {
          out += '[';
          bool first = true;
          for (const auto& item : v) {
            if (!first) out += ", ";
            first = false;
            using Item = typename V::value_type;
            AppendScalar(out, static_cast<Item>(item));
          }
          out += ']';
        }
      },
      value);
  return out;
}

AttributeValue* SetAttribute(Attributes& attributes, std::string_view key, const AttributeValueView& value,
                             std::size_t max_count) {
  for (auto& attribute : attributes) {
    if (attribute.key == key) {
      AssignAttributeValue(attribute.value, value);
      return &attribute.value;
    }
  }
  if (attributes.size() >= max_count) return nullptr;
  Attribute& slot = attributes.emplace_slot();
  if (slot.key != key) slot.key.assign(key);  // recycled slots usually hold the same key already
  AssignAttributeValue(slot.value, value);
  return &slot.value;
}

const AttributeValue* FindAttribute(const Attributes& attributes, std::string_view key) {
  for (const auto& attribute : attributes) {
    if (attribute.key == key) return &attribute.value;
  }
  return nullptr;
}

}  // namespace hoptrace::model
