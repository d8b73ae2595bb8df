#pragma once
// A small streaming JSON writer for the API responses: it places commas and colons, escapes
// strings (invalid UTF-8 becomes U+FFFD, so output is always valid JSON) and writes doubles in
// their shortest form. Internal to query/.

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace hoptrace::query::internal {

class JsonWriter {
 public:
  JsonWriter& BeginObject() { return Open('{'); }
  JsonWriter& EndObject() { return Close('}'); }
  JsonWriter& BeginArray() { return Open('['); }
  JsonWriter& EndArray() { return Close(']'); }
  JsonWriter& Key(std::string_view key);

  JsonWriter& String(std::string_view value);
  JsonWriter& Int(std::int64_t value);
  JsonWriter& Uint(std::uint64_t value);
  JsonWriter& Double(double value);  // NaN and infinities as the strings "NaN", "Infinity", "-Infinity"
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  JsonWriter& Raw(std::string_view json);  // an already encoded JSON value

  // Key(key) followed by the value.
  template <typename T>
  JsonWriter& Member(std::string_view key, const T& value);

  std::string Take() { return std::move(out_); }

 private:
  JsonWriter& Open(char bracket);
  JsonWriter& Close(char bracket);
  void BeforeValue();

  std::string out_;
  std::vector<bool> has_items_;  // per open container
  bool after_key_ = false;
};

template <typename T>
JsonWriter& JsonWriter::Member(std::string_view key, const T& value) {
  Key(key);
  if constexpr (std::is_same_v<T, bool>) {
    return Bool(value);
  } else if constexpr (std::is_floating_point_v<T>) {
    return Double(value);
  } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    return Int(value);
  } else if constexpr (std::is_integral_v<T>) {
    return Uint(value);
  } else {
    return String(value);
  }
}

// Appends `text` as a quoted JSON string.
void AppendJsonString(std::string_view text, std::string* out);

}  // namespace hoptrace::query::internal
