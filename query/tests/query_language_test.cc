#include "hoptrace/query/query_language.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hoptrace::query {
namespace {

using model::SpanKind;
using model::StatusCode;
using store::AttributeScope;
using store::CompareOp;
using store::Field;
using store::Intrinsic;
using store::Literal;
using store::SpanFilter;
using store::SpanFilterPtr;

constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kS = 1'000 * kMs;

Field In(Intrinsic intrinsic) { return Field{.intrinsic = intrinsic}; }
Field SpanAttr(std::string key) { return Field{.scope = AttributeScope::kSpan, .attribute = std::move(key)}; }
Field ResourceAttr(std::string key) { return Field{.scope = AttributeScope::kResource, .attribute = std::move(key)}; }
Field AnyAttr(std::string key) { return Field{.scope = AttributeScope::kAny, .attribute = std::move(key)}; }
SpanFilterPtr Cmp(Field field, CompareOp op, Literal value) { return SpanFilter::Compare({std::move(field), op, std::move(value)}); }

bool SameTree(const SpanFilter& a, const SpanFilter& b) {
  if (a.kind != b.kind || a.children.size() != b.children.size()) return false;
  if (a.kind == SpanFilter::Kind::kComparison && !(a.comparison == b.comparison)) return false;
  for (std::size_t i = 0; i < a.children.size(); ++i) {
    if (!SameTree(*a.children[i], *b.children[i])) return false;
  }
  return true;
}

struct ValidCase {
  std::string query;
  SpanFilterPtr expected;
};

void PrintTo(const ValidCase& c, std::ostream* os) { *os << c.query; }

class ValidQueryTest : public ::testing::TestWithParam<ValidCase> {};

TEST_P(ValidQueryTest, BuildsExactFilterTree) {
  const ParsedQuery parsed = ParseQuery(GetParam().query);
  ASSERT_TRUE(parsed.ok()) << parsed.error.ToString();
  EXPECT_TRUE(SameTree(*parsed.filter, *GetParam().expected))
      << "got      " << FormatFilter(*parsed.filter) << "\nexpected " << FormatFilter(*GetParam().expected);
}

TEST_P(ValidQueryTest, FormatParsesBackToTheSameTree) {
  const ParsedQuery parsed = ParseQuery(GetParam().query);
  ASSERT_TRUE(parsed.ok()) << parsed.error.ToString();
  const std::string formatted = FormatFilter(*parsed.filter);
  const ParsedQuery reparsed = ParseQuery(formatted);
  ASSERT_TRUE(reparsed.ok()) << formatted << ": " << reparsed.error.ToString();
  EXPECT_TRUE(SameTree(*reparsed.filter, *parsed.filter)) << formatted;
}

INSTANTIATE_TEST_SUITE_P(
    Queries, ValidQueryTest,
    ::testing::Values(
        ValidCase{"{}", SpanFilter::True()},
        ValidCase{"  {  }  ", SpanFilter::True()},
        ValidCase{R"({ resource.service.name = "payments" && span.http.response.status_code >= 500 })",
                  SpanFilter::And({Cmp(In(Intrinsic::kServiceName), CompareOp::kEq, std::string("payments")),
                                   Cmp(SpanAttr("http.response.status_code"), CompareOp::kGe, std::int64_t{500})})},
        ValidCase{"{ duration > 1s }", Cmp(In(Intrinsic::kDuration), CompareOp::kGt, kS)},
        ValidCase{"{duration<=1.5s}", Cmp(In(Intrinsic::kDuration), CompareOp::kLe, 1'500 * kMs)},
        ValidCase{"{ duration < 1h30m }", Cmp(In(Intrinsic::kDuration), CompareOp::kLt, 5'400 * kS)},
        ValidCase{"{ duration >= 250\xC2\xB5s }", Cmp(In(Intrinsic::kDuration), CompareOp::kGe, std::int64_t{250'000})},
        ValidCase{"{ duration != 7ns }", Cmp(In(Intrinsic::kDuration), CompareOp::kNe, std::int64_t{7})},
        ValidCase{"{ status = error }", Cmp(In(Intrinsic::kStatus), CompareOp::kEq, StatusCode::kError)},
        ValidCase{"{ status != ok }", Cmp(In(Intrinsic::kStatus), CompareOp::kNe, StatusCode::kOk)},
        ValidCase{"{ status = unset }", Cmp(In(Intrinsic::kStatus), CompareOp::kEq, StatusCode::kUnset)},
        ValidCase{"{ kind = server }", Cmp(In(Intrinsic::kKind), CompareOp::kEq, SpanKind::kServer)},
        ValidCase{"{ kind != unspecified }", Cmp(In(Intrinsic::kKind), CompareOp::kNe, SpanKind::kUnspecified)},
        ValidCase{"{ kind = consumer || kind = producer || kind = client || kind = internal }",
                  SpanFilter::Or({Cmp(In(Intrinsic::kKind), CompareOp::kEq, SpanKind::kConsumer),
                                  Cmp(In(Intrinsic::kKind), CompareOp::kEq, SpanKind::kProducer),
                                  Cmp(In(Intrinsic::kKind), CompareOp::kEq, SpanKind::kClient),
                                  Cmp(In(Intrinsic::kKind), CompareOp::kEq, SpanKind::kInternal)})},
        ValidCase{R"({ name =~ "GET /orders.*" })", Cmp(In(Intrinsic::kName), CompareOp::kRegex, std::string("GET /orders.*"))},
        ValidCase{R"({ name !~ "^health" })", Cmp(In(Intrinsic::kName), CompareOp::kNotRegex, std::string("^health"))},
        ValidCase{R"({ statusMessage = "timed out" })",
                  Cmp(In(Intrinsic::kStatusMessage), CompareOp::kEq, std::string("timed out"))},
        ValidCase{R"({ .region = "eu" })", Cmp(AnyAttr("region"), CompareOp::kEq, std::string("eu"))},
        ValidCase{R"({ resource.host.name != "a" })", Cmp(ResourceAttr("host.name"), CompareOp::kNe, std::string("a"))},
        ValidCase{"{ .service.name = \"x\" }", Cmp(AnyAttr("service.name"), CompareOp::kEq, std::string("x"))},
        ValidCase{"{ span.ratio < 0.25 }", Cmp(SpanAttr("ratio"), CompareOp::kLt, 0.25)},
        ValidCase{"{ span.delta > -3 }", Cmp(SpanAttr("delta"), CompareOp::kGt, std::int64_t{-3})},
        ValidCase{"{ span.delta > -1.5 }", Cmp(SpanAttr("delta"), CompareOp::kGt, -1.5)},
        ValidCase{"{ span.cache.hit = true }", Cmp(SpanAttr("cache.hit"), CompareOp::kEq, true)},
        ValidCase{"{ span.cache.hit != false }", Cmp(SpanAttr("cache.hit"), CompareOp::kNe, false)},
        ValidCase{"{ span.timeout > 2s }", Cmp(SpanAttr("timeout"), CompareOp::kGt, 2 * kS)},
        ValidCase{"{ span.x-request-id != nil }", Cmp(SpanAttr("x-request-id"), CompareOp::kExists, std::monostate{})},
        ValidCase{R"({ span."key with spaces" = "v" })", Cmp(SpanAttr("key with spaces"), CompareOp::kEq, std::string("v"))},
        ValidCase{R"({ .msg = "say \"hi\"\\\n\t\u00e9" })",
                  Cmp(AnyAttr("msg"), CompareOp::kEq, std::string("say \"hi\"\\\n\t\xC3\xA9"))},
        ValidCase{R"({ .k = "" })", Cmp(AnyAttr("k"), CompareOp::kEq, std::string())},
        ValidCase{R"({ .k = "\u0001\/" })", Cmp(AnyAttr("k"), CompareOp::kEq, std::string("\x01/"))},
        // && binds tighter than ||; parentheses override; chains of one operator flatten.
        ValidCase{"{ .a = 1 || .b = 2 && .c = 3 }",
                  SpanFilter::Or({Cmp(AnyAttr("a"), CompareOp::kEq, std::int64_t{1}),
                                  SpanFilter::And({Cmp(AnyAttr("b"), CompareOp::kEq, std::int64_t{2}),
                                                   Cmp(AnyAttr("c"), CompareOp::kEq, std::int64_t{3})})})},
        ValidCase{"{ (.a = 1 || .b = 2) && .c = 3 }",
                  SpanFilter::And({SpanFilter::Or({Cmp(AnyAttr("a"), CompareOp::kEq, std::int64_t{1}),
                                                   Cmp(AnyAttr("b"), CompareOp::kEq, std::int64_t{2})}),
                                   Cmp(AnyAttr("c"), CompareOp::kEq, std::int64_t{3})})},
        ValidCase{"{ (.a = 1 && .b = 2) && (.c = 3) }",
                  SpanFilter::And({Cmp(AnyAttr("a"), CompareOp::kEq, std::int64_t{1}),
                                   Cmp(AnyAttr("b"), CompareOp::kEq, std::int64_t{2}),
                                   Cmp(AnyAttr("c"), CompareOp::kEq, std::int64_t{3})})},
        ValidCase{"{ ((.a = 1)) }", Cmp(AnyAttr("a"), CompareOp::kEq, std::int64_t{1})}));

struct InvalidCase {
  std::string query;
  std::string message;
};

void PrintTo(const InvalidCase& c, std::ostream* os) { *os << c.query; }

class InvalidQueryTest : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidQueryTest, ReportsColumnAndWhatWasExpected) {
  const ParsedQuery parsed = ParseQuery(GetParam().query);
  ASSERT_FALSE(parsed.ok()) << FormatFilter(*parsed.filter);
  EXPECT_EQ(parsed.error.ToString(), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Queries, InvalidQueryTest,
    ::testing::Values(
        InvalidCase{"", "column 1: expected '{', found end of query"},
        InvalidCase{"name = \"x\"", "column 1: expected '{', found 'name'"},
        InvalidCase{"{ span.http.status >= }", "column 23: expected a value after '>=', found '}'"},
        InvalidCase{R"({ resource.service.name >= })", "column 28: expected a value after '>=', found '}'"},
        InvalidCase{"{ name = \"x\"", "column 13: expected '&&', '||' or '}', found end of query"},
        InvalidCase{"{ name = \"x\" } extra", "column 16: expected end of query after '}', found 'extra'"},
        InvalidCase{"{ (name = \"x\" }", "column 15: expected '&&', '||' or ')', found '}'"},
        InvalidCase{"{ = 5 }", "column 3: expected a field such as name, duration, span.<key> or resource.<key>, found '='"},
        InvalidCase{"{ && }", "column 3: expected a field such as name, duration, span.<key> or resource.<key>, found '&&'"},
        InvalidCase{"{ name \"x\" }",
                    "column 8: expected an operator (=, !=, <, <=, >, >=, =~, !~) after 'name', found \"x\""},
        InvalidCase{"{ foo = 1 }", "column 3: unknown field 'foo' (attributes need a scope: span.foo, resource.foo or .foo)"},
        InvalidCase{"{ error = 1 }", "column 3: expected a field before the value 'error'"},
        InvalidCase{"{ span. = 1 }", "column 3: expected an attribute name after 'span.'"},
        InvalidCase{"{ .x = foo }", "column 8: unknown value 'foo' (write strings in double quotes: \"foo\")"},
        InvalidCase{"{ name = \"abc }", "column 10: unterminated string"},
        InvalidCase{R"({ name = "a\qb" })", "column 12: unknown escape '\\q' in string (use \\\" \\\\ \\n \\t \\r or \\uXXXX)"},
        InvalidCase{R"({ name = "\u12" })", "column 11: expected four hex digits after '\\u'"},
        InvalidCase{"{ name # 1 }", "column 8: unexpected character '#'"},
        InvalidCase{"{ \xC2\xB5 = 1 }", "column 3: unexpected character '\xC2\xB5'"},
        InvalidCase{"{ name = \"\xC3\xA9\xC3\xA9\" # }", "column 15: unexpected character '#'"},
        InvalidCase{"{ .a = 1 & .b = 2 }", "column 10: unexpected character '&' (did you mean '&&'?)"},
        InvalidCase{"{ .a = 1 | .b = 2 }", "column 10: unexpected character '|' (did you mean '||'?)"},
        InvalidCase{"{ .a ! 1 }", "column 6: unexpected character '!'"},
        InvalidCase{"{ duration > 5 }", "column 14: duration compares with a duration such as 100ms or 1.5s, found '5'"},
        InvalidCase{"{ duration > \"5s\" }",
                    "column 14: duration compares with a duration such as 100ms or 1.5s, found \"5s\""},
        InvalidCase{"{ duration > 5x }", "column 14: invalid number or duration '5x' (durations use ns, us, µs, ms, s, m, h)"},
        InvalidCase{"{ .n = 1.2.3 }", "column 8: invalid number or duration '1.2.3' (durations use ns, us, µs, ms, s, m, h)"},
        InvalidCase{"{ .n = 99999999999999999999 }", "column 8: number '99999999999999999999' is out of range"},
        InvalidCase{"{ status = bad }", "column 12: unknown value 'bad' (write strings in double quotes: \"bad\")"},
        InvalidCase{"{ status = \"error\" }", "column 12: status compares with ok, error or unset, found \"error\""},
        InvalidCase{"{ status > ok }", "column 10: 'status' compares only with = and !=, found '>'"},
        InvalidCase{"{ kind = error }",
                    "column 10: kind compares with server, client, producer, consumer, internal or unspecified, found 'error'"},
        InvalidCase{"{ kind =~ \"serv.*\" }", "column 8: 'kind' compares only with = and !=, found '=~'"},
        InvalidCase{"{ name = 5 }", "column 10: 'name' compares with a string, found '5'"},
        InvalidCase{"{ resource.service.name = true }", "column 27: 'resource.service.name' compares with a string, found 'true'"},
        InvalidCase{"{ span.x = server }", "column 12: 'span.x' compares with a string, number, boolean or duration, found 'server'"},
        InvalidCase{"{ span.x =~ 5 }", "column 13: '=~' needs a regular expression in a string, found '5'"},
        InvalidCase{"{ name =~ \"(unclosed\" }", "column 11: invalid regular expression \"(unclosed\": unbalanced parentheses"},
        InvalidCase{"{ name !~ \"[abc\" }", "column 11: invalid regular expression \"[abc\": unbalanced brackets"},
        InvalidCase{"{ .ok < true }", "column 7: booleans compare only with = and !=, found '<'"},
        InvalidCase{"{ .x = nil }", "column 6: nil compares only with '!=' (.x != nil: the field exists)"},
        InvalidCase{"{ .a = 1 && }", "column 13: expected a field such as name, duration, span.<key> or resource.<key>, found '}'"}));

TEST(QueryLanguageTest, DeepNestingIsAnErrorNotACrash) {
  const std::string query = "{ " + std::string(10'000, '(') + ".a = 1" + std::string(10'000, ')') + " }";
  const ParsedQuery parsed = ParseQuery(query);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error.ToString(), "column 67: parentheses nested deeper than 64");
}

TEST(QueryLanguageTest, OverlongRegexIsRejected) {
  const ParsedQuery parsed = ParseQuery("{ name =~ \"" + std::string(2'000, 'a') + "\" }");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error.ToString(), "column 11: regular expression longer than 1024 characters");
}

// Parsed filters evaluated with the store's reference evaluation on sample spans.
class EvaluationTest : public ::testing::Test {
 protected:
  EvaluationTest() {
    payments_.attributes.push_back({"service.name", std::string("payments")});
    payments_.attributes.push_back({"host.name", std::string("pay-1")});
    frontend_.attributes.push_back({"service.name", std::string("frontend")});

    checkout_.name = "POST /checkout";
    checkout_.kind = model::SpanKind::kServer;
    checkout_.start_time_unix_nano = 1'000;
    checkout_.end_time_unix_nano = 1'000 + 2 * kS;
    checkout_.status = {model::StatusCode::kError, "card declined"};
    checkout_.attributes.push_back({"http.response.status_code", std::int64_t{502}});
    checkout_.attributes.push_back({"retry.ratio", 0.5});
    checkout_.attributes.push_back({"cache.hit", false});

    orders_.name = "GET /orders/42";
    orders_.kind = model::SpanKind::kClient;
    orders_.start_time_unix_nano = 0;
    orders_.end_time_unix_nano = 30 * kMs;
    orders_.attributes.push_back({"http.response.status_code", std::int64_t{200}});
    orders_.attributes.push_back({"host.name", std::string("span-level")});
  }

  bool Matches(const std::string& query, const model::Span& span, const model::Resource& resource) {
    const ParsedQuery parsed = ParseQuery(query);
    EXPECT_TRUE(parsed.ok()) << query << ": " << parsed.error.ToString();
    return parsed.ok() && store::Matches(*parsed.filter, span, resource);
  }

  model::Resource payments_, frontend_;
  model::Span checkout_, orders_;
};

TEST_F(EvaluationTest, IntrinsicsAndAttributes) {
  const std::string query = R"({ resource.service.name = "payments" && span.http.response.status_code >= 500 })";
  EXPECT_TRUE(Matches(query, checkout_, payments_));
  EXPECT_FALSE(Matches(query, checkout_, frontend_));
  EXPECT_FALSE(Matches(query, orders_, payments_));

  EXPECT_TRUE(Matches("{ duration > 1s }", checkout_, payments_));
  EXPECT_FALSE(Matches("{ duration > 1s }", orders_, payments_));
  EXPECT_TRUE(Matches("{ duration <= 30ms }", orders_, payments_));
  EXPECT_TRUE(Matches("{ status = error && kind = server }", checkout_, payments_));
  EXPECT_FALSE(Matches("{ status = error }", orders_, payments_));
  EXPECT_TRUE(Matches(R"({ statusMessage =~ "declined" })", checkout_, payments_));
  EXPECT_TRUE(Matches("{ kind = client }", orders_, payments_));
  EXPECT_TRUE(Matches(R"({ name =~ "GET /orders.*" })", orders_, payments_));
  EXPECT_FALSE(Matches(R"({ name =~ "GET /orders.*" })", checkout_, payments_));
  EXPECT_TRUE(Matches(R"({ name !~ "GET /orders.*" })", checkout_, payments_));
  EXPECT_TRUE(Matches("{ span.retry.ratio < 0.75 && span.cache.hit = false }", checkout_, payments_));
}

TEST_F(EvaluationTest, ScopesChooseWhereAnAttributeIsLooked_up) {
  EXPECT_TRUE(Matches(R"({ resource.host.name = "pay-1" })", orders_, payments_));
  EXPECT_FALSE(Matches(R"({ span.host.name = "pay-1" })", orders_, payments_));
  EXPECT_TRUE(Matches(R"({ span.host.name = "span-level" })", orders_, payments_));
  // Unscoped: the span's attribute wins over the resource's.
  EXPECT_TRUE(Matches(R"({ .host.name = "span-level" })", orders_, payments_));
  EXPECT_TRUE(Matches(R"({ .host.name = "pay-1" })", checkout_, payments_));
  EXPECT_TRUE(Matches("{ span.cache.hit != nil }", checkout_, payments_));
  EXPECT_FALSE(Matches("{ span.cache.hit != nil }", orders_, payments_));
}

TEST_F(EvaluationTest, OrAndParentheses) {
  const std::string query = R"({ (kind = client || status = error) && resource.service.name = "payments" })";
  EXPECT_TRUE(Matches(query, checkout_, payments_));
  EXPECT_TRUE(Matches(query, orders_, payments_));
  EXPECT_FALSE(Matches(query, orders_, frontend_));
  EXPECT_TRUE(Matches("{}", orders_, frontend_));
}

}  // namespace
}  // namespace hoptrace::query
