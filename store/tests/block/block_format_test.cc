// The block file's coding pieces (block_format.h): varints at their edges, a buffer grown across
// many writes, copied and moved, stream sets with empty streams, and sections stored raw or compressed.

#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

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

  Encoder fixed;  // the format's byte order, whatever the machine's
  fixed.PutFixed64(0x0102030405060708ULL);
  EXPECT_EQ(fixed.view(), std::string_view("\x08\x07\x06\x05\x04\x03\x02\x01", 8));
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

// The encoder writes through a cursor into its buffer: copies and moves must carry on in their own.
TEST(Encoder, CopiesAndMovesKeepWritingIntoTheirOwnBuffer) {
  Encoder original;
  for (std::uint64_t i = 0; i < 100; ++i) original.PutVarint(i * 1000);
  Encoder copy = original;
  copy.PutVarint(7);
  original.PutVarint(8);
  EXPECT_EQ(copy.size(), original.size());
  EXPECT_EQ(copy.view().substr(0, copy.size() - 1), original.view().substr(0, original.size() - 1));
  EXPECT_EQ(copy.view().back(), 7);
  EXPECT_EQ(original.view().back(), 8);

  const std::string before_move(original.view());
  Encoder moved = std::move(original);
  EXPECT_EQ(moved.view(), before_move);
  EXPECT_EQ(original.size(), 0u);  // NOLINT(bugprone-use-after-move): a moved-from encoder is empty
  original.PutVarint(300);         // and usable
  EXPECT_EQ(Decoder(original.view()).GetVarint(), 300u);
  moved.PutByte(9);
  EXPECT_EQ(moved.view(), before_move + '\x09');

  copy = moved;  // assignments too
  EXPECT_EQ(copy.view(), moved.view());
  copy.PutByte(1);
  moved = std::move(copy);
  EXPECT_EQ(moved.view(), before_move + "\x09\x01");

  // Encoders in a vector move when it grows: every one keeps its bytes and keeps writing.
  std::vector<Encoder> encoders;
  for (std::uint8_t i = 0; i < 40; ++i) {
    encoders.emplace_back().PutByte(i);
    for (std::size_t e = 0; e < encoders.size(); ++e) encoders[e].PutByte(static_cast<std::uint8_t>(e));
  }
  for (std::size_t e = 0; e < encoders.size(); ++e) {
    ASSERT_EQ(encoders[e].size(), 41 - e) << e;
    EXPECT_EQ(encoders[e].view()[0], static_cast<char>(e));
    EXPECT_EQ(encoders[e].view().back(), static_cast<char>(e));
  }
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

// A writer of many units joins each into one reused buffer; what it gets is what Finish gives.
TEST(StreamSet, FinishIntoAReusedBufferGivesWhatFinishGives) {
  Encoder joined;
  for (std::size_t round = 0; round < 3; ++round) {
    StreamSetWriter out(3);
    for (std::size_t i = 0; i < 1000 / (round + 1); ++i) out[i % 3].PutVarint(i * (round + 1));
    EXPECT_EQ(out.FinishInto(joined), out.Finish()) << round;
  }
}

TEST(Section, RandomBytesAreStoredRawWithoutCompressing) {
  SectionEncoder encoder(3);
  const std::string repetitive(4096, 'a');
  std::string_view stored;
  for (const auto& [raw, packing, codec] :
       std::vector<std::tuple<std::string, Packing, std::uint8_t>>{{repetitive, Packing::kCompress, kCodecZstd},
                                                                   {repetitive, Packing::kRaw, kCodecRaw},
                                                                   {"", Packing::kCompress, kCodecRaw},
                                                                   {"", Packing::kRaw, kCodecRaw},
                                                                   {"x", Packing::kCompress, kCodecRaw}}) {
    const SectionHandle handle = encoder.Encode(raw, &stored, packing);
    EXPECT_EQ(handle.codec, codec) << raw.size();
    EXPECT_EQ(handle.raw_bytes, raw.size());
    EXPECT_EQ(handle.stored_bytes, stored.size());
    if (codec == kCodecRaw) {
      EXPECT_EQ(stored, raw);
    } else {
      EXPECT_LT(stored.size(), raw.size() / 10);
    }
    std::string section(stored);
    ASSERT_TRUE(DecodeSection(handle, &section).ok()) << raw.size();
    EXPECT_EQ(section, raw);
    std::string longer(stored);
    longer.push_back('!');  // a stored section one byte longer fails its checks
    EXPECT_FALSE(DecodeSection(handle, &longer).ok());
  }
}

// kStoredRaw (a fresh cut's level): even bytes zstd would shrink a hundredfold are stored raw, and
// their checksum still covers them. Decoding leaves them in the string they were read into.
TEST(Section, ARawLevelEncoderStoresEverySectionRawUnderItsChecksumAndItIsReadInPlace) {
  SectionEncoder encoder(kStoredRaw);
  const std::string repetitive(4096, 'a');
  std::string_view stored;
  const SectionHandle handle = encoder.Encode(repetitive, &stored);
  EXPECT_EQ(handle.codec, kCodecRaw);
  EXPECT_EQ(stored, repetitive);
  std::string section(stored);
  const char* const read_into = section.data();
  ASSERT_TRUE(DecodeSection(handle, &section).ok());
  EXPECT_EQ(section, repetitive);
  EXPECT_EQ(section.data(), read_into);  // not copied
  std::string damaged(stored);
  damaged[100] = 'b';
  EXPECT_EQ(DecodeSection(handle, &damaged).code(), Status::Code::kCorruption);
}

// The raw flag is a trailing field that only raw blocks have: a compressed block's meta section is
// byte for byte what it was before the flag existed, so blocks already on disk read as compressed.
TEST(Meta, TheRawFlagTrailsWhatOlderBlocksHold) {
  MetaSection compressed;
  compressed.meta.format_version = kFormatVersion;
  compressed.services = {"svc"};
  MetaSection raw = compressed;
  raw.meta.stored_raw = true;
  const std::string compressed_bytes = EncodeMeta(compressed);
  EXPECT_EQ(EncodeMeta(raw), compressed_bytes + '\x01');
  for (const auto& [bytes, stored_raw] :
       std::vector<std::pair<std::string, bool>>{{compressed_bytes, false}, {compressed_bytes + '\x01', true}}) {
    MetaSection decoded;
    decoded.meta.stored_raw = !stored_raw;
    ASSERT_TRUE(DecodeMeta(bytes, kFirstIndexPage, &decoded).ok());
    EXPECT_EQ(decoded.meta.stored_raw, stored_raw);
    EXPECT_EQ(decoded.services, compressed.services);
  }
  MetaSection decoded;
  for (const std::string& bad : {compressed_bytes + '\x02', compressed_bytes + std::string("\x01\x00", 2)}) {
    EXPECT_EQ(DecodeMeta(bad, kFirstIndexPage, &decoded).code(), Status::Code::kCorruption);  // unknown flag, trailing byte
  }
}

}  // namespace
}  // namespace hoptrace::store::block
