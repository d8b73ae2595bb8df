#include "hoptrace/query/duration.h"

#include <array>
#include <limits>

namespace hoptrace::query {
namespace {

constexpr std::int64_t kMicrosecond = 1000;
constexpr std::int64_t kMillisecond = 1000 * kMicrosecond;
constexpr std::int64_t kSecond = 1000 * kMillisecond;
constexpr std::int64_t kMinute = 60 * kSecond;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;

struct Unit {
  std::string_view suffix;
  std::int64_t nanos;
};
// Longer suffixes first so that "ms" is not read as "m" followed by "s".
constexpr std::array<Unit, 8> kUnits = {{{"ns", 1},
                                         {"us", kMicrosecond},
                                         {"\xC2\xB5s", kMicrosecond},  // U+00B5 micro sign
                                         {"\xCE\xBCs", kMicrosecond},  // U+03BC Greek mu
                                         {"ms", kMillisecond},
                                         {"s", kSecond},
                                         {"m", kMinute},
                                         {"h", kHour}}};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads digits into `value` (saturating at max); returns how many were read.
std::size_t ReadDigits(std::string_view text, std::size_t pos, std::uint64_t* value, bool* overflow) {
  std::size_t start = pos;
  for (; pos < text.size() && IsDigit(text[pos]); ++pos) {
    const std::uint64_t digit = static_cast<std::uint64_t>(text[pos] - '0');
    if (*value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) {
      *overflow = true;
    } else {
      *value = *value * 10 + digit;
    }
  }
  return pos - start;
}

std::optional<Unit> ReadUnit(std::string_view rest) {
  for (const Unit& unit : kUnits) {
    if (rest.starts_with(unit.suffix)) return unit;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::int64_t> ParseGoDuration(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  if (text == "0") return 0;
  if (text.empty()) return std::nullopt;

  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  std::uint64_t total = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::uint64_t whole = 0;
    bool overflow = false;
    const std::size_t whole_digits = ReadDigits(text, pos, &whole, &overflow);
    pos += whole_digits;
    std::uint64_t fraction = 0;
    std::uint64_t fraction_scale = 1;
    std::size_t fraction_digits = 0;
    if (pos < text.size() && text[pos] == '.') {
      ++pos;
      // Keep at most 18 fraction digits: beyond that they are below a nanosecond of any unit.
      for (; pos < text.size() && IsDigit(text[pos]); ++pos, ++fraction_digits) {
        if (fraction_scale < 1'000'000'000'000'000'000ULL) {
          fraction = fraction * 10 + static_cast<std::uint64_t>(text[pos] - '0');
          fraction_scale *= 10;
        }
      }
    }
    if (whole_digits == 0 && fraction_digits == 0) return std::nullopt;
    if (overflow) return std::nullopt;
    const std::optional<Unit> unit = ReadUnit(text.substr(pos));
    if (!unit) return std::nullopt;
    pos += unit->suffix.size();

    const auto unit_nanos = static_cast<std::uint64_t>(unit->nanos);
    if (whole > kMax / unit_nanos) return std::nullopt;
    std::uint64_t part = whole * unit_nanos;
    // fraction / fraction_scale of a unit, computed without overflow (unit_nanos <= 3.6e12).
    part += static_cast<std::uint64_t>(static_cast<long double>(fraction) * static_cast<long double>(unit_nanos) /
                                       static_cast<long double>(fraction_scale));
    if (part > kMax - total) return std::nullopt;
    total += part;
  }
  const auto result = static_cast<std::int64_t>(total);
  return negative ? -result : result;
}

std::optional<std::int64_t> ParseLookback(std::string_view text) {
  if (auto nanos = ParseGoDuration(text)) return nanos;
  if (text.size() < 2) return std::nullopt;
  const char unit = text.back();
  const std::int64_t unit_nanos = unit == 'd' ? kDay : unit == 'w' ? 7 * kDay : 0;
  if (unit_nanos == 0) return std::nullopt;
  std::uint64_t count = 0;
  bool overflow = false;
  const std::string_view digits = text.substr(0, text.size() - 1);
  if (ReadDigits(digits, 0, &count, &overflow) != digits.size() || overflow) return std::nullopt;
  if (count > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max() / unit_nanos)) return std::nullopt;
  return static_cast<std::int64_t>(count) * unit_nanos;
}

}  // namespace hoptrace::query
