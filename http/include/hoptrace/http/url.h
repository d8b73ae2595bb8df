#pragma once
// Request-target helpers: splitting path and query, percent-decoding, query-string parameters.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hoptrace::http {

// Decodes %XX escapes (and '+' as a space when `plus_as_space`, as query strings use it).
// nullopt when an escape is malformed ("%", "%4", "%zz").
std::optional<std::string> PercentDecode(std::string_view text, bool plus_as_space = false);
// Encodes everything but RFC 3986 unreserved characters.
std::string PercentEncode(std::string_view text);

// "/a/b?x=1" → {"/a/b", "x=1"}; a target without '?' has an empty query.
std::pair<std::string_view, std::string_view> SplitTarget(std::string_view target);

// Parsed query-string parameters, in order, repeated names kept.
class QueryParams {
 public:
  // Parses "a=1&b=x%20y&c&a=2". Names and values are percent-decoded ('+' is a space); a pair
  // without '=' has an empty value; empty pairs ("a=1&&b=2") are skipped. nullopt on a malformed
  // escape, with `error` naming the parameter.
  static std::optional<QueryParams> Parse(std::string_view query, std::string* error = nullptr);

  // The first value of `name`; nullopt when absent.
  std::optional<std::string_view> Get(std::string_view name) const;
  std::vector<std::string_view> GetAll(std::string_view name) const;
  bool Has(std::string_view name) const { return Get(name).has_value(); }
  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

}  // namespace hoptrace::http
