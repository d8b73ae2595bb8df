#pragma once
// Tokens of the query language (see query_language.h). Internal to query/.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "hoptrace/query/query_language.h"
#include "hoptrace/store/span_filter.h"

namespace hoptrace::query::internal {

enum class TokenKind {
  kLeftBrace,
  kRightBrace,
  kLeftParen,
  kRightParen,
  kAnd,
  kOr,
  kOperator,    // op holds which
  kString,      // value holds the decoded string
  kNumber,      // a number or duration as written ("500", "-1.5", "1h30m"); the parser classifies it
  kIdentifier,  // a field or keyword; value holds the name (a quoted key decoded)
  kEnd,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string_view source;  // the token as written
  std::string value;
  store::CompareOp op = store::CompareOp::kEq;
  std::size_t column = 0;  // 1-based, in characters
};

// How error messages name a token: '}' or "a string" as written, or `end of query`.
std::string Describe(const Token& token);

// Splits `text` into tokens ending with a kEnd token. Returns false and sets `error` on a character
// that starts no token, an unterminated string or an unknown escape.
bool Tokenize(std::string_view text, std::vector<Token>* tokens, QueryError* error);

}  // namespace hoptrace::query::internal
