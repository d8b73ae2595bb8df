#include "text_encoding.h"

#include <array>
#include <charconv>
#include <cmath>
#include <simdjson.h>

namespace hoptrace::otlp::internal {
namespace {

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Length of the well-formed UTF-8 sequence starting at s[i] (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF), or 0 when the bytes there are not one.
std::size_t Utf8SequenceLength(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char lead = byte(0);
  const std::size_t left = s.size() - i;
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return left >= 2 && IsContinuation(byte(1)) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    if (left < 3 || !IsContinuation(byte(1)) || !IsContinuation(byte(2))) return 0;
    if (lead == 0xE0 && byte(1) < 0xA0) return 0;   // overlong
    if (lead == 0xED && byte(1) >= 0xA0) return 0;  // UTF-16 surrogate
    return 3;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    if (left < 4 || !IsContinuation(byte(1)) || !IsContinuation(byte(2)) || !IsContinuation(byte(3))) {
      return 0;
    }
    if (lead == 0xF0 && byte(1) < 0x90) return 0;   // overlong
    if (lead == 0xF4 && byte(1) >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

// The JSON escape for an ASCII byte, or empty when it can be written as is.
std::string_view JsonEscape(unsigned char c, std::array<char, 6>& buffer) {
  switch (c) {
    case '"': return "\\\"";
    case '\\': return "\\\\";
    case '\b': return "\\b";
    case '\f': return "\\f";
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    default: break;
  }
  if (c >= 0x20) return {};
  constexpr char kHex[] = "0123456789abcdef";
  buffer = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
  return {buffer.data(), buffer.size()};
}

// The one loop behind AppendValidUtf8 and AppendJsonString: copies runs of bytes that need no
// change in bulk, replaces invalid UTF-8, and (for JSON) escapes what JSON requires.
void AppendSanitized(std::string_view s, bool json_escape, std::string* out) {
  // Validating the whole string with SIMD first lets the common case skip per-sequence decoding.
  const bool valid_utf8 = IsValidUtf8(s);
  if (valid_utf8 && !json_escape) {
    out->append(s);
    return;
  }
  std::array<char, 6> escape_buffer{};
  std::size_t run_start = 0;
  const auto replace = [&](std::size_t i, std::size_t length, std::string_view with) {
    out->append(s.data() + run_start, i - run_start);
    out->append(with);
    run_start = i + length;
  };
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const std::size_t length = valid_utf8 ? 1 : Utf8SequenceLength(s, i);
      if (length == 0) replace(i, 1, kReplacementCharacter);
      i += length == 0 ? 1 : length;
      continue;
    }
    if (json_escape) {
      const std::string_view escape = JsonEscape(c, escape_buffer);
      if (!escape.empty()) replace(i, 1, escape);
    }
    ++i;
  }
  out->append(s.data() + run_start, s.size() - run_start);
}

template <typename Integer>
void AppendInteger(Integer value, std::string* out) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out->append(buffer, result.ptr);
}

constexpr char kBase64Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

}  // namespace

bool IsValidUtf8(std::string_view s) { return simdjson::validate_utf8(s.data(), s.size()); }

void AppendValidUtf8(std::string_view s, std::string* out) { AppendSanitized(s, false, out); }

void AssignValidUtf8(std::string_view s, std::string* out) {
  out->clear();
  AppendSanitized(s, false, out);
}

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  AppendSanitized(s, true, out);
  out->push_back('"');
}

void AppendDecimal(std::uint64_t value, std::string* out) { AppendInteger(value, out); }
void AppendDecimal(std::int64_t value, std::string* out) { AppendInteger(value, out); }

void AppendDoubleText(double value, std::string* out) {
  if (std::isnan(value)) {
    out->append("NaN");
  } else if (std::isinf(value)) {
    out->append(value > 0 ? "Infinity" : "-Infinity");
  } else {
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    out->append(buffer, result.ptr);
  }
}

void AppendJsonDouble(double value, std::string* out) {
  const bool is_number = std::isfinite(value);
  if (!is_number) out->push_back('"');
  AppendDoubleText(value, out);
  if (!is_number) out->push_back('"');
}

bool ParseDoubleText(std::string_view text, double* out) {
  if (text == "NaN") {
    *out = std::nan("");
  } else if (text == "Infinity") {
    *out = HUGE_VAL;
  } else if (text == "-Infinity") {
    *out = -HUGE_VAL;
  } else {
    const char* end = text.data() + text.size();
    const auto result = std::from_chars(text.data(), end, *out);
    return result.ec == std::errc() && result.ptr == end;
  }
  return true;
}

void AppendBase64(std::string_view bytes, std::string* out) {
  out->reserve(out->size() + (bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  const auto byte = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k])); };
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t group = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    for (int shift = 18; shift >= 0; shift -= 6) out->push_back(kBase64Alphabet[(group >> shift) & 63]);
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 0) return;
  const std::uint32_t group = byte(i) << 16 | (rest == 2 ? byte(i + 1) << 8 : 0);
  out->push_back(kBase64Alphabet[(group >> 18) & 63]);
  out->push_back(kBase64Alphabet[(group >> 12) & 63]);
  out->push_back(rest == 2 ? kBase64Alphabet[(group >> 6) & 63] : '=');
  out->push_back('=');
}

bool DecodeBase64(std::string_view text, std::string* out) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return false;
  out->reserve(out->size() + text.size() * 3 / 4);
  std::uint32_t group = 0;
  int bits = 0;
  for (char c : text) {
    const int value = Base64Value(c);
    if (value < 0) return false;
    group = (group << 6) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((group >> bits) & 0xFF));
    }
  }
  return true;
}

}  // namespace hoptrace::otlp::internal
