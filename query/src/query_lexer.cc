#include "query_lexer.h"

#include <cstdint>

namespace hoptrace::query::internal {
namespace {

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsIdentifierStart(char c) { return IsAsciiLetter(c) || c == '_' || c == '.'; }
bool IsIdentifierChar(char c) { return IsAsciiLetter(c) || IsDigit(c) || c == '_' || c == '.' || c == '-'; }
bool IsNonAscii(char c) { return static_cast<unsigned char>(c) >= 0x80; }
bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Length of the UTF-8 sequence starting at text[pos] (1 for invalid bytes), so errors quote whole characters.
std::size_t CharLength(std::string_view text, std::size_t pos) {
  std::size_t end = pos + 1;
  while (end < text.size() && IsContinuationByte(text[end])) ++end;
  return end - pos;
}

void AppendUtf8(std::uint32_t code_point, std::string* out) {
  if (code_point < 0x80) {
    out->push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

std::optional<std::uint32_t> ParseHex4(std::string_view hex) {
  if (hex.size() != 4) return std::nullopt;
  std::uint32_t value = 0;
  for (char c : hex) {
    value <<= 4;
    if (IsDigit(c)) {
      value |= static_cast<std::uint32_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      value |= static_cast<std::uint32_t>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      value |= static_cast<std::uint32_t>(c - 'A' + 10);
    } else {
      return std::nullopt;
    }
  }
  return value;
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  bool Run(std::vector<Token>* tokens, QueryError* error) {
    while (true) {
      SkipSpace();
      Token token;
      token.column = ColumnAt(pos_);
      const std::size_t start = pos_;
      if (!Next(&token, error)) return false;
      token.source = text_.substr(start, pos_ - start);
      tokens->push_back(std::move(token));
      if (tokens->back().kind == TokenKind::kEnd) return true;
    }
  }

 private:
  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  // Columns count characters, not bytes: advance incrementally from the last position asked about.
  std::size_t ColumnAt(std::size_t pos) {
    if (pos < counted_) counted_ = column_ = 0;
    for (; counted_ < pos; ++counted_) {
      if (!IsContinuationByte(text_[counted_])) ++column_;
    }
    return column_ + 1;
  }

  bool Fail(std::size_t pos, std::string message, QueryError* error) {
    error->column = ColumnAt(pos);
    error->expected = std::move(message);
    return false;
  }

  bool Next(Token* token, QueryError* error) {
    if (pos_ == text_.size()) {
      token->kind = TokenKind::kEnd;
      return true;
    }
    const char c = text_[pos_];
    const char next = pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0';
    switch (c) {
      case '{': return Single(token, TokenKind::kLeftBrace);
      case '}': return Single(token, TokenKind::kRightBrace);
      case '(': return Single(token, TokenKind::kLeftParen);
      case ')': return Single(token, TokenKind::kRightParen);
      case '"': return String(token, error);
      case '&':
      case '|':
        if (next != c) return Fail(pos_, std::string("unexpected character '") + c + "' (did you mean '" + c + c + "'?)", error);
        pos_ += 2;
        token->kind = c == '&' ? TokenKind::kAnd : TokenKind::kOr;
        return true;
      case '=': return Operator(token, next == '~' ? store::CompareOp::kRegex : store::CompareOp::kEq, next == '~' ? 2 : 1);
      case '!':
        if (next == '=') return Operator(token, store::CompareOp::kNe, 2);
        if (next == '~') return Operator(token, store::CompareOp::kNotRegex, 2);
        break;
      case '<': return Operator(token, next == '=' ? store::CompareOp::kLe : store::CompareOp::kLt, next == '=' ? 2 : 1);
      case '>': return Operator(token, next == '=' ? store::CompareOp::kGe : store::CompareOp::kGt, next == '=' ? 2 : 1);
      default: break;
    }
    if (IsDigit(c) || ((c == '-' || c == '+') && (IsDigit(next) || next == '.'))) return Number(token);
    if (IsIdentifierStart(c)) return Identifier(token, error);
    return Fail(pos_, "unexpected character '" + std::string(text_.substr(pos_, CharLength(text_, pos_))) + "'", error);
  }

  bool Single(Token* token, TokenKind kind) {
    token->kind = kind;
    ++pos_;
    return true;
  }

  bool Operator(Token* token, store::CompareOp op, std::size_t length) {
    token->kind = TokenKind::kOperator;
    token->op = op;
    pos_ += length;
    return true;
  }

  // Numbers and durations are one token: a sign, then digits, dots, letters and the micro sign.
  bool Number(Token* token) {
    token->kind = TokenKind::kNumber;
    ++pos_;
    while (pos_ < text_.size() && (IsDigit(text_[pos_]) || IsAsciiLetter(text_[pos_]) || text_[pos_] == '.' || IsNonAscii(text_[pos_]))) {
      ++pos_;
    }
    return true;
  }

  bool Identifier(Token* token, QueryError* error) {
    token->kind = TokenKind::kIdentifier;
    const std::size_t start = pos_;
    while (pos_ < text_.size() && IsIdentifierChar(text_[pos_])) ++pos_;
    token->value = std::string(text_.substr(start, pos_ - start));
    // A quoted key after a scope: span."key with spaces".
    if (token->value.back() == '.' && pos_ < text_.size() && text_[pos_] == '"') {
      std::string key;
      if (!ReadString(&key, error)) return false;
      token->value += key;
    }
    return true;
  }

  bool String(Token* token, QueryError* error) {
    token->kind = TokenKind::kString;
    return ReadString(&token->value, error);
  }

  // Reads a double-quoted string at pos_ with JSON-style escapes.
  bool ReadString(std::string* out, QueryError* error) {
    const std::size_t open = pos_++;
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c != '\\') {
        out->push_back(c);
        ++pos_;
        continue;
      }
      if (pos_ + 1 == text_.size()) break;
      const char escaped = text_[pos_ + 1];
      switch (escaped) {
        case '"': out->push_back('"'); break;
        case '\\': out->push_back('\\'); break;
        case '/': out->push_back('/'); break;
        case 'n': out->push_back('\n'); break;
        case 't': out->push_back('\t'); break;
        case 'r': out->push_back('\r'); break;
        case 'u': {
          const auto code_point = ParseHex4(text_.substr(pos_ + 2, 4));
          if (!code_point) return Fail(pos_, "expected four hex digits after '\\u'", error);
          AppendUtf8(*code_point, out);
          pos_ += 4;
          break;
        }
        default:
          return Fail(pos_, "unknown escape '\\" + std::string(text_.substr(pos_ + 1, CharLength(text_, pos_ + 1))) +
                                "' in string (use \\\" \\\\ \\n \\t \\r or \\uXXXX)",
                      error);
      }
      pos_ += 2;
    }
    return Fail(open, "unterminated string", error);
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t counted_ = 0;  // bytes before this position are counted in column_
  std::size_t column_ = 0;   // characters in text_[0, counted_)
};

}  // namespace

std::string Describe(const Token& token) {
  if (token.kind == TokenKind::kEnd) return "end of query";
  if (token.kind == TokenKind::kString) return std::string(token.source);
  return "'" + std::string(token.source) + "'";
}

bool Tokenize(std::string_view text, std::vector<Token>* tokens, QueryError* error) {
  tokens->clear();
  return Lexer(text).Run(tokens, error);
}

}  // namespace hoptrace::query::internal
