#include "hoptrace/analysis/span_semantics.h"

#include <algorithm>
#include <cctype>

#include "hoptrace/analysis/secrets.h"

namespace hoptrace::analysis {
namespace {

constexpr std::size_t kDecisiveValueMax = 80;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }
char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

std::string Shorten(std::string value) {
  if (value.size() <= kDecisiveValueMax) return value;
  std::size_t cut = kDecisiveValueMax;
  while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;  // UTF-8 boundary
  value.resize(cut);
  return value + "…";
}

// A path segment that identifies one record rather than a route: digits, a UUID, or long hex.
bool IsIdSegment(std::string_view segment) {
  if (segment.empty()) return false;
  std::size_t digits = 0, hex = 0, dashes = 0;
  for (char c : segment) {
    digits += IsDigit(c) ? 1 : 0;
    hex += IsHex(c) ? 1 : 0;
    dashes += c == '-' ? 1 : 0;
  }
  if (digits == segment.size()) return true;
  const bool uuid_like = hex + dashes == segment.size() && segment.size() >= 32;
  const bool long_hex = hex == segment.size() && segment.size() >= 16 && digits > 0;
  return uuid_like || long_hex;
}

// Index after a quoted literal starting at `at` (the quote); SQL doubles a quote to escape it.
std::size_t SkipQuoted(std::string_view text, std::size_t at) {
  const char quote = text[at];
  std::size_t i = at + 1;
  while (i < text.size()) {
    if (text[i] == quote) {
      if (i + 1 < text.size() && text[i + 1] == quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    if (text[i] == '\\' && i + 1 < text.size()) ++i;
    ++i;
  }
  return i;
}

// "in (?, ?, ?)" -> "in (?)".
void CollapseInLists(std::string& text) {
  for (std::size_t at = text.find("in (?"); at != std::string::npos; at = text.find("in (?", at + 1)) {
    const std::size_t first = at + 4;
    std::size_t i = first + 1;
    while (i + 1 < text.size() && text.compare(i, 3, ", ?") == 0) i += 3;
    while (i + 1 < text.size() && text.compare(i, 2, ",?") == 0) i += 2;
    text.erase(first + 1, i - first - 1);
  }
}

}  // namespace

std::string_view StringAttribute(const model::Span& span, std::initializer_list<std::string_view> keys) {
  for (std::string_view key : keys) {
    const model::AttributeValue* value = model::FindAttribute(span.attributes, key);
    const auto* text = value ? std::get_if<std::string>(value) : nullptr;
    if (text && !text->empty()) return *text;
  }
  return {};
}

// One pass over the span's attributes: these run for every span of a trace.
bool HasAnyAttribute(const model::Span& span, std::initializer_list<std::string_view> keys) {
  for (const model::Attribute& attribute : span.attributes) {
    for (std::string_view key : keys) {
      if (attribute.key == key) return true;
    }
  }
  return false;
}

CallClass ClassifyCall(const model::Span& span) {
  static constexpr std::string_view kDatabaseKeys[] = {"db.system.name",    "db.system",         "db.query.text",
                                                       "db.statement",      "db.operation.name", "db.operation"};
  static constexpr std::string_view kHttpKeys[] = {"http.request.method", "http.method", "http.route",
                                                   "url.full",            "http.url",    "http.target",
                                                   "url.path",            "http.response.status_code", "http.status_code"};
  CallClass call;
  for (const model::Attribute& attribute : span.attributes) {
    const std::string_view key = attribute.key;
    if (key.starts_with("db.")) {
      call.database |= std::find(std::begin(kDatabaseKeys), std::end(kDatabaseKeys), key) != std::end(kDatabaseKeys);
    } else if (key.starts_with("http.") || key.starts_with("url.")) {
      call.http |= std::find(std::begin(kHttpKeys), std::end(kHttpKeys), key) != std::end(kHttpKeys);
    }
  }
  return call;
}

std::string_view DatabaseStatement(const model::Span& span) {
  return StringAttribute(span, {"db.query.text", "db.statement"});
}

std::string_view PeerOf(const model::Span& span) {
  return StringAttribute(span, {"peer.service", "db.system.name", "db.system", "server.address", "net.peer.name",
                                "rpc.service", "messaging.system"});
}

KeyValue DecisiveAttribute(const model::Span& span) {
  static constexpr std::string_view kByPreference[] = {
      "db.query.text", "db.statement", "url.full", "http.url", "http.route", "url.path", "http.target",
      "rpc.method", "messaging.destination.name", "exception.type", "code.function", "db.operation.name"};
  for (std::string_view key : kByPreference) {
    const model::AttributeValue* value = model::FindAttribute(span.attributes, key);
    if (!value) continue;
    const auto* text = std::get_if<std::string>(value);
    std::string rendered = text ? *text : model::AttributeValueToString(*value);
    if (rendered.empty()) continue;
    if (SecretInValue(rendered)) rendered = Redact(rendered);
    return {key, Shorten(std::move(rendered))};
  }
  return {};
}

std::string NormalizeStatement(std::string_view statement) {
  std::string out;
  out.reserve(statement.size());
  for (std::size_t i = 0; i < statement.size();) {
    const char c = statement[i];
    const bool starts_word = out.empty() || !IsWordChar(out.back());
    if (c == '\'' || c == '"') {
      out += '?';
      i = SkipQuoted(statement, i);
    } else if (IsDigit(c) && starts_word) {
      while (i < statement.size() && (IsWordChar(statement[i]) || statement[i] == '.')) ++i;
      out += '?';
    } else if (c == '$' && i + 1 < statement.size() && IsDigit(statement[i + 1])) {  // $1 placeholders
      ++i;
      while (i < statement.size() && IsDigit(statement[i])) ++i;
      out += '?';
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      if (!out.empty() && out.back() != ' ') out += ' ';
      ++i;
    } else {
      out += Lower(c);
      ++i;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  CollapseInLists(out);
  return out;
}

std::string NormalizePath(std::string_view path) {
  if (const std::size_t scheme = path.find("://"); scheme != std::string_view::npos) {
    const std::size_t slash = path.find('/', scheme + 3);
    path = slash == std::string_view::npos ? std::string_view("/") : path.substr(slash);
  }
  path = path.substr(0, path.find_first_of("?#"));
  std::string out;
  std::size_t at = 0;
  while (at < path.size()) {
    std::size_t next = path.find('/', at);
    if (next == std::string_view::npos) next = path.size();
    const std::string_view segment = path.substr(at, next - at);
    out += IsIdSegment(segment) ? std::string_view("{id}") : segment;
    if (next < path.size()) out += '/';
    at = next + 1;
  }
  return out;
}

std::string CallShape(const model::Span& span) {
  const CallClass call = ClassifyCall(span);
  if (call.database) {
    std::string_view what = DatabaseStatement(span);
    if (what.empty()) what = StringAttribute(span, {"db.operation.name", "db.operation"});
    if (what.empty()) what = span.name;
    return "db " + std::string(StringAttribute(span, {"db.system.name", "db.system"})) + " " + NormalizeStatement(what);
  }
  if (call.http) {
    const std::string_view method = StringAttribute(span, {"http.request.method", "http.method"});
    std::string_view route = StringAttribute(span, {"http.route"});
    std::string path = route.empty() ? NormalizePath(StringAttribute(span, {"url.full", "http.url", "url.path", "http.target"}))
                                     : std::string(route);
    if (path.empty()) path = NormalizePath(span.name);
    return "http " + std::string(method) + " " + std::string(StringAttribute(span, {"server.address", "net.peer.name"})) +
           path;
  }
  return {};
}

}  // namespace hoptrace::analysis
