#include "wal/batch_codec.h"

#include <gtest/gtest.h>

#include "wal/test_util.h"

namespace hoptrace::store::wal {
namespace {

using testing::BatchOf;
using testing::RichSpan;

TEST(BatchCodecTest, RoundTripKeepsEveryField) {
  model::TraceBatch batch = BatchOf("checkout", {RichSpan(1, 1, 1'000'000), RichSpan(1, 2, 2'000'000)});
  batch.resource_spans[0].resource.dropped_attributes_count = 3;
  batch.resource_spans[0].scope_spans[0].scope.attributes.push_back({"lib", std::string("x")});
  batch.resource_spans[0].scope_spans[0].schema_url = "scope-schema";
  batch.resource_spans.push_back(BatchOf("cart", {RichSpan(2, 5, 3)}).resource_spans[0]);
  std::string bytes;
  EncodeBatch(batch, &bytes);
  model::TraceBatch decoded;
  ASSERT_TRUE(DecodeBatch(bytes, &decoded));
  EXPECT_EQ(decoded, batch);
}

TEST(BatchCodecTest, EndBeforeStartSurvives) {
  model::Span span = RichSpan(1, 1, 5'000);
  span.end_time_unix_nano = 10;  // clock skew in the sender: keep what was sent
  const model::TraceBatch batch = BatchOf("svc", {span});
  std::string bytes;
  EncodeBatch(batch, &bytes);
  model::TraceBatch decoded;
  ASSERT_TRUE(DecodeBatch(bytes, &decoded));
  EXPECT_EQ(decoded, batch);
}

TEST(BatchCodecTest, EveryTruncationIsRefusedWithoutCrashing) {
  std::string bytes;
  EncodeBatch(BatchOf("svc", {RichSpan(1, 1, 1), RichSpan(1, 2, 2)}), &bytes);
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    model::TraceBatch decoded;
    EXPECT_FALSE(DecodeBatch(std::string_view(bytes).substr(0, size), &decoded)) << "prefix of " << size;
  }
}

TEST(BatchCodecTest, GarbageIsRefusedWithoutCrashing) {
  std::string bytes;
  EncodeBatch(BatchOf("svc", {RichSpan(1, 1, 1)}), &bytes);
  std::size_t refused = 0;
  for (std::size_t i = 1; i < bytes.size(); ++i) {
    std::string damaged = bytes;
    damaged[i] = static_cast<char>(0xff);
    model::TraceBatch decoded;
    if (!DecodeBatch(damaged, &decoded)) ++refused;  // some bytes (ID, text) decode to other valid values
  }
  EXPECT_GT(refused, 0u);
  model::TraceBatch decoded;
  EXPECT_FALSE(DecodeBatch(std::string("\x01\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 10), &decoded));
  EXPECT_FALSE(DecodeBatch("\x09", &decoded));  // unknown version
}

}  // namespace
}  // namespace hoptrace::store::wal
