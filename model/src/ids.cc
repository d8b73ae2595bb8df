#include "hoptrace/model/ids.h"

namespace hoptrace::model {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

int HexValue(char c, bool allow_upper) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (allow_upper && c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

template <std::size_t N>
std::optional<ByteId<N>> ParseHex(std::string_view hex, bool allow_upper) {
  if (hex.size() != 2 * N) return std::nullopt;
  std::array<std::uint8_t, N> bytes{};
  for (std::size_t i = 0; i < N; ++i) {
    const int hi = HexValue(hex[2 * i], allow_upper);
    const int lo = HexValue(hex[2 * i + 1], allow_upper);
    if (hi < 0 || lo < 0) return std::nullopt;
    bytes[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  return ByteId<N>(bytes);
}

}  // namespace

std::uint64_t ReadBigEndian(const std::uint8_t* bytes, std::size_t count) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < count; ++i) value = (value << 8) | bytes[i];
  return value;
}

template <std::size_t N>
std::optional<ByteId<N>> ByteId<N>::FromHex(std::string_view hex) {
  return ParseHex<N>(hex, /*allow_upper=*/true);
}

template <std::size_t N>
std::optional<ByteId<N>> ByteId<N>::FromLowerHex(std::string_view hex) {
  return ParseHex<N>(hex, /*allow_upper=*/false);
}

template <std::size_t N>
void ByteId<N>::WriteHex(char* out) const {
  for (std::size_t i = 0; i < N; ++i) {
    out[2 * i] = kHexDigits[bytes_[i] >> 4];
    out[2 * i + 1] = kHexDigits[bytes_[i] & 0xf];
  }
}

template <std::size_t N>
std::string ByteId<N>::ToHex() const {
  std::string hex(kHexSize, '0');
  WriteHex(hex.data());
  return hex;
}

template class ByteId<16>;
template class ByteId<8>;

}  // namespace hoptrace::model
