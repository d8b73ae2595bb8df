// The block file's coding pieces (block_format.h): varints at their edges, a buffer grown across
// many writes, and stream sets with empty streams.

#include <gtest/gtest.h>

#include "block/block_format.h"

namespace hoptrace::store::block {
namespace {

TEST(Encoder, VarintsAtTheirEdgesComeBackWithTheirLengths) {
  const std::vector<std::pair<std::uint64_t, std::size_t>> cases = {
      {0, 1}, {127, 1}, {128, 2}, {16383, 2}, {16384, 3}, {1ULL << 63, 10}, {UINT64_MAX, 10}};
  for (const auto& [value, bytes] : cases) {
    Encoder out;
    out.PutVarint(value);
    EXPECT_EQ(out.size(), bytes) << value;
    Decoder in(out.view());
    EXPECT_EQ(in.GetVarint(), value);
    EXPECT_FALSE(in.failed());
    EXPECT_TRUE(in.empty());
  }
}

TEST(Encoder, SignedAndFixedValuesAtTheirEdgesComeBack) {
  const std::vector<std::int64_t> signed_values = {0, -1, 1, -64, 63, 64, INT64_MIN, INT64_MAX};
  Encoder out;
  for (const std::int64_t value : signed_values) out.PutSigned(value);
  for (const std::int64_t value : signed_values) out.PutFixed64(static_cast<std::uint64_t>(value));
  EXPECT_EQ(ZigZag(-1), 1u);
  EXPECT_EQ(ZigZag(1), 2u);
  Decoder in(out.view());
  for (const std::int64_t value : signed_values) EXPECT_EQ(in.GetSigned(), value);
  for (const std::int64_t value : signed_values) EXPECT_EQ(in.GetFixed64(), static_cast<std::uint64_t>(value));
  EXPECT_FALSE(in.failed());
  EXPECT_TRUE(in.empty());
}

// Writes of every kind, far past the first buffer, read back in order; Take leaves an empty encoder.
TEST(Encoder, GrowsAcrossManyWritesAndTakeEmptiesIt) {
  Encoder out;
  const std::string text(1000, 't');
  constexpr std::uint64_t kRounds = 5000;
  for (std::uint64_t i = 0; i < kRounds; ++i) {
    out.PutVarint(i * i * i);
    out.PutByte(static_cast<std::uint8_t>(i));
    out.PutId(model::SpanId::FromHighLow(0, i + 1));
    out.PutLengthPrefixed(std::string_view(text).substr(0, i % 300));
    out.PutBytes({});
  }
  const std::string bytes = out.Take();
  EXPECT_EQ(out.size(), 0u);
  EXPECT_TRUE(out.view().empty());
  Decoder in(bytes);
  for (std::uint64_t i = 0; i < kRounds; ++i) {
    ASSERT_EQ(in.GetVarint(), i * i * i) << i;
    ASSERT_EQ(in.GetByte(), static_cast<std::uint8_t>(i));
    ASSERT_EQ(in.GetId<8>(), model::SpanId::FromHighLow(0, i + 1));
    ASSERT_EQ(in.GetLengthPrefixed(), std::string_view(text).substr(0, i % 300));
  }
  EXPECT_FALSE(in.failed());
  EXPECT_TRUE(in.empty());
  out.PutVarint(300);  // usable again after Take
  EXPECT_EQ(Decoder(out.view()).GetVarint(), 300u);
}

TEST(StreamSet, EmptyStreamsSplitBackAsEmpty) {
  StreamSetWriter out(4);
  out[1].PutVarint(128);
  out[3].PutBytes("x");
  const std::string bytes = out.Finish();  // the decoders view it
  std::vector<Decoder> in;
  ASSERT_TRUE(SplitStreams(bytes, 4, &in));
  EXPECT_TRUE(in[0].empty());
  EXPECT_EQ(in[1].GetVarint(), 128u);
  EXPECT_TRUE(in[2].empty());
  EXPECT_EQ(in[3].GetBytes(1), "x");
  EXPECT_FALSE(SplitStreams(bytes, 3, &in));
  const std::string no_streams = StreamSetWriter(0).Finish();
  std::vector<Decoder> none;
  ASSERT_TRUE(SplitStreams(no_streams, 0, &none));
  EXPECT_TRUE(none.empty());
}

}  // namespace
}  // namespace hoptrace::store::block
