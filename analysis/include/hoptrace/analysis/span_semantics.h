#pragma once
// What a span is, read from OpenTelemetry's semantic conventions (current and older names): a
// database or HTTP call, its peer, the attribute that best says what it did, and the "shape" of a
// call (statement or route with literals and IDs replaced) that makes repeated calls comparable.

#include <initializer_list>
#include <string>
#include <string_view>

#include "hoptrace/model/span.h"

namespace hoptrace::analysis {

// The first of `keys` that the span carries as a non-empty string; empty when none.
std::string_view StringAttribute(const model::Span& span, std::initializer_list<std::string_view> keys);
bool HasAnyAttribute(const model::Span& span, std::initializer_list<std::string_view> keys);

struct CallClass {
  bool database = false;
  bool http = false;
};
// Both in one pass over the attributes (this runs for every span of a trace).
CallClass ClassifyCall(const model::Span& span);
inline bool IsDatabaseSpan(const model::Span& span) { return ClassifyCall(span).database; }
inline bool IsHttpSpan(const model::Span& span) { return ClassifyCall(span).http; }
std::string_view DatabaseStatement(const model::Span& span);  // db.query.text or db.statement

// Who a CLIENT or PRODUCER span calls: peer.service, the database system, server.address, ...
std::string_view PeerOf(const model::Span& span);

struct KeyValue {
  std::string_view key;
  std::string value;  // rendered, cut to a readable length
};
// The attribute that best identifies what the span did (statement, URL, route, RPC method, queue);
// empty key when it has none of them.
KeyValue DecisiveAttribute(const model::Span& span);

// "SELECT * FROM t WHERE id = 42 AND name = 'x'" -> "select * from t where id = ? and name = ?";
// IN lists collapse to "in (?)"; whitespace runs to one space.
std::string NormalizeStatement(std::string_view statement);
// "/users/42/orders/9f1c...?x=1" -> "/users/{id}/orders/{id}": numbers, UUIDs and long hex become {id}.
std::string NormalizePath(std::string_view path);
// The comparable shape of a DB or HTTP call ("db postgresql select ... = ?", "http GET /users/{id}");
// empty for other spans.
std::string CallShape(const model::Span& span);

}  // namespace hoptrace::analysis
