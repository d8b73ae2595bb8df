#pragma once
// Trace and span identifiers: fixed-size byte arrays, cheap to copy and compare.

#include <array>
#include <bit>
#include <compare>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace hoptrace::model {

template <std::size_t N>
class ByteId {
 public:
  static constexpr std::size_t kSize = N;
  static constexpr std::size_t kHexSize = 2 * N;

  constexpr ByteId() = default;
  constexpr explicit ByteId(const std::array<std::uint8_t, N>& bytes) : bytes_(bytes) {}

  // Parses exactly kHexSize lower- or upper-case hex digits; anything else is nullopt.
  static std::optional<ByteId> FromHex(std::string_view hex);
  // Accepts only lower-case hex, as W3C Trace Context requires.
  static std::optional<ByteId> FromLowerHex(std::string_view hex);
  // Big-endian: the first byte of the id is the most significant byte of the number.
  // Inline, like IsValid: both run for every span the SDK starts.
  static ByteId FromHighLow(std::uint64_t high, std::uint64_t low) {
    ByteId id;
    if constexpr (N == 16) {
      StoreBigEndian(id.bytes_.data(), high);
      StoreBigEndian(id.bytes_.data() + 8, low);
    } else {
      static_assert(N == 8);
      StoreBigEndian(id.bytes_.data(), low);
    }
    return id;
  }

  bool IsValid() const {  // not all zero
    std::uint64_t any = 0;
    for (std::size_t index = 0; index < kWords; ++index) any |= NativeWord(index);
    return any != 0;
  }
  std::string ToHex() const;
  void WriteHex(char* out) const;  // writes kHexSize characters, lower case

  const std::array<std::uint8_t, N>& bytes() const { return bytes_; }
  std::array<std::uint8_t, N>& mutable_bytes() { return bytes_; }
  const std::uint8_t* data() const { return bytes_.data(); }
  // The index-th 64-bit word as a big-endian number: comparing words orders IDs as their bytes do.
  std::uint64_t Word(std::size_t index) const {
    std::uint64_t word = NativeWord(index);
    if constexpr (std::endian::native == std::endian::little) word = __builtin_bswap64(word);
    return word;
  }

  // On whole words: IDs are compared for every span the head and the cut take, and the defaulted ==
  // called memcmp.
  friend bool operator==(const ByteId& a, const ByteId& b) {
    std::uint64_t differ = 0;
    for (std::size_t index = 0; index < kWords; ++index) differ |= a.NativeWord(index) ^ b.NativeWord(index);
    return differ == 0;
  }
  // On big-endian words, so in the order of the bytes: IDs are sorted for every block cut and merged,
  // and the defaulted <=> called memcmp.
  friend std::strong_ordering operator<=>(const ByteId& a, const ByteId& b) {
    for (std::size_t index = 0; index < kWords; ++index) {
      if (const std::strong_ordering order = a.Word(index) <=> b.Word(index); order != 0) return order;
    }
    return std::strong_ordering::equal;
  }

 private:
  static void StoreBigEndian(std::uint8_t* out, std::uint64_t value) {
    if constexpr (std::endian::native == std::endian::little) value = __builtin_bswap64(value);
    std::memcpy(out, &value, 8);
  }
  static_assert(N % 8 == 0, "ids are whole 64-bit words");
  static constexpr std::size_t kWords = N / 8;

  std::uint64_t NativeWord(std::size_t index) const {
    std::uint64_t word;
    std::memcpy(&word, bytes_.data() + 8 * index, 8);
    return word;
  }

  std::array<std::uint8_t, N> bytes_{};
};

using TraceId = ByteId<16>;
using SpanId = ByteId<8>;

// Reads `count` bytes at `bytes` as a big-endian unsigned number (count <= 8).
std::uint64_t ReadBigEndian(const std::uint8_t* bytes, std::size_t count);

// 64-bit hash of an id, for hash maps (in memory only: no hash value is stored or sent). Inline on
// whole words, since every span the head takes is hashed.
struct IdHash {
  template <std::size_t N>
  std::size_t operator()(const ByteId<N>& id) const {
    std::uint64_t h = id.Word(0);
    if constexpr (N > 8) h ^= id.Word(1) * 0x9e3779b97f4a7c15ULL;
    return static_cast<std::size_t>(h);
  }
};

extern template class ByteId<16>;
extern template class ByteId<8>;

}  // namespace hoptrace::model
