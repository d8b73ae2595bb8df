#include "hoptrace/sdk/propagation/carriers.h"

#include <algorithm>

namespace hoptrace::sdk {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  // ASCII only: header names are tokens, and locale-dependent tolower would be slow and wrong.
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [&](char x, char y) { return lower(x) == lower(y); });
}

}  // namespace hoptrace::sdk
