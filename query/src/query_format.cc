// FormatFilter: a SpanFilter written back in the query language (the inverse of query_parser.cc).

#include <array>
#include <charconv>

#include "hoptrace/query/query_language.h"
#include "json_writer.h"  // AppendJsonString: JSON string escapes are the language's too
#include "text.h"

namespace hoptrace::query {
namespace {

using store::CompareOp;
using store::Intrinsic;

std::string_view OperatorText(CompareOp op) {
  switch (op) {
    case CompareOp::kEq: return "=";
    case CompareOp::kNe: return "!=";
    case CompareOp::kLt: return "<";
    case CompareOp::kLe: return "<=";
    case CompareOp::kGt: return ">";
    case CompareOp::kGe: return ">=";
    case CompareOp::kRegex: return "=~";
    case CompareOp::kNotRegex: return "!~";
    case CompareOp::kExists: return "!=";
  }
  return "?";
}

bool IsPlainKey(std::string_view key) {
  for (char c : key) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                       c == '.' || c == '-';
    if (!plain) return false;
  }
  return !key.empty();
}

void AppendField(const store::Field& field, std::string* out) {
  switch (field.intrinsic) {
    case Intrinsic::kName: *out += "name"; return;
    case Intrinsic::kServiceName: *out += "resource.service.name"; return;
    case Intrinsic::kKind: *out += "kind"; return;
    case Intrinsic::kStatus: *out += "status"; return;
    case Intrinsic::kStatusMessage: *out += "statusMessage"; return;
    case Intrinsic::kDuration: *out += "duration"; return;
    case Intrinsic::kNone: break;
  }
  *out += field.scope == store::AttributeScope::kSpan       ? "span."
          : field.scope == store::AttributeScope::kResource ? "resource."
                                                            : ".";
  if (IsPlainKey(field.attribute)) {
    *out += field.attribute;
  } else {
    internal::AppendJsonString(field.attribute, out);
  }
}

// The largest unit that divides the value exactly, so the text parses back to the same nanoseconds.
void AppendDuration(std::int64_t nanos, std::string* out) {
  static constexpr std::array<std::pair<std::int64_t, std::string_view>, 5> kUnits = {{
      {3'600'000'000'000, "h"}, {60'000'000'000, "m"}, {1'000'000'000, "s"}, {1'000'000, "ms"}, {1'000, "us"}}};
  for (const auto& [unit, suffix] : kUnits) {
    if (nanos != 0 && nanos % unit == 0) {
      *out += std::to_string(nanos / unit);
      *out += suffix;
      return;
    }
  }
  *out += std::to_string(nanos) + "ns";
}

void AppendDouble(double value, std::string* out) {
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  std::string_view text(buffer, ec == std::errc() ? static_cast<std::size_t>(end - buffer) : 0);
  *out += text;
  if (text.find_first_of(".en") == std::string_view::npos) *out += ".0";  // keep it a float, not an int
}

void AppendLiteral(const store::Comparison& comparison, std::string* out) {
  const store::Literal& value = comparison.value;
  if (comparison.op == CompareOp::kExists) {
    *out += "nil";
  } else if (const auto* text = std::get_if<std::string>(&value)) {
    internal::AppendJsonString(*text, out);
  } else if (const auto* whole = std::get_if<std::int64_t>(&value)) {
    if (comparison.field.intrinsic == Intrinsic::kDuration) {
      AppendDuration(*whole, out);
    } else {
      *out += std::to_string(*whole);
    }
  } else if (const auto* decimal = std::get_if<double>(&value)) {
    AppendDouble(*decimal, out);
  } else if (const auto* flag = std::get_if<bool>(&value)) {
    *out += *flag ? "true" : "false";
  } else if (const auto* kind = std::get_if<model::SpanKind>(&value)) {
    *out += internal::ToLower(model::SpanKindName(*kind));
  } else if (const auto* status = std::get_if<model::StatusCode>(&value)) {
    *out += internal::ToLower(model::StatusCodeName(*status));
  } else {
    *out += "nil";
  }
}

void AppendFilter(const store::SpanFilter& filter, std::string* out);

void AppendChildren(const store::SpanFilter& filter, std::string_view separator, std::string* out) {
  for (std::size_t i = 0; i < filter.children.size(); ++i) {
    if (i > 0) *out += separator;
    const store::SpanFilter& child = *filter.children[i];
    // && binds tighter than ||, so only an Or inside an And needs parentheses.
    const bool parenthesize = child.kind == store::SpanFilter::Kind::kOr && filter.kind == store::SpanFilter::Kind::kAnd;
    if (parenthesize) out->push_back('(');
    AppendFilter(child, out);
    if (parenthesize) out->push_back(')');
  }
}

void AppendFilter(const store::SpanFilter& filter, std::string* out) {
  switch (filter.kind) {
    case store::SpanFilter::Kind::kTrue: *out += "true"; return;  // only at the top, where it is `{ }`
    case store::SpanFilter::Kind::kComparison:
      AppendField(filter.comparison.field, out);
      out->push_back(' ');
      *out += OperatorText(filter.comparison.op);
      out->push_back(' ');
      AppendLiteral(filter.comparison, out);
      return;
    case store::SpanFilter::Kind::kAnd: AppendChildren(filter, " && ", out); return;
    case store::SpanFilter::Kind::kOr: AppendChildren(filter, " || ", out); return;
  }
}

}  // namespace

std::string FormatFilter(const store::SpanFilter& filter) {
  if (filter.kind == store::SpanFilter::Kind::kTrue) return "{ }";
  std::string out = "{ ";
  AppendFilter(filter, &out);
  out += " }";
  return out;
}

}  // namespace hoptrace::query
