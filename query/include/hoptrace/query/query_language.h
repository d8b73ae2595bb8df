#pragma once
// hoptrace's query language: one TraceQL-style span selector that compiles to a store::SpanFilter.
//
//   { resource.service.name = "payments" && span.http.response.status_code >= 500 }
//   { duration > 1.5s }   { status = error }   { kind = server }   { name =~ "GET /orders.*" }
//
// Grammar (&& binds tighter than ||):
//   query      := '{' [ or ] '}'
//   or         := and ( '||' and )*
//   and        := term ( '&&' term )*
//   term       := '(' or ')' | field op value | field '!=' nil
//   field      := name | duration | status | statusMessage | kind | resource.service.name
//               | span.<key> | resource.<key> | .<key>        (a key may be quoted: span."a b")
//   op         := = | != | < | <= | > | >= | =~ | !~
//   value      := "string" (escapes \" \\ \n \t \r \uXXXX) | 42 | -1.5 | true | false
//               | 1.5s (ns us µs ms s m h, Go syntax: 1h30m) | ok | error | unset
//               | server | client | producer | consumer | internal | unspecified
//
// Types are checked at parse time: duration takes a duration, status a status, kind a kind; regex
// operators take a string that must be a valid ECMAScript regular expression (what store::Matches
// uses). `field != nil` means the attribute exists. Chains of one operator are flattened
// (`a && b && c` is one And of three); a single term is a bare comparison.
// Time range and limit are not part of the language: search requests carry them separately.

#include <cstddef>
#include <string>
#include <string_view>

#include "hoptrace/store/span_filter.h"

namespace hoptrace::query {

struct QueryError {
  std::size_t column = 0;  // 1-based, counted in characters (UTF-8 code points)
  std::string expected;    // e.g. "expected a value after '>=', found '}'"
  // "column 17: expected a value after '>=', found '}'"
  std::string ToString() const;
};

// Exactly one of `filter` and `error` is meaningful: filter is null when parsing failed.
struct ParsedQuery {
  store::SpanFilterPtr filter;
  QueryError error;
  bool ok() const { return filter != nullptr; }
};

ParsedQuery ParseQuery(std::string_view text);

// The filter written back in the query language (canonical spacing and parentheses), so that
// ParseQuery(FormatFilter(f)) builds the same tree. Used by `hoptrace explain` and test messages.
std::string FormatFilter(const store::SpanFilter& filter);

}  // namespace hoptrace::query
