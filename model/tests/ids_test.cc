#include "hoptrace/model/ids.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace hoptrace::model
