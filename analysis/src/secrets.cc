#include "hoptrace/analysis/secrets.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace hoptrace::analysis {
namespace {

bool IsAlpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }
bool IsUpper(char c) { return std::isupper(static_cast<unsigned char>(c)) != 0; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.' || c == '~' ||
         c == '+' || c == '/' || c == '=';
}

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
         });
}

// Lower-case words of a key: split at anything but letters, and before an upper-case letter that
// follows a lower-case one ("xApiKey" -> x, api, key).
std::vector<std::string> KeyWords(std::string_view key) {
  std::vector<std::string> words(1);
  for (std::size_t i = 0; i < key.size(); ++i) {
    const char c = key[i];
    if (!IsAlpha(c)) {
      if (!words.back().empty()) words.emplace_back();
      continue;
    }
    if (IsUpper(c) && i > 0 && IsAlpha(key[i - 1]) && !IsUpper(key[i - 1]) && !words.back().empty()) words.emplace_back();
    words.back() += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (words.back().empty()) words.pop_back();
  return words;
}

// The length of the token starting at `at` (characters a credential is made of).
std::size_t TokenLength(std::string_view text, std::size_t at) {
  std::size_t end = at;
  while (end < text.size() && IsTokenChar(text[end])) ++end;
  return end - at;
}

// "<scheme> <credential>" anywhere in the value, e.g. "Bearer eyJ..." or "Basic dXNlcjpwYXNz".
bool HasSchemeCredential(std::string_view value, std::string_view scheme, std::size_t min_length) {
  for (std::size_t at = 0; at + scheme.size() < value.size(); ++at) {
    if (!StartsWithNoCase(value.substr(at), scheme)) continue;
    if (at > 0 && IsAlpha(value[at - 1])) continue;
    if (TokenLength(value, at + scheme.size()) >= min_length) return true;
  }
  return false;
}

// header.payload.signature, each base64url, the header starting with '{"' encoded ("eyJ").
bool HasJwt(std::string_view value) {
  for (std::size_t at = value.find("eyJ"); at != std::string_view::npos; at = value.find("eyJ", at + 1)) {
    const std::string_view rest = value.substr(at, TokenLength(value, at));
    if (std::count(rest.begin(), rest.end(), '.') == 2 && rest.size() >= 30) return true;
  }
  return false;
}

// Issued key formats that announce themselves: Stripe, AWS access key IDs, GitHub, Slack, Google.
bool HasKnownKeyPrefix(std::string_view value) {
  static constexpr std::pair<std::string_view, std::size_t> kPrefixes[] = {
      {"sk_live_", 16}, {"rk_live_", 16}, {"AKIA", 16}, {"ghp_", 30}, {"github_pat_", 30},
      {"xoxb-", 20},    {"xoxp-", 20},    {"AIza", 30}};
  for (const auto& [prefix, min_rest] : kPrefixes) {
    for (std::size_t at = value.find(prefix); at != std::string_view::npos; at = value.find(prefix, at + 1)) {
      if (at > 0 && IsTokenChar(value[at - 1])) continue;
      if (TokenLength(value, at + prefix.size()) >= min_rest) return true;
    }
  }
  return false;
}

// Major issuers' prefixes and lengths (Visa, Mastercard, Amex, Discover): a random 16-digit ID
// passes Luhn one time in ten, an ID that also has an issuer's prefix and length far less often.
bool LooksLikeCardNumber(std::string_view digits) {
  const std::size_t n = digits.size();
  const auto prefix = [&](std::size_t length) { return std::stoi(std::string(digits.substr(0, length))); };
  if (n < 13 || n > 19) return false;
  if (digits[0] == '4') return n == 13 || n == 16 || n == 19;
  if (n == 15) return prefix(2) == 34 || prefix(2) == 37;
  if (n != 16) return false;
  const int two = prefix(2), four = prefix(4);
  return (two >= 51 && two <= 55) || (four >= 2221 && four <= 2720) || four == 6011 || two == 65;
}

// Runs of 13 to 19 digits, allowing single spaces or dashes between groups.
bool HasCardNumber(std::string_view value) {
  std::size_t at = 0;
  while (at < value.size()) {
    if (!IsDigit(value[at]) || (at > 0 && (IsDigit(value[at - 1]) || IsAlpha(value[at - 1])))) {
      ++at;
      continue;
    }
    std::string digits;
    std::size_t end = at;
    while (end < value.size() && digits.size() <= 19) {
      if (IsDigit(value[end])) {
        digits += value[end++];
      } else if ((value[end] == ' ' || value[end] == '-') && end + 1 < value.size() && IsDigit(value[end + 1])) {
        ++end;
      } else {
        break;
      }
    }
    const bool whole = end == value.size() || !IsAlpha(value[end]);
    if (whole && LooksLikeCardNumber(digits) && PassesLuhn(digits)) return true;
    at = end + 1;
  }
  return false;
}

}  // namespace

bool IsSecretKey(std::string_view key) {
  // Most keys name none of the words; rule them out before splitting the key into words.
  static constexpr std::string_view kStems[] = {"auth", "pass", "pwd", "secret", "token", "credential", "key"};
  const auto contains = [&](std::string_view stem) {
    for (std::size_t at = 0; at + stem.size() <= key.size(); ++at) {
      if (StartsWithNoCase(key.substr(at), stem)) return true;
    }
    return false;
  };
  if (std::none_of(std::begin(kStems), std::end(kStems), contains)) return false;
  static constexpr std::string_view kSecretWords[] = {"authorization", "password", "passwd", "secret",
                                                       "token",         "credential", "credentials", "apikey"};
  static constexpr std::string_view kKeyQualifiers[] = {"api", "access", "private", "secret"};
  const std::vector<std::string> words = KeyWords(key);
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (std::find(std::begin(kSecretWords), std::end(kSecretWords), words[i]) != std::end(kSecretWords)) return true;
    if (words[i] == "key" && i > 0 &&
        std::find(std::begin(kKeyQualifiers), std::end(kKeyQualifiers), words[i - 1]) != std::end(kKeyQualifiers)) {
      return true;
    }
  }
  return false;
}

std::optional<std::string> SecretInValue(std::string_view value) {
  if (HasSchemeCredential(value, "bearer ", 8)) return "bearer token";
  if (HasSchemeCredential(value, "basic ", 8)) return "basic credentials";
  if (HasJwt(value)) return "JWT";
  if (HasKnownKeyPrefix(value)) return "API key";
  if (HasCardNumber(value)) return "card number";
  return std::nullopt;
}

bool PassesLuhn(std::string_view number) {
  int sum = 0;
  int digits = 0;
  for (auto it = number.rbegin(); it != number.rend(); ++it) {
    if (!IsDigit(*it)) continue;
    int digit = *it - '0';
    if (digits % 2 == 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    ++digits;
  }
  return digits > 0 && sum % 10 == 0;
}

std::string Redact(std::string_view value) {
  for (std::string_view scheme : {"Bearer ", "Basic "}) {
    if (StartsWithNoCase(value, scheme)) return std::string(value.substr(0, scheme.size())) + "***";
  }
  return "*** (" + std::to_string(value.size()) + " chars)";
}

}  // namespace hoptrace::analysis
