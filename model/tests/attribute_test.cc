#include "hoptrace/model/attribute.h"

#include <gtest/gtest.h>

#include "hoptrace/model/span.h"

namespace hoptrace::model {
namespace {

TEST(AttributeTest, SetReplacesExistingKeyAndKeepsOrder) {
  Attributes attributes;
  EXPECT_TRUE(SetAttribute(attributes, "a", std::int64_t{1}));
  EXPECT_TRUE(SetAttribute(attributes, "b", std::string_view("x")));
  EXPECT_TRUE(SetAttribute(attributes, "a", true));
  ASSERT_EQ(attributes.size(), 2u);
  EXPECT_EQ(attributes[0].key, "a");
  EXPECT_EQ(std::get<bool>(attributes[0].value), true);
  EXPECT_EQ(std::get<std::string>(*FindAttribute(attributes, "b")), "x");
  EXPECT_EQ(FindAttribute(attributes, "c"), nullptr);
}

TEST(AttributeTest, LimitRefusesNewKeysButAllowsUpdates) {
  Attributes attributes;
  EXPECT_TRUE(SetAttribute(attributes, "a", 1.5, 1));
  EXPECT_FALSE(SetAttribute(attributes, "b", 2.5, 1));
  EXPECT_TRUE(SetAttribute(attributes, "a", 3.5, 1));
  EXPECT_EQ(std::get<double>(attributes[0].value), 3.5);
}

TEST(AttributeTest, ArraysAreCopied) {
  Attributes attributes;
  const std::string_view names[] = {"x", "y"};
  const std::int64_t numbers[] = {1, 2, 3};
  const bool flags[] = {true, false};
  SetAttribute(attributes, "names", std::span<const std::string_view>(names));
  SetAttribute(attributes, "numbers", std::span<const std::int64_t>(numbers));
  SetAttribute(attributes, "flags", std::span<const bool>(flags));
  EXPECT_EQ(std::get<std::vector<std::string>>(attributes[0].value), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(std::get<std::vector<std::int64_t>>(attributes[1].value), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(AttributeValueToString(attributes[2].value), "[true, false]");
}

TEST(AttributeTest, TruncationRespectsUtf8Boundaries) {
  AttributeValue value = std::string("h\xC3\xA9llo");  // "héllo": é is two bytes
  EXPECT_TRUE(TruncateAttributeValue(value, 2));
  EXPECT_EQ(std::get<std::string>(value), "h");
  EXPECT_FALSE(TruncateAttributeValue(value, 2));
  AttributeValue list = std::vector<std::string>{"abcdef", "ab"};
  EXPECT_TRUE(TruncateAttributeValue(list, 3));
  EXPECT_EQ(std::get<std::vector<std::string>>(list), (std::vector<std::string>{"abc", "ab"}));
}

TEST(SlotVectorTest, ClearKeepsSlotsForReuse) {
  SlotVector<std::string> v;
  v.emplace_slot().assign(100, 'x');
  const char* buffer = v[0].data();
  v.clear();
  EXPECT_TRUE(v.empty());
  std::string& reused = v.emplace_slot();
  EXPECT_EQ(reused.data(), buffer);  // same heap buffer: no new allocation
  reused.assign(50, 'y');
  EXPECT_EQ(reused.data(), buffer);
  SlotVector<std::string> copy = v;
  EXPECT_EQ(copy.size(), 1u);
  EXPECT_EQ(copy, v);
}

TEST(SpanModelTest, RootAndDuration) {
  Span span;
  EXPECT_TRUE(span.IsRoot());
  span.start_time_unix_nano = 100;
  span.end_time_unix_nano = 350;
  EXPECT_EQ(span.DurationNanos(), 250u);
  span.parent_span_id = SpanId::FromHighLow(0, 7);
  EXPECT_FALSE(span.IsRoot());
  EXPECT_STREQ(SpanKindName(SpanKind::kConsumer), "CONSUMER");
}

}  // namespace
}  // namespace hoptrace::model
