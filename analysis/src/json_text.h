#pragma once
// Writing JSON text by hand (analysis/ may use model/ only): strings with UTF-8 checked, objects
// member by member, arrays. Shared by diagnosis_json.cc and hotspots_json.cc.

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace hoptrace::analysis::json {

// Appends `text` as a JSON string; bytes that are not valid UTF-8 become U+FFFD.
inline void Quote(std::string_view text, std::string& out) {
  out += '"';
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte == '"' || byte == '\\') {
      out += '\\';
      out += static_cast<char>(byte);
    } else if (byte < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", byte);
      out += escaped;
    } else if (byte < 0x80) {
      out += static_cast<char>(byte);
    } else {
      const std::size_t length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC2 ? 2 : 0;
      bool valid = length > 0 && byte < 0xF5 && i + length <= text.size();
      for (std::size_t k = 1; valid && k < length; ++k) valid = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
      if (valid) {
        out.append(text.substr(i, length));
        i += length - 1;
      } else {
        out += "\xEF\xBF\xBD";
      }
    }
  }
  out += '"';
}

// Builds one JSON object member by member: {"a":1,"b":"x"}.
class Object {
 public:
  explicit Object(std::string& out) : out_(out) { out_ += '{'; }
  ~Object() { out_ += '}'; }
  Object(const Object&) = delete;
  Object& operator=(const Object&) = delete;

  std::string& Key(std::string_view key) {
    if (!first_) out_ += ',';
    first_ = false;
    Quote(key, out_);
    out_ += ':';
    return out_;
  }
  void Text(std::string_view key, std::string_view value) { Quote(value, Key(key)); }
  void Number(std::string_view key, std::uint64_t value) { Key(key) += std::to_string(value); }
  void Signed(std::string_view key, std::int64_t value) { Key(key) += std::to_string(value); }
  void Fraction(std::string_view key, double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.4f", value);
    Key(key) += text;
  }
  void Flag(std::string_view key, bool value) { Key(key) += value ? "true" : "false"; }

 private:
  std::string& out_;
  bool first_ = true;
};

// "key":[item,item] where `write(item)` appends each element.
template <typename Items, typename Write>
void Array(Object& object, std::string_view key, const Items& items, Write write) {
  std::string& out = object.Key(key);
  out += '[';
  bool first = true;
  for (const auto& item : items) {
    if (!first) out += ',';
    first = false;
    write(item);
  }
  out += ']';
}

}  // namespace hoptrace::analysis::json
