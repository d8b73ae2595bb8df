#pragma once
// Hand-written hex and whitespace helpers for the propagators: header parsing sits on every
// request's path, so it avoids allocation and locale-aware functions.

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#include "hoptrace/model/ids.h"

namespace hoptrace::sdk::propagation_detail {

inline constexpr std::uint8_t kNotHex = 0xff;

// Lower-case hex digits only: W3C Trace Context and B3 both forbid upper case.
constexpr std::array<std::uint8_t, 256> kLowerHexValue = [] {
  std::array<std::uint8_t, 256> table{};
  table.fill(kNotHex);
  for (int c = '0'; c <= '9'; ++c) table[c] = static_cast<std::uint8_t>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) table[c] = static_cast<std::uint8_t>(c - 'a' + 10);
  return table;
}();

// Decodes two hex characters. False when either is not a lower-case hex digit.
inline bool DecodeHexByte(const char* hex, std::uint8_t* out) {
  const std::uint8_t high = kLowerHexValue[static_cast<unsigned char>(hex[0])];
  const std::uint8_t low = kLowerHexValue[static_cast<unsigned char>(hex[1])];
  *out = static_cast<std::uint8_t>((high << 4) | low);
  return ((high | low) & 0xf0) == 0;  // kNotHex sets the high bits; digits never do
}

inline void EncodeHexByte(std::uint8_t byte, char* out) {
  constexpr char kDigits[] = "0123456789abcdef";
  out[0] = kDigits[byte >> 4];
  out[1] = kDigits[byte & 0xf];
}

// Decodes 8 hex characters into 4 bytes, all lanes of a 64-bit word at once (SWAR) on
// little-endian machines. A byte-wise table loop is as simple, but GCC turns it into a slow gather
// through the stack when inlined into the parser.
inline bool DecodeFourBytes(const char* hex, std::uint8_t* out) {
  if constexpr (std::endian::native != std::endian::little) {
    return DecodeHexByte(hex, out) & DecodeHexByte(hex + 2, out + 1) & DecodeHexByte(hex + 4, out + 2) &
           DecodeHexByte(hex + 6, out + 3);
  }
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;
  std::uint64_t chars;
  std::memcpy(&chars, hex, sizeof chars);
  // For ASCII lanes (high bit clear), lane + (0x80 - c) has its high bit set iff lane >= c, and
  // never carries into the next lane.
  auto at_least = [&](std::uint64_t c) { return (chars + kOnes * (0x80 - c)) & kHighBits; };
  const std::uint64_t digit = at_least('0') & ~at_least('9' + 1);
  const std::uint64_t letter = at_least('a') & ~at_least('f' + 1);
  if ((chars & kHighBits) != 0 || (digit | letter) != kHighBits) return false;
  // Nibble values: the low four bits, plus 9 for 'a'..'f'.
  std::uint64_t value = (chars & (kOnes * 0x0f)) + (letter >> 7) * 9;
  // Lanes n0 n1 n2 n3 ... (first character lowest) become bytes (n0 n1)(n2 n3)...
  value = ((value << 4) | (value >> 8)) & 0x00ff00ff00ff00ffULL;
  value = (value | (value >> 8)) & 0x0000ffff0000ffffULL;
  value = (value | (value >> 16)) & 0x00000000ffffffffULL;
  const auto bytes = static_cast<std::uint32_t>(value);
  std::memcpy(out, &bytes, sizeof bytes);
  return true;
}

// Encodes 4 bytes as 8 lower-case hex characters, SWAR as above.
inline void EncodeFourBytes(const std::uint8_t* bytes, char* out) {
  if constexpr (std::endian::native != std::endian::little) {
    for (int i = 0; i < 4; ++i) EncodeHexByte(bytes[i], out + 2 * i);
    return;
  }
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  std::uint32_t word;
  std::memcpy(&word, bytes, sizeof word);
  // Spread byte k to lane 2k, then split it: high nibble in lane 2k, low nibble in lane 2k+1.
  std::uint64_t spread = word;
  spread = (spread | (spread << 16)) & 0x0000ffff0000ffffULL;
  spread = (spread | (spread << 8)) & 0x00ff00ff00ff00ffULL;
  const std::uint64_t nibbles = ((spread >> 4) & (kOnes * 0x0f)) | ((spread & (kOnes * 0x0f)) << 8);
  // '0' + n, and 'a' - '0' - 10 more where n >= 10 (exactly where n + 6 reaches 0x10).
  const std::uint64_t letters = ((nibbles + kOnes * 6) & (kOnes * 0x10)) >> 4;
  const std::uint64_t chars = nibbles + kOnes * '0' + letters * ('a' - '0' - 10);
  std::memcpy(out, &chars, sizeof chars);
}

// Decodes an id from exactly 2 * N lower-case hex characters at `hex`.
template <std::size_t N>
bool DecodeId(const char* hex, model::ByteId<N>& id) {
  static_assert(N % 4 == 0);
  bool valid = true;
  for (std::size_t i = 0; i < N; i += 4) valid &= DecodeFourBytes(hex + 2 * i, id.mutable_bytes().data() + i);
  return valid;
}

template <std::size_t N>
void EncodeId(const model::ByteId<N>& id, char* out) {
  static_assert(N % 4 == 0);
  for (std::size_t i = 0; i < N; i += 4) EncodeFourBytes(id.data() + i, out + 2 * i);
}

// An id of exactly its hex size, non-zero; nullopt otherwise.
template <std::size_t N>
std::optional<model::ByteId<N>> ParseValidId(std::string_view hex) {
  model::ByteId<N> id;
  if (hex.size() != 2 * N || !DecodeId(hex.data(), id) || !id.IsValid()) return std::nullopt;
  return id;
}

// Strips HTTP optional whitespace (spaces and tabs) from both ends.
inline std::string_view TrimOptionalWhitespace(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace hoptrace::sdk::propagation_detail
