#pragma once
// A condition on one span, as search requests carry it: the query language (query/) and the Jaeger
// API's service/operation/tags/duration parameters both compile to this, and every Store backend
// evaluates it (the embedded store over its search columns, ClickHouse as SQL). A trace matches when
// at least one of its spans satisfies the whole condition, as in TraceQL's `{ ... }`.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "hoptrace/model/span.h"

namespace hoptrace::store {

// What a comparison looks at.
enum class Intrinsic : std::uint8_t {
  kNone,           // not an intrinsic: an attribute (see Field::attribute)
  kName,           // span name
  kServiceName,    // resource attribute service.name
  kKind,           // model::SpanKind
  kStatus,         // model::StatusCode
  kStatusMessage,
  kDuration,       // nanoseconds
};

enum class AttributeScope : std::uint8_t { kSpan, kResource, kAny };

struct Field {
  Intrinsic intrinsic = Intrinsic::kNone;
  AttributeScope scope = AttributeScope::kAny;  // for attributes only
  std::string attribute;                        // for attributes only
  friend bool operator==(const Field&, const Field&) = default;
};

enum class CompareOp : std::uint8_t { kEq, kNe, kLt, kLe, kGt, kGe, kRegex, kNotRegex, kExists };

// Durations are int64 nanoseconds; kinds and statuses are compared by their enum values.
using Literal = std::variant<std::monostate, std::string, std::int64_t, double, bool, model::SpanKind,
                             model::StatusCode>;

struct Comparison {
  Field field;
  CompareOp op = CompareOp::kEq;
  Literal value;
  friend bool operator==(const Comparison&, const Comparison&) = default;
};

struct SpanFilter;
using SpanFilterPtr = std::shared_ptr<const SpanFilter>;

// A tree of comparisons joined by && and ||.
struct SpanFilter {
  enum class Kind : std::uint8_t { kTrue, kComparison, kAnd, kOr };
  Kind kind = Kind::kTrue;
  Comparison comparison;               // kComparison
  std::vector<SpanFilterPtr> children;  // kAnd, kOr

  static SpanFilterPtr True();
  static SpanFilterPtr Compare(Comparison comparison);
  static SpanFilterPtr And(std::vector<SpanFilterPtr> children);
  static SpanFilterPtr Or(std::vector<SpanFilterPtr> children);
};

// The reference evaluation over a span and its resource; backends must agree with it.
// As in TraceQL, a comparison with an absent attribute is false (`span.x != 1` does not match a
// span without x), and so is one between incompatible types (a string attribute against a number);
// int64 and double compare as numbers.
bool Matches(const SpanFilter& filter, const model::Span& span, const model::Resource& resource);

}  // namespace hoptrace::store
