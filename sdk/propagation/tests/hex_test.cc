// The hand-written (SWAR) hex codec against a plain reference, for every byte value in every lane.
#include <gtest/gtest.h>

#include <string>

#include "text.h"

namespace hoptrace::sdk::propagation_detail {
namespace {

bool IsLowerHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

TEST(HexTest, DecodeAcceptsExactlyLowerHexInEveryLane) {
  for (int lane = 0; lane < 8; ++lane) {
    for (int c = 0; c < 256; ++c) {
      std::string hex = "0123abcd";
      hex[lane] = static_cast<char>(c);
      std::uint8_t bytes[4];
      ASSERT_EQ(DecodeFourBytes(hex.data(), bytes), IsLowerHexDigit(static_cast<char>(c)))
          << "lane " << lane << " char " << c;
    }
  }
}

TEST(HexTest, EncodeAndDecodeEveryByteValueInEveryPosition) {
  for (int position = 0; position < 4; ++position) {
    for (int value = 0; value < 256; ++value) {
      std::uint8_t bytes[4] = {0x12, 0x34, 0xab, 0xef};
      bytes[position] = static_cast<std::uint8_t>(value);
      char hex[8];
      EncodeFourBytes(bytes, hex);
      std::string expected;
      for (std::uint8_t b : bytes) expected += {"0123456789abcdef"[b >> 4], "0123456789abcdef"[b & 0xf]};
      ASSERT_EQ(std::string(hex, 8), expected);
      std::uint8_t decoded[4];
      ASSERT_TRUE(DecodeFourBytes(hex, decoded));
      ASSERT_EQ(std::memcmp(decoded, bytes, 4), 0);
    }
  }
}

TEST(HexTest, ByteCodec) {
  std::uint8_t byte = 0;
  EXPECT_TRUE(DecodeHexByte("7f", &byte));
  EXPECT_EQ(byte, 0x7f);
  EXPECT_FALSE(DecodeHexByte("7F", &byte));
  EXPECT_FALSE(DecodeHexByte("g0", &byte));
  char out[2];
  EncodeHexByte(0xa5, out);
  EXPECT_EQ(std::string(out, 2), "a5");
}

TEST(HexTest, ParseValidIdRejectsZeroAndWrongLength) {
  EXPECT_EQ(ParseValidId<8>("00f067aa0ba902b7")->ToHex(), "00f067aa0ba902b7");
  EXPECT_FALSE(ParseValidId<8>("0000000000000000").has_value());
  EXPECT_FALSE(ParseValidId<8>("00f067aa0ba902b").has_value());
  EXPECT_FALSE(ParseValidId<8>("00f067aa0ba902b77").has_value());
}

TEST(HexTest, TrimOptionalWhitespace) {
  EXPECT_EQ(TrimOptionalWhitespace(" \tab c\t "), "ab c");
  EXPECT_EQ(TrimOptionalWhitespace(" \t"), "");
}

}  // namespace
}  // namespace hoptrace::sdk::propagation_detail
