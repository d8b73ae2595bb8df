#include "text_encoding.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace hoptrace::otlp::internal {
namespace {

std::string JsonString(std::string_view s) {
  std::string out;
  AppendJsonString(s, &out);
  return out;
}

struct EscapeCase {
  std::string_view input;
  std::string_view json;
};

TEST(JsonStringTest, EscapesWhatJsonRequiresAndRepairsInvalidUtf8) {
  const EscapeCase cases[] = {
      {"", R"("")"},
      {"plain text", R"("plain text")"},
      {"a\"b\\c/d", R"("a\"b\\c/d")"},
      {"\n\t\r\b\f", R"("\n\t\r\b\f")"},
      {std::string_view("\x00\x01\x1f\x7f", 4), "\"\\u0000\\u0001\\u001f\x7f\""},
      {"héllo ✓ 😀", "\"héllo ✓ 😀\""},
      {"a\xff" "b", "\"a\xEF\xBF\xBD" "b\""},             // byte that is never UTF-8
      {"\xe2\x82", "\"\xEF\xBF\xBD\xEF\xBF\xBD\""},         // truncated sequence
      {"\xc0\xaf", "\"\xEF\xBF\xBD\xEF\xBF\xBD\""},         // overlong '/'
      {"\xed\xa0\x80", "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\""},  // UTF-16 surrogate
      {"\xf4\x90\x80\x80", "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\""},  // above U+10FFFF
      {"ok\xff\n", "\"ok\xEF\xBF\xBD\\n\""},                // invalid UTF-8 and an escape together
  };
  for (const auto& c : cases) EXPECT_EQ(JsonString(c.input), c.json) << "input: " << c.input;
}

TEST(ValidUtf8Test, KeepsValidTextAndReplacesInvalidBytes) {
  std::string out;
  AssignValidUtf8("ünïcode \n", &out);
  EXPECT_EQ(out, "ünïcode \n");
  AssignValidUtf8("bad\xc3", &out);
  EXPECT_EQ(out, "bad\xEF\xBF\xBD");
  EXPECT_TRUE(IsValidUtf8(out));
}

TEST(Base64Test, EncodesRfc4648VectorsAndDecodesEverySpelling) {
  const std::pair<std::string_view, std::string_view> vectors[] = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}, {"\xfb\xff", "+/8="}};
  for (const auto& [bytes, text] : vectors) {
    std::string encoded;
    AppendBase64(bytes, &encoded);
    EXPECT_EQ(encoded, text);
    std::string decoded;
    ASSERT_TRUE(DecodeBase64(text, &decoded)) << text;
    EXPECT_EQ(decoded, bytes);
  }
  std::string url_safe_unpadded;
  ASSERT_TRUE(DecodeBase64("-_8", &url_safe_unpadded));
  EXPECT_EQ(url_safe_unpadded, "\xfb\xff");
  std::string rejected;
  EXPECT_FALSE(DecodeBase64("ab!d", &rejected));
  EXPECT_FALSE(DecodeBase64("abcde", &rejected));
}

TEST(DoubleTextTest, RoundTripsShortestTextAndSpecialValues) {
  const double values[] = {0.0, 1.5, -2.25, 1e300, 5e-324, 0.1, std::numeric_limits<double>::infinity(),
                           -std::numeric_limits<double>::infinity()};
  for (double value : values) {
    std::string text;
    AppendDoubleText(value, &text);
    double parsed = 0;
    ASSERT_TRUE(ParseDoubleText(text, &parsed)) << text;
    EXPECT_EQ(parsed, value) << text;
  }
  std::string text;
  AppendJsonDouble(std::nan(""), &text);
  EXPECT_EQ(text, R"("NaN")");
  double parsed = 0;
  ASSERT_TRUE(ParseDoubleText("NaN", &parsed));
  EXPECT_TRUE(std::isnan(parsed));
  EXPECT_FALSE(ParseDoubleText("1.5x", &parsed));
}

}  // namespace
}  // namespace hoptrace::otlp::internal
