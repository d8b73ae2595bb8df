#include "hoptrace/sdk/propagation/carriers.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace hoptrace::sdk {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

TEST(EqualsIgnoreCaseTest, ComparesAsciiLetters) {
  EXPECT_TRUE(EqualsIgnoreCase("TraceParent", "traceparent"));
  EXPECT_TRUE(EqualsIgnoreCase("", ""));
  EXPECT_FALSE(EqualsIgnoreCase("traceparent", "traceparents"));
  EXPECT_FALSE(EqualsIgnoreCase("a-b", "a_b"));
}

template <typename Map>
class MapCarrierTest : public ::testing::Test {};
using MapTypes =
    ::testing::Types<std::map<std::string, std::string>, std::map<std::string, std::string, std::less<>>,
                     std::unordered_map<std::string, std::string>>;
TYPED_TEST_SUITE(MapCarrierTest, MapTypes);

TYPED_TEST(MapCarrierTest, GetsCaseInsensitivelyByDefault) {
  const TypeParam headers = {{"TraceParent", "x"}, {"other", "y"}};
  const HeaderCarrier carrier(headers);
  EXPECT_EQ(carrier.Get("traceparent"), "x");
  EXPECT_EQ(carrier.Get("TRACEPARENT"), "x");
  EXPECT_EQ(carrier.Get("other"), "y");
  EXPECT_FALSE(carrier.Get("missing").has_value());
}

TYPED_TEST(MapCarrierTest, ExactMatchingIgnoresOtherCases) {
  const TypeParam headers = {{"TraceParent", "x"}};
  const HeaderCarrier carrier(headers, KeyMatch::kExact);
  EXPECT_FALSE(carrier.Get("traceparent").has_value());
  EXPECT_EQ(carrier.Get("TraceParent"), "x");
}

TYPED_TEST(MapCarrierTest, SetReplacesCaseVariants) {
  TypeParam headers = {{"TraceParent", "old"}, {"other", "y"}};
  HeaderCarrier carrier(headers);
  carrier.Set("traceparent", "new");
  EXPECT_EQ(headers, (TypeParam{{"traceparent", "new"}, {"other", "y"}}));
}

TEST(VectorCarrierTest, JoinsRepeatedKeysWithComma) {
  const Pairs headers = {{"tracestate", "a=1"}, {"x", "y"}, {"TraceState", "b=2"}, {"tracestate", "c=3"}};
  const HeaderCarrier carrier(headers);
  EXPECT_EQ(carrier.Get("tracestate"), "a=1,b=2,c=3");
  EXPECT_EQ(carrier.Get("x"), "y");
  EXPECT_FALSE(carrier.Get("z").has_value());
  EXPECT_EQ(HeaderCarrier(headers, KeyMatch::kExact).Get("tracestate"), "a=1,c=3");
}

TEST(VectorCarrierTest, SetReplacesEveryMatchAtTheEnd) {
  Pairs headers = {{"B3", "old"}, {"x", "y"}, {"b3", "older"}};
  HeaderCarrier carrier(headers);
  carrier.Set("b3", "new");
  EXPECT_EQ(headers, (Pairs{{"x", "y"}, {"b3", "new"}}));
}

TEST(VectorCarrierTest, ConstContainerIsReadOnly) {
  const Pairs headers = {{"a", "1"}};
  HeaderCarrier carrier(headers);
  carrier.Set("b", "2");
  EXPECT_EQ(headers.size(), 1u);
}

TEST(FunctionCarrierTest, DelegatesToCallbacks) {
  Pairs written;
  FunctionCarrier carrier(
      [](std::string_view key) -> std::optional<std::string_view> {
        if (key == "known") return "value";
        return std::nullopt;
      },
      [&](std::string_view key, std::string_view value) { written.emplace_back(key, value); });
  EXPECT_EQ(carrier.Get("known"), "value");
  EXPECT_FALSE(carrier.Get("unknown").has_value());
  carrier.Set("k", "v");
  EXPECT_EQ(written, (Pairs{{"k", "v"}}));
}

TEST(FunctionCarrierTest, EmptyCallbacksDoNothing) {
  FunctionCarrier carrier(nullptr, nullptr);
  EXPECT_FALSE(carrier.Get("k").has_value());
  carrier.Set("k", "v");
}

}  // namespace
}  // namespace hoptrace::sdk
