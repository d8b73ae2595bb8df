#include "hoptrace/query/duration.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace hoptrace::query {
namespace {

struct DurationCase {
  std::string text;
  std::optional<std::int64_t> nanos;
};

class GoDurationTest : public ::testing::TestWithParam<DurationCase> {};

TEST_P(GoDurationTest, ParsesLikeGo) { EXPECT_EQ(ParseGoDuration(GetParam().text), GetParam().nanos); }

INSTANTIATE_TEST_SUITE_P(
    Texts, GoDurationTest,
    ::testing::Values(DurationCase{"0", 0}, DurationCase{"1ns", 1}, DurationCase{"1us", 1'000},
                      DurationCase{"1\xC2\xB5s", 1'000}, DurationCase{"1\xCE\xBCs", 1'000}, DurationCase{"100ms", 100'000'000},
                      DurationCase{"1.5s", 1'500'000'000}, DurationCase{".5s", 500'000'000}, DurationCase{"1.s", 1'000'000'000},
                      DurationCase{"2m", 120'000'000'000}, DurationCase{"1h30m", 5'400'000'000'000},
                      DurationCase{"-2us", -2'000}, DurationCase{"+3ms", 3'000'000}, DurationCase{"1.000000001s", 1'000'000'001},
                      DurationCase{"2562047h", 2562047LL * 3'600'000'000'000LL},
                      // Not durations: no unit, unknown unit, bare unit, empty, overflow, trailing junk.
                      DurationCase{"5", std::nullopt}, DurationCase{"5x", std::nullopt}, DurationCase{"s", std::nullopt},
                      DurationCase{"", std::nullopt}, DurationCase{"-", std::nullopt}, DurationCase{".s", std::nullopt},
                      DurationCase{"9999999999999999999h", std::nullopt}, DurationCase{"2562048h", std::nullopt},
                      DurationCase{"1s ", std::nullopt}, DurationCase{"1d", std::nullopt}));

TEST(LookbackTest, AcceptsGoDurationsDaysAndWeeks) {
  EXPECT_EQ(ParseLookback("1h"), 3'600'000'000'000);
  EXPECT_EQ(ParseLookback("2d"), 2 * 86'400'000'000'000);
  EXPECT_EQ(ParseLookback("1w"), 7 * 86'400'000'000'000);
  EXPECT_EQ(ParseLookback("custom"), std::nullopt);
  EXPECT_EQ(ParseLookback("d"), std::nullopt);
  EXPECT_EQ(ParseLookback("1.5d"), std::nullopt);
  EXPECT_EQ(ParseLookback("99999999999999d"), std::nullopt);
}

}  // namespace
}  // namespace hoptrace::query
