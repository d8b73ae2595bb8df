// ParseQuery: recursive descent over the tokens of query_lexer.h, type-checking each comparison.

#include <optional>
#include <regex>
#include <utility>

#include "hoptrace/query/duration.h"
#include "hoptrace/query/query_language.h"
#include "query_lexer.h"
#include "text.h"

namespace hoptrace::query {
namespace {

using internal::Token;
using internal::TokenKind;
using store::AttributeScope;
using store::CompareOp;
using store::Intrinsic;

// Bounds that keep hostile queries from exhausting the stack (recursion here and in std::regex).
constexpr std::size_t kMaxDepth = 64;
constexpr std::size_t kMaxRegexLength = 1024;

constexpr std::string_view kOperatorList = "=, !=, <, <=, >, >=, =~, !~";

bool IsOrdering(CompareOp op) {
  return op == CompareOp::kLt || op == CompareOp::kLe || op == CompareOp::kGt || op == CompareOp::kGe;
}
bool IsRegex(CompareOp op) { return op == CompareOp::kRegex || op == CompareOp::kNotRegex; }

// A value token read into a literal, with what kind of literal it was written as.
struct Value {
  enum class Type { kString, kInt, kDouble, kDuration, kBool, kStatus, kKind, kNil } type;
  store::Literal literal;
};

std::optional<store::Field> ResolveField(std::string_view name) {
  static const std::pair<std::string_view, Intrinsic> kIntrinsics[] = {
      {"name", Intrinsic::kName},
      {"duration", Intrinsic::kDuration},
      {"status", Intrinsic::kStatus},
      {"statusMessage", Intrinsic::kStatusMessage},
      {"kind", Intrinsic::kKind},
      {"resource.service.name", Intrinsic::kServiceName},
  };
  for (const auto& [intrinsic_name, intrinsic] : kIntrinsics) {
    if (name == intrinsic_name) return store::Field{.intrinsic = intrinsic};
  }
  static const std::pair<std::string_view, AttributeScope> kScopes[] = {
      {"span.", AttributeScope::kSpan}, {"resource.", AttributeScope::kResource}, {".", AttributeScope::kAny}};
  for (const auto& [prefix, scope] : kScopes) {
    if (name.starts_with(prefix)) {
      return store::Field{.scope = scope, .attribute = std::string(name.substr(prefix.size()))};
    }
  }
  return std::nullopt;
}

std::optional<Value> KeywordValue(std::string_view word) {
  static const std::pair<std::string_view, model::StatusCode> kStatuses[] = {
      {"ok", model::StatusCode::kOk}, {"error", model::StatusCode::kError}, {"unset", model::StatusCode::kUnset}};
  static const std::pair<std::string_view, model::SpanKind> kKinds[] = {
      {"server", model::SpanKind::kServer},     {"client", model::SpanKind::kClient},
      {"producer", model::SpanKind::kProducer}, {"consumer", model::SpanKind::kConsumer},
      {"internal", model::SpanKind::kInternal}, {"unspecified", model::SpanKind::kUnspecified}};
  if (word == "true" || word == "false") return Value{Value::Type::kBool, word == "true"};
  if (word == "nil") return Value{Value::Type::kNil, std::monostate{}};
  for (const auto& [status_name, status] : kStatuses) {
    if (word == status_name) return Value{Value::Type::kStatus, status};
  }
  for (const auto& [kind_name, kind] : kKinds) {
    if (word == kind_name) return Value{Value::Type::kKind, kind};
  }
  return std::nullopt;
}

// Numbers as written in a query: an optional sign, then what std::from_chars reads.
template <typename T>
bool ParseSignedNumber(std::string_view text, T* out) {
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  return internal::ParseWhole(text, out);
}

bool LooksLikeDecimal(std::string_view text) {
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) text.remove_prefix(1);
  const std::size_t dot = text.find('.');
  if (dot == std::string_view::npos || dot + 1 == text.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i != dot && (text[i] < '0' || text[i] > '9')) return false;
  }
  return true;
}

