#include "hoptrace/sdk/trace_state.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hoptrace::sdk {
namespace {

std::string Repeat(char c, std::size_t n) {
  return std::string(n, c);
}

using Members = std::vector<std::pair<std::string, std::string>>;

// k0=v, k1=v, ...: `count` distinct valid members.
Members ManyMemberList(std::size_t count) {
  Members members;
  for (std::size_t i = 0; i < count; ++i) members.emplace_back("k" + std::to_string(i), "v");
  return members;
}

std::string ManyMembers(std::size_t count) {
  std::string header;
  for (const auto& [key, value] : ManyMemberList(count)) {
    if (!header.empty()) header += ',';
    header += key + "=" + value;
  }
  return header;
}

struct KeyCase {
  std::string key;
  bool valid;
};

TEST(TraceStateTest, KeyGrammar) {
  const std::vector<KeyCase> cases = {
      {"a", true},
      {"foo", true},
      {"a0_-*/", true},
      {"a" + Repeat('b', 255), true},   // 256: the longest simple key
      {"a" + Repeat('b', 256), false},  // 257
      {"", false},
      {"0abc", false},  // simple keys start with a letter
      {"_abc", false},
      {"Foo", false},  // upper case
      {"fo o", false},
      {"fo.o", false},
      {"foo=", false},
      {"tenant@system", true},
      {"0tenant@system", true},  // tenants may start with a digit
      {"t@s", true},
      {Repeat('t', 241) + "@s", true},
      {Repeat('t', 242) + "@s", false},
      {"t@s" + Repeat('x', 13), true},
      {"t@s" + Repeat('x', 14), false},
      {"t@0system", false},  // systems start with a letter
      {"@system", false},
      {"tenant@", false},
      {"a@b@c", false},
      {"_t@s", false},
      {"T@s", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(TraceState::IsValidKey(c.key), c.valid) << '"' << c.key << '"';
  }
}

struct ValueCase {
  std::string value;
  bool valid;
};

TEST(TraceStateTest, ValueGrammar) {
  const std::vector<ValueCase> cases = {
      {"v", true},
      {"!\"#$%&'()*+-./:;<>?@[\\]^_`{|}~", true},  // every printable except ',' and '='
      {"a b", true},
      {" b", true},  // a leading space is part of the value
      {Repeat('v', 256), true},
      {Repeat('v', 257), false},
      {"", false},
      {"b ", false},  // the last character may not be a space
      {"a,b", false},
      {"a=b", false},
      {"a\tb", false},
      {"caf\xc3\xa9", false},  // non-ASCII
      {"a\x7f", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(TraceState::IsValidValue(c.value), c.valid) << '"' << c.value << '"';
  }
}

struct ParseCase {
  std::string name;
  std::string header;
  // The members in order; unset means the whole header is discarded.
  std::optional<Members> members;
};

TEST(TraceStateTest, Parse) {
  using M = Members;
  const std::vector<ParseCase> cases = {
      {"empty header", "", M{}},
      {"single", "foo=1", M{{"foo", "1"}}},
      {"order kept", "b=2,a=1", M{{"b", "2"}, {"a", "1"}}},
      {"whitespace around members", " \tfoo=1 , bar=2\t ", M{{"foo", "1"}, {"bar", "2"}}},
      {"empty members skipped", ",foo=1,, ,bar=2,", M{{"foo", "1"}, {"bar", "2"}}},
      {"only commas", " , ,", M{}},
      {"multi-tenant", "rojo@congo=x,a@b=y", M{{"rojo@congo", "x"}, {"a@b", "y"}}},
      {"value with spaces inside", "foo=a b", M{{"foo", "a b"}}},
      {"32 members", ManyMembers(32), ManyMemberList(32)},
      {"33 members", ManyMembers(33), std::nullopt},
      {"duplicate key", "foo=1,bar=2,foo=3", std::nullopt},
      {"missing equals", "foo", std::nullopt},
      {"empty key", "=1", std::nullopt},
      {"empty value", "foo=", std::nullopt},
      {"invalid key", "Foo=1", std::nullopt},
      {"space before equals", "foo =1", std::nullopt},
      {"second equals", "foo=1=2", std::nullopt},
      {"one bad member discards all", "foo=1,b@r@z=2", std::nullopt},
      {"value too long", "foo=" + Repeat('v', 257), std::nullopt},
  };
  for (const auto& c : cases) {
    const auto parsed = TraceState::Parse(c.header);
    ASSERT_EQ(parsed.has_value(), c.members.has_value()) << c.name;
    if (parsed) {
      EXPECT_EQ(parsed->members(), *c.members) << c.name;
    }
  }
}

TEST(TraceStateTest, EmptyStateHoldsNothing) {
  const TraceState state;
  EXPECT_TRUE(state.empty());
  EXPECT_EQ(state.size(), 0u);
  EXPECT_TRUE(state.members().empty());
  EXPECT_EQ(state.ToHeader(), "");
  EXPECT_FALSE(state.Get("foo").has_value());
  EXPECT_EQ(state, *TraceState::Parse(""));
}

TEST(TraceStateTest, GetFindsMembers) {
  const auto state = *TraceState::Parse("foo=1,bar=2");
  EXPECT_EQ(state.Get("bar"), "2");
  EXPECT_EQ(state.Get("foo"), "1");
  EXPECT_FALSE(state.Get("baz").has_value());
}

TEST(TraceStateTest, SetMovesTheMemberToTheFront) {
  const auto original = *TraceState::Parse("foo=1,bar=2");
  EXPECT_EQ(original.Set("baz", "3").ToHeader(), "baz=3,foo=1,bar=2");
  EXPECT_EQ(original.Set("bar", "9").ToHeader(), "bar=9,foo=1");
  EXPECT_EQ(original.ToHeader(), "foo=1,bar=2");  // immutable
  EXPECT_EQ(TraceState().Set("foo", "1").ToHeader(), "foo=1");
}

TEST(TraceStateTest, SetIgnoresInvalidKeysAndValues) {
  const auto original = *TraceState::Parse("foo=1");
  EXPECT_EQ(original.Set("Bad", "1"), original);
  EXPECT_EQ(original.Set("good", "a,b"), original);
  EXPECT_EQ(original.Set("good", ""), original);
}

TEST(TraceStateTest, SetBeyond32DropsTheRightmost) {
  const auto full = *TraceState::Parse(ManyMembers(32));
  const auto updated = full.Set("new", "x");
  EXPECT_EQ(updated.size(), 32u);
  EXPECT_EQ(updated.members().front().first, "new");
  EXPECT_EQ(updated.members().back().first, "k30");
  EXPECT_FALSE(updated.Get("k31").has_value());
}

TEST(TraceStateTest, Remove) {
  const auto state = *TraceState::Parse("foo=1,bar=2,baz=3");
  EXPECT_EQ(state.Remove("bar").ToHeader(), "foo=1,baz=3");
  EXPECT_EQ(state.Remove("absent"), state);
  EXPECT_TRUE(TraceState::Parse("foo=1")->Remove("foo").empty());
}

TEST(TraceStateTest, HeaderRoundTrips) {
  const std::string header = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE,a@b=x y";
  EXPECT_EQ(TraceState::Parse(header)->ToHeader(), header);
}

TEST(TraceStateTest, ToHeaderDropsLongMembersFirstThenFromTheEnd) {
  // 4 short members (8 chars each), two long ones (200 and 150 chars), and enough 100-char
  // members to pass 512.
  TraceState state;
  state = state.Set("e", Repeat('e', 98));       // 100 chars
  state = state.Set("d", Repeat('d', 98));       // 100
  state = state.Set("long1", Repeat('x', 194));  // 200
  state = state.Set("c", Repeat('c', 98));       // 100
  state = state.Set("long2", Repeat('y', 144));  // 150
  state = state.Set("short1", "v");              // 8
  // Order: short1, long2, c, long1, d, e = 8+150+100+200+100+100 + 5 commas = 663.
  const std::string header = state.ToHeader();
  EXPECT_LE(header.size(), TraceState::kMaxHeaderLength);
  // Dropping long1 (the longest) leaves 8+150+100+100+100+4 = 462: fits, long2 survives.
  EXPECT_EQ(header, "short1=v,long2=" + Repeat('y', 144) + ",c=" + Repeat('c', 98) + ",d=" + Repeat('d', 98) +
                        ",e=" + Repeat('e', 98));
}

TEST(TraceStateTest, ToHeaderDropsFromTheEndWhenNoLongMembersRemain) {
  TraceState state;
  for (char c = 'a'; c <= 'f'; ++c) state = state.Set(std::string(1, c), Repeat(c, 98));  // 6 x 100
  // Order f..a; 6*100 + 5 = 605 > 512; dropping "a" leaves 5*100 + 4 = 504.
  const std::string header = state.ToHeader();
  EXPECT_EQ(header.size(), 504u);
  EXPECT_EQ(header.find("a="), std::string::npos);
  EXPECT_EQ(header.substr(0, 2), "f=");
  EXPECT_EQ(state.size(), 6u);  // the state itself is unchanged
}

}  // namespace
}  // namespace hoptrace::sdk
