#include <gtest/gtest.h>

#include "hoptrace/http/url.h"

namespace hoptrace::http {
namespace {

TEST(PercentDecode, DecodesEscapesAndOptionallyPlus) {
  EXPECT_EQ(PercentDecode("a%20b%2Fc"), "a b/c");
  EXPECT_EQ(PercentDecode("a+b"), "a+b");
  EXPECT_EQ(PercentDecode("a+b", /*plus_as_space=*/true), "a b");
  EXPECT_EQ(PercentDecode("%e2%82%AC"), "\xe2\x82\xac");
  EXPECT_EQ(PercentDecode(""), "");
}

TEST(PercentDecode, RefusesMalformedEscapes) {
  for (const char* bad : {"%", "%4", "abc%", "%zz", "%g0", "a%2"}) {
    EXPECT_EQ(PercentDecode(bad), std::nullopt) << bad;
  }
}

TEST(PercentEncode, RoundTripsThroughDecode) {
  const std::string text = "service=front end/ü&x?#%";
  const std::string encoded = PercentEncode(text);
  EXPECT_EQ(encoded.find_first_of(" /&?#=\xc3"), std::string::npos) << encoded;
  EXPECT_EQ(PercentDecode(encoded), text);
}

TEST(SplitTarget, SeparatesPathAndQuery) {
  EXPECT_EQ(SplitTarget("/a/b?x=1&y"), std::make_pair(std::string_view("/a/b"), std::string_view("x=1&y")));
  EXPECT_EQ(SplitTarget("/a"), std::make_pair(std::string_view("/a"), std::string_view()));
  EXPECT_EQ(SplitTarget("/a?"), std::make_pair(std::string_view("/a"), std::string_view()));
}

TEST(QueryParams, ParsesRepeatedEmptyAndEncodedParameters) {
  const auto params = QueryParams::Parse("service=front+end&tag=a%3Db&&flag&tag=c&limit=");
  ASSERT_TRUE(params);
  EXPECT_EQ(params->Get("service"), "front end");
  EXPECT_EQ(params->GetAll("tag"), (std::vector<std::string_view>{"a=b", "c"}));
  EXPECT_TRUE(params->Has("flag"));
  EXPECT_EQ(params->Get("flag"), "");
  EXPECT_EQ(params->Get("limit"), "");
  EXPECT_EQ(params->Get("missing"), std::nullopt);
  EXPECT_EQ(params->items().size(), 5u);
}

TEST(QueryParams, MalformedEscapeNamesTheParameter) {
  std::string error;
  EXPECT_EQ(QueryParams::Parse("ok=1&lookback=%zz", &error), std::nullopt);
  EXPECT_NE(error.find("lookback"), std::string::npos) << error;
}

}  // namespace
}  // namespace hoptrace::http
