#include "bounded_inflate.h"

#include <gtest/gtest.h>

#include "hoptrace/sdk/exporters/otlp/gzip.h"
#include "test_payloads.h"

namespace hoptrace::collector::internal {
namespace {

using sdk::exporters::otlp::GzipCompress;

TEST(InflateBounded, RoundTripsUpToExactlyTheLimit) {
  const std::string text(100'000, 'x');
  std::string out;
  std::string error;
  EXPECT_EQ(InflateBounded(GzipCompress(text), text.size(), &out, &error), InflateResult::kOk) << error;
  EXPECT_EQ(out, text);
  EXPECT_EQ(InflateBounded(GzipCompress(text), text.size() - 1, &out, &error), InflateResult::kTooLarge);
  EXPECT_TRUE(out.empty());
}

TEST(InflateBounded, ConcatenatedGzipMembersAreOneBody) {
  std::string out;
  std::string error;
  ASSERT_EQ(InflateBounded(GzipCompress("hello ") + GzipCompress("world"), 100, &out, &error), InflateResult::kOk)
      << error;
  EXPECT_EQ(out, "hello world");
}

TEST(InflateBounded, GzipBombStopsAtTheLimitWithoutInflating) {
  const std::string& bomb = testing::GibibyteGzipBomb();
  EXPECT_LT(bomb.size(), 2u << 20);  // 1 GiB of zeros in about 1 MiB
  std::string out;
  std::string error;
  EXPECT_EQ(InflateBounded(bomb, 16 << 20, &out, &error), InflateResult::kTooLarge);
  EXPECT_TRUE(out.empty());
  EXPECT_LE(out.capacity(), 2 * ((16u << 20) + 1)) << "memory grew with the bomb, not with the limit";
}

TEST(InflateBounded, CorruptAndTruncatedStreamsAreRefused) {
  const std::string good = GzipCompress(std::string(10'000, 'y'));
  std::string out;
  std::string error;
  EXPECT_EQ(InflateBounded("definitely not gzip", 1000, &out, &error), InflateResult::kCorrupt);
  EXPECT_FALSE(error.empty());
  EXPECT_EQ(InflateBounded(good.substr(0, good.size() / 2), 100'000, &out, &error), InflateResult::kCorrupt);
  EXPECT_NE(error.find("truncated"), std::string::npos) << error;
  std::string flipped = good;
  flipped[flipped.size() - 6] ^= 0x55;  // the CRC32 trailer
  EXPECT_EQ(InflateBounded(flipped, 100'000, &out, &error), InflateResult::kCorrupt);
  EXPECT_EQ(InflateBounded("", 1000, &out, &error), InflateResult::kCorrupt);
}

}  // namespace
}  // namespace hoptrace::collector::internal
