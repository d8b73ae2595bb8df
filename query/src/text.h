#pragma once
// Small text helpers shared inside query/.

#include <charconv>
#include <optional>
#include <string>
#include <string_view>

namespace hoptrace::query::internal {

// ASCII lower case: the model's enum names ("SERVER") become keywords and Jaeger values ("server").
inline std::string ToLower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

// Parses all of `text` as a number of type T (std::from_chars rules: no leading '+' or spaces).
template <typename T>
bool ParseWhole(std::string_view text, T* out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

}  // namespace hoptrace::query::internal
