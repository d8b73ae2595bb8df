#include "hoptrace/store/span_filter.h"

#include <regex>
#include <type_traits>

namespace hoptrace::store {
namespace {

// A span's value for a field, borrowed from the span or resource.
using FieldValue = std::variant<std::monostate, std::string_view, std::int64_t, double, bool, model::SpanKind,
                                model::StatusCode>;

FieldValue FromAttribute(const model::AttributeValue* value) {
  if (value == nullptr) return std::monostate{};
  return std::visit(
      [](const auto& v) -> FieldValue {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::string>) {
          return std::string_view(v);
        } else if constexpr (std::is_same_v<V, bool> || std::is_same_v<V, std::int64_t> || std::is_same_v<V, double>) {
          return v;
        } else {
          return std::monostate{};  // arrays are not compared
        }
      },
      *value);
}

FieldValue Lookup(const Field& field, const model::Span& span, const model::Resource& resource) {
  switch (field.intrinsic) {
    case Intrinsic::kName: return std::string_view(span.name);
    case Intrinsic::kServiceName:
      return FromAttribute(model::FindAttribute(resource.attributes, model::kServiceNameKey));
    case Intrinsic::kKind: return span.kind;
    case Intrinsic::kStatus: return span.status.code;
    case Intrinsic::kStatusMessage: return std::string_view(span.status.message);
    case Intrinsic::kDuration: return static_cast<std::int64_t>(span.DurationNanos());
    case Intrinsic::kNone: break;
  }
  if (field.scope != AttributeScope::kResource) {
    if (const auto* value = model::FindAttribute(span.attributes, field.attribute)) return FromAttribute(value);
  }
  if (field.scope != AttributeScope::kSpan) {
    return FromAttribute(model::FindAttribute(resource.attributes, field.attribute));
  }
  return std::monostate{};
}

template <typename T>
bool Order(const T& a, const T& b, CompareOp op) {
  switch (op) {
    case CompareOp::kEq: return a == b;
    case CompareOp::kNe: return a != b;
    case CompareOp::kLt: return a < b;
    case CompareOp::kLe: return a <= b;
    case CompareOp::kGt: return a > b;
    case CompareOp::kGe: return a >= b;
    default: return false;
  }
}

bool RegexMatches(std::string_view text, const std::string& pattern) {
  try {
    return std::regex_search(text.begin(), text.end(), std::regex(pattern, std::regex::ECMAScript));
  } catch (const std::regex_error&) {
    return false;  // parsers validate patterns; a bad one matches nothing
  }
}

std::optional<double> AsNumber(const FieldValue& value) {
  if (const auto* i = std::get_if<std::int64_t>(&value)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&value)) return *d;
  return std::nullopt;
}

std::optional<double> AsNumber(const Literal& value) {
  if (const auto* i = std::get_if<std::int64_t>(&value)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&value)) return *d;
  return std::nullopt;
}

bool Evaluate(const Comparison& comparison, const model::Span& span, const model::Resource& resource) {
  const FieldValue actual = Lookup(comparison.field, span, resource);
  if (std::holds_alternative<std::monostate>(actual)) return false;
  if (comparison.op == CompareOp::kExists) return true;
  const Literal& expected = comparison.value;
  if (const auto* text = std::get_if<std::string_view>(&actual)) {
    const auto* pattern = std::get_if<std::string>(&expected);
    if (pattern == nullptr) return false;
    if (comparison.op == CompareOp::kRegex) return RegexMatches(*text, *pattern);
    if (comparison.op == CompareOp::kNotRegex) return !RegexMatches(*text, *pattern);
    return Order(*text, std::string_view(*pattern), comparison.op);
  }
  if (const auto a = AsNumber(actual)) {
    // Exact integer comparison when both sides are integers (large int64s lose precision as doubles).
    const auto* ai = std::get_if<std::int64_t>(&actual);
    const auto* ei = std::get_if<std::int64_t>(&expected);
    if (ai && ei) return Order(*ai, *ei, comparison.op);
    const auto e = AsNumber(expected);
    return e && Order(*a, *e, comparison.op);
  }
  if (const auto* b = std::get_if<bool>(&actual)) {
    const auto* e = std::get_if<bool>(&expected);
    return e && (comparison.op == CompareOp::kEq || comparison.op == CompareOp::kNe) && Order(*b, *e, comparison.op);
  }
  if (const auto* kind = std::get_if<model::SpanKind>(&actual)) {
    const auto* e = std::get_if<model::SpanKind>(&expected);
    return e && Order(*kind, *e, comparison.op);
  }
  if (const auto* status = std::get_if<model::StatusCode>(&actual)) {
    const auto* e = std::get_if<model::StatusCode>(&expected);
    return e && Order(*status, *e, comparison.op);
  }
  return false;
}

}  // namespace

SpanFilterPtr SpanFilter::True() {
  static const auto always = std::make_shared<const SpanFilter>();
  return always;
}

SpanFilterPtr SpanFilter::Compare(Comparison comparison) {
  auto filter = std::make_shared<SpanFilter>();
  filter->kind = Kind::kComparison;
  filter->comparison = std::move(comparison);
  return filter;
}

SpanFilterPtr SpanFilter::And(std::vector<SpanFilterPtr> children) {
  auto filter = std::make_shared<SpanFilter>();
  filter->kind = Kind::kAnd;
  filter->children = std::move(children);
  return filter;
}

SpanFilterPtr SpanFilter::Or(std::vector<SpanFilterPtr> children) {
  auto filter = std::make_shared<SpanFilter>();
  filter->kind = Kind::kOr;
  filter->children = std::move(children);
  return filter;
}

bool Matches(const SpanFilter& filter, const model::Span& span, const model::Resource& resource) {
  switch (filter.kind) {
    case SpanFilter::Kind::kTrue: return true;
    case SpanFilter::Kind::kComparison: return Evaluate(filter.comparison, span, resource);
    case SpanFilter::Kind::kAnd:
      for (const auto& child : filter.children) {
        if (!Matches(*child, span, resource)) return false;
      }
      return true;
    case SpanFilter::Kind::kOr:
      for (const auto& child : filter.children) {
        if (Matches(*child, span, resource)) return true;
      }
      return false;
  }
  return false;
}

}  // namespace hoptrace::store
