#include "hoptrace/model/ids.h"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <vector>

namespace hoptrace::model {
namespace {

TEST(TraceIdTest, RoundTripsThroughHex) {
  auto id = TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736");
  ASSERT_TRUE(id.has_value());
  EXPECT_TRUE(id->IsValid());
  EXPECT_EQ(id->ToHex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(id->bytes()[0], 0x4b);
  EXPECT_EQ(id->bytes()[15], 0x36);
}

TEST(TraceIdTest, RejectsWrongLengthAndNonHex) {
  EXPECT_FALSE(TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e473").has_value());
  EXPECT_FALSE(TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e47366").has_value());
  EXPECT_FALSE(TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e473g").has_value());
  EXPECT_FALSE(TraceId::FromHex("").has_value());
}

TEST(TraceIdTest, LowerHexOnlyRejectsUpperCase) {
  EXPECT_TRUE(TraceId::FromHex("4BF92F3577B34DA6A3CE929D0E0E4736").has_value());
  EXPECT_FALSE(TraceId::FromLowerHex("4BF92F3577B34DA6A3CE929D0E0E4736").has_value());
}

TEST(TraceIdTest, AllZeroIsInvalid) {
  EXPECT_FALSE(TraceId().IsValid());
  EXPECT_FALSE(TraceId::FromHex(std::string(32, '0'))->IsValid());
  EXPECT_FALSE(SpanId::FromHex("0000000000000000")->IsValid());
}

TEST(TraceIdTest, HighLowIsBigEndian) {
  auto id = TraceId::FromHighLow(0x0102030405060708ULL, 0x090a0b0c0d0e0f10ULL);
  EXPECT_EQ(id.ToHex(), "0102030405060708090a0b0c0d0e0f10");
  EXPECT_EQ(ReadBigEndian(id.data() + 8, 8), 0x090a0b0c0d0e0f10ULL);
  EXPECT_EQ(SpanId::FromHighLow(0, 0xabcdefULL).ToHex(), "0000000000abcdef");
}

TEST(TraceIdTest, OrderingAndHashFollowBytes) {
  auto a = *SpanId::FromHex("0000000000000001");
  auto b = *SpanId::FromHex("0000000000000002");
  EXPECT_LT(a, b);
  EXPECT_NE(IdHash{}(a), IdHash{}(b));
}

// The byte-wise definitions IdHash, ==, <=> and Word(i) are computed on whole words for.
template <std::size_t N>
std::uint64_t ByteWiseHash(const ByteId<N>& id) {
  std::uint64_t hash = ReadBigEndian(id.data(), 8);
  if (N > 8) hash ^= ReadBigEndian(id.data() + 8, 8) * 0x9e3779b97f4a7c15ULL;
  return hash;
}

template <std::size_t N>
std::vector<ByteId<N>> SampleIds() {
  std::array<std::uint8_t, N> counting{};
  std::array<std::uint8_t, N> ones{};
  for (std::size_t i = 0; i < N; ++i) {
    counting[i] = static_cast<std::uint8_t>(i + 1);
    ones[i] = 0xff;
  }
  std::vector<ByteId<N>> ids = {ByteId<N>(), ByteId<N>(ones), ByteId<N>(counting)};
  // Each one byte away from the counting ID, so a word compared or hashed wrongly shows.
  for (std::size_t i = 0; i < N; ++i) {
    ByteId<N> changed(counting);
    changed.mutable_bytes()[i] ^= 0x80;
    ids.push_back(changed);
  }
  return ids;
}

template <std::size_t N>
void ExpectWordsAgreeWithBytes() {
  const std::vector<ByteId<N>> ids = SampleIds<N>();
  for (const ByteId<N>& id : ids) {
    SCOPED_TRACE(id.ToHex());
    EXPECT_EQ(IdHash{}(id), ByteWiseHash(id));
    for (std::size_t word = 0; word < N / 8; ++word) EXPECT_EQ(id.Word(word), ReadBigEndian(id.data() + 8 * word, 8));
    for (const ByteId<N>& other : ids) {
      const int bytes_order = std::memcmp(id.data(), other.data(), N);
      EXPECT_EQ(id == other, bytes_order == 0) << other.ToHex();
      EXPECT_EQ(id != other, bytes_order != 0) << other.ToHex();
      EXPECT_EQ(id < other, bytes_order < 0) << other.ToHex();
      EXPECT_EQ(id > other, bytes_order > 0) << other.ToHex();
    }
  }
}

TEST(TraceIdTest, HashEqualityOrderAndWordsAgreeWithTheBytes) {
  ExpectWordsAgreeWithBytes<16>();
  ExpectWordsAgreeWithBytes<8>();
  EXPECT_EQ(TraceId::FromHighLow(0x0102030405060708ULL, 0xfffefdfcfbfaf9f8ULL).Word(1), 0xfffefdfcfbfaf9f8ULL);
}

}  // namespace
}  // namespace hoptrace::model