// What a regex_error means, in our own words (implementations word what() differently).
std::string_view RegexProblem(std::regex_constants::error_type code) {
  switch (code) {
    case std::regex_constants::error_paren: return "unbalanced parentheses";
    case std::regex_constants::error_brack: return "unbalanced brackets";
    case std::regex_constants::error_brace: return "unbalanced braces";
    case std::regex_constants::error_badbrace: return "invalid repetition count";
    case std::regex_constants::error_escape: return "invalid escape";
    case std::regex_constants::error_badrepeat: return "repetition of nothing";
    case std::regex_constants::error_range: return "invalid character range";
    default: return "invalid pattern";
  }
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  ParsedQuery Run() {
    ParsedQuery result;
    result.filter = ParseQueryBody();
    if (!result.filter) result.error = std::move(error_);
    return result;
  }

 private:
  const Token& Peek() const { return tokens_[pos_]; }
  const Token& Take() { return tokens_[pos_ == tokens_.size() - 1 ? pos_ : pos_++]; }

  store::SpanFilterPtr Fail(const Token& at, std::string message) {
    error_ = QueryError{at.column, std::move(message)};
    return nullptr;
  }

  store::SpanFilterPtr ParseQueryBody() {
    if (Peek().kind != TokenKind::kLeftBrace) return Fail(Peek(), "expected '{', found " + internal::Describe(Peek()));
    Take();
    store::SpanFilterPtr filter = store::SpanFilter::True();
    if (Peek().kind != TokenKind::kRightBrace) {
      filter = ParseOr(0);
      if (!filter) return nullptr;
      if (Peek().kind != TokenKind::kRightBrace) {
        return Fail(Peek(), "expected '&&', '||' or '}', found " + internal::Describe(Peek()));
      }
    }
    Take();
    if (Peek().kind != TokenKind::kEnd) {
      return Fail(Peek(), "expected end of query after '}', found " + internal::Describe(Peek()));
    }
    return filter;
  }

  // A chain of `operand (separator operand)*`; same-kind children are flattened into the chain.
  template <typename ParseOperand>
  store::SpanFilterPtr ParseChain(TokenKind separator, store::SpanFilter::Kind kind, ParseOperand parse_operand) {
    std::vector<store::SpanFilterPtr> children;
    while (true) {
      store::SpanFilterPtr child = parse_operand();
      if (!child) return nullptr;
      if (child->kind == kind) {
        children.insert(children.end(), child->children.begin(), child->children.end());
      } else {
        children.push_back(std::move(child));
      }
      if (Peek().kind != separator) break;
      Take();
    }
    if (children.size() == 1) return children.front();
    return kind == store::SpanFilter::Kind::kAnd ? store::SpanFilter::And(std::move(children))
                                                 : store::SpanFilter::Or(std::move(children));
  }

  store::SpanFilterPtr ParseOr(std::size_t depth) {
    return ParseChain(TokenKind::kOr, store::SpanFilter::Kind::kOr, [&] { return ParseAnd(depth); });
  }

  store::SpanFilterPtr ParseAnd(std::size_t depth) {
    return ParseChain(TokenKind::kAnd, store::SpanFilter::Kind::kAnd, [&] { return ParseTerm(depth); });
  }

  store::SpanFilterPtr ParseTerm(std::size_t depth) {
    if (Peek().kind == TokenKind::kLeftParen) {
      if (depth == kMaxDepth) return Fail(Peek(), "parentheses nested deeper than " + std::to_string(kMaxDepth));
      Take();
      store::SpanFilterPtr inner = ParseOr(depth + 1);
      if (!inner) return nullptr;
      if (Peek().kind != TokenKind::kRightParen) {
        return Fail(Peek(), "expected '&&', '||' or ')', found " + internal::Describe(Peek()));
      }
      Take();
      return inner;
    }
    return ParseComparison();
  }

  store::SpanFilterPtr ParseComparison() {
    const Token& field_token = Take();
    if (field_token.kind != TokenKind::kIdentifier) {
      return Fail(field_token, "expected a field such as name, duration, span.<key> or resource.<key>, found " +
                                   internal::Describe(field_token));
    }
    std::optional<store::Field> field = ResolveField(field_token.value);
    if (!field) {
      if (KeywordValue(field_token.value)) {
        return Fail(field_token, "expected a field before the value " + internal::Describe(field_token));
      }
      return Fail(field_token, "unknown field '" + field_token.value + "' (attributes need a scope: span." +
                                   field_token.value + ", resource." + field_token.value + " or ." + field_token.value + ")");
    }
    if (field->intrinsic == Intrinsic::kNone && field->attribute.empty()) {
      return Fail(field_token, "expected an attribute name after " + internal::Describe(field_token));
    }

    const Token& op_token = Take();
    if (op_token.kind != TokenKind::kOperator) {
      return Fail(op_token, "expected an operator (" + std::string(kOperatorList) + ") after " +
                                internal::Describe(field_token) + ", found " + internal::Describe(op_token));
    }
    const Token& value_token = Take();
    std::optional<Value> value = ReadValue(op_token, value_token);
    if (!value) return nullptr;
    return Check(*field, field_token, op_token, value_token, std::move(*value));
  }

  std::optional<Value> ReadValue(const Token& op_token, const Token& token) {
    switch (token.kind) {
      case TokenKind::kString: return Value{Value::Type::kString, token.value};
      case TokenKind::kNumber: return ReadNumber(token);
      case TokenKind::kIdentifier:
        if (auto keyword = KeywordValue(token.value)) return keyword;
        Fail(token, "unknown value " + internal::Describe(token) + " (write strings in double quotes: \"" + token.value + "\")");
        return std::nullopt;
      default:
        Fail(token, "expected a value after " + internal::Describe(op_token) + ", found " + internal::Describe(token));
        return std::nullopt;
    }
  }

  std::optional<Value> ReadNumber(const Token& token) {
    const std::string_view text = token.source;
    if (std::int64_t whole = 0; ParseSignedNumber(text, &whole)) return Value{Value::Type::kInt, whole};
    if (double decimal = 0; LooksLikeDecimal(text) && ParseSignedNumber(text, &decimal)) {
      return Value{Value::Type::kDouble, decimal};
    }
    if (auto nanos = ParseGoDuration(text)) return Value{Value::Type::kDuration, *nanos};
    if (text.find_first_not_of("+-0123456789") == std::string_view::npos) {
      Fail(token, "number " + internal::Describe(token) + " is out of range");
    } else {
      Fail(token, "invalid number or duration " + internal::Describe(token) + " (durations use ns, us, µs, ms, s, m, h)");
    }
    return std::nullopt;
  }

  // Whether `value` may be compared with `field` by `op`; returns the comparison or fails.
  store::SpanFilterPtr Check(const store::Field& field, const Token& field_token, const Token& op_token,
                             const Token& value_token, Value value) {
    const std::string field_text = internal::Describe(field_token);
    const std::string found = ", found " + internal::Describe(value_token);
    const CompareOp op = op_token.op;

    if (value.type == Value::Type::kNil) {
      if (op != CompareOp::kNe) {
        return Fail(op_token, "nil compares only with '!=' (" + field_token.value + " != nil: the field exists)");
      }
      return store::SpanFilter::Compare({field, CompareOp::kExists, std::monostate{}});
    }
    if (IsRegex(op)) {
      if (value.type != Value::Type::kString) {
        return Fail(value_token, internal::Describe(op_token) + " needs a regular expression in a string" + found);
      }
      const std::string& pattern = std::get<std::string>(value.literal);
      if (pattern.size() > kMaxRegexLength) {
        return Fail(value_token, "regular expression longer than " + std::to_string(kMaxRegexLength) + " characters");
      }
      try {
        std::regex compiled(pattern, std::regex::ECMAScript);
      } catch (const std::regex_error& e) {
        return Fail(value_token, "invalid regular expression " + internal::Describe(value_token) + ": " +
                                     std::string(RegexProblem(e.code())));
      }
    }

    switch (field.intrinsic) {
      case Intrinsic::kDuration:
        if (value.type != Value::Type::kDuration) {
          return Fail(value_token, "duration compares with a duration such as 100ms or 1.5s" + found);
        }
        break;
      case Intrinsic::kStatus:
      case Intrinsic::kKind: {
        const bool is_status = field.intrinsic == Intrinsic::kStatus;
        if (op != CompareOp::kEq && op != CompareOp::kNe) {
          return Fail(op_token, field_text + " compares only with = and !=, found " + internal::Describe(op_token));
        }
        if (value.type != (is_status ? Value::Type::kStatus : Value::Type::kKind)) {
          return Fail(value_token, is_status ? "status compares with ok, error or unset" + found
                                             : "kind compares with server, client, producer, consumer, internal or "
                                               "unspecified" + found);
        }
        break;
      }
      case Intrinsic::kName:
      case Intrinsic::kStatusMessage:
      case Intrinsic::kServiceName:
        if (value.type != Value::Type::kString) return Fail(value_token, field_text + " compares with a string" + found);
        break;
      case Intrinsic::kNone:
        if (value.type == Value::Type::kStatus || value.type == Value::Type::kKind) {
          return Fail(value_token, field_text + " compares with a string, number, boolean or duration" + found);
        }
        break;
    }
    if (value.type == Value::Type::kBool && IsOrdering(op)) {
      return Fail(op_token, "booleans compare only with = and !=, found " + internal::Describe(op_token));
    }
    return store::SpanFilter::Compare({field, op, std::move(value.literal)});
  }

  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  QueryError error_;
};

}  // namespace

std::string QueryError::ToString() const { return "column " + std::to_string(column) + ": " + expected; }

ParsedQuery ParseQuery(std::string_view text) {
  std::vector<Token> tokens;
  ParsedQuery result;
  if (!internal::Tokenize(text, &tokens, &result.error)) return result;
  return Parser(std::move(tokens)).Run();
}

}  // namespace hoptrace::query
