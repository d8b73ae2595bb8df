#include "sql_filter.h"

#include <cstdio>

#include "clickhouse_http.h"

namespace hoptrace::store::clickhouse {
namespace {

const char* OperatorSql(CompareOp op) {
  switch (op) {
    case CompareOp::kEq: return " = ";
    case CompareOp::kNe: return " != ";
    case CompareOp::kLt: return " < ";
    case CompareOp::kLe: return " <= ";
    case CompareOp::kGt: return " > ";
    case CompareOp::kGe: return " >= ";
    default: return nullptr;
  }
}

std::string DoubleSql(double value) {
  char text[64];
  std::snprintf(text, sizeof(text), "toFloat64(%.17g)", value);
  return text;
}

// `actual` compared with a string literal (ordering or regex); "0" when the literal is not a string.
std::string CompareText(const std::string& actual, CompareOp op, const Literal& value) {
  const auto* text = std::get_if<std::string>(&value);
  if (text == nullptr) return "0";
  if (op == CompareOp::kRegex) return "match(" + actual + ", " + QuoteSql(*text) + ")";
  if (op == CompareOp::kNotRegex) return "NOT match(" + actual + ", " + QuoteSql(*text) + ")";
  const char* sql = OperatorSql(op);
  return sql ? actual + sql + QuoteSql(*text) : "0";
}

// `actual` (an Int64 or Float64 expression) compared with a numeric literal.
std::string CompareNumber(const std::string& actual, bool actual_is_int, CompareOp op, const Literal& value) {
  const char* sql = OperatorSql(op);
  if (sql == nullptr) return "0";
  if (const auto* i = std::get_if<std::int64_t>(&value)) {
    // Exact integer comparison when both sides are integers, as Matches does.
    return actual_is_int ? actual + sql + "toInt64(" + std::to_string(*i) + ")"
                         : actual + sql + DoubleSql(static_cast<double>(*i));
  }
  if (const auto* d = std::get_if<double>(&value)) {
    return (actual_is_int ? "toFloat64(" + actual + ")" : actual) + sql + DoubleSql(*d);
  }
  return "0";
}

template <typename Enum>
std::string CompareEnum(const std::string& column, CompareOp op, const Literal& value) {
  const auto* e = std::get_if<Enum>(&value);
  const char* sql = OperatorSql(op);
  if (e == nullptr || sql == nullptr) return "0";
  return column + sql + std::to_string(static_cast<int>(*e));
}

// The element of `prefix`_<group>_values paired with `key`, and whether the key is there.
struct TypedValue {
  std::string present;
  std::string value;
};
TypedValue ValueOf(const std::string& prefix, const char* group, const std::string& quoted_key) {
  const std::string keys = prefix + "_" + group + "_keys";
  return {"has(" + keys + ", " + quoted_key + ")",
          prefix + "_" + group + "_values[indexOf(" + keys + ", " + quoted_key + ")]"};
}

// A comparison with the attribute `key` of the span ("attr") or the resource ("res").
std::string CompareAttribute(const std::string& prefix, const std::string& quoted_key, CompareOp op,
                             const Literal& value) {
  const TypedValue text = ValueOf(prefix, "str", quoted_key);
  const TypedValue integer = ValueOf(prefix, "int", quoted_key);
  const TypedValue real = ValueOf(prefix, "dbl", quoted_key);
  const TypedValue boolean = ValueOf(prefix, "bool", quoted_key);
  if (op == CompareOp::kExists) {
    return "(" + text.present + " OR " + integer.present + " OR " + real.present + " OR " + boolean.present + ")";
  }
  if (std::holds_alternative<std::string>(value)) {
    return "(" + text.present + " AND " + CompareText(text.value, op, value) + ")";
  }
  if (std::holds_alternative<std::int64_t>(value) || std::holds_alternative<double>(value)) {
    return "((" + integer.present + " AND " + CompareNumber(integer.value, true, op, value) + ") OR (" +
           real.present + " AND " + CompareNumber(real.value, false, op, value) + "))";
  }
  if (const auto* b = std::get_if<bool>(&value)) {
    if (op != CompareOp::kEq && op != CompareOp::kNe) return "0";
    return "(" + boolean.present + " AND " + boolean.value + OperatorSql(op) + (*b ? "1" : "0") + ")";
  }
  return "0";
}

// Whether the span has `key` at all (any type, arrays included): then the resource is not consulted.
std::string SpanHasKey(const std::string& quoted_key) {
  std::string any;
  for (const char* group : {"str", "int", "dbl", "bool", "arr"}) {
    if (!any.empty()) any += " OR ";
    any += "has(attr_" + std::string(group) + "_keys, " + quoted_key + ")";
  }
  return "(" + any + ")";
}

std::string CompareIntrinsic(const Comparison& comparison) {
  const CompareOp op = comparison.op;
  const Literal& value = comparison.value;
  switch (comparison.field.intrinsic) {
    case Intrinsic::kName: return op == CompareOp::kExists ? "1" : CompareText("name", op, value);
    case Intrinsic::kServiceName: {
      // `service` holds service.name when it is a string: the sort key's first column, so an equality
      // here narrows the read to one service's range.
      if (std::holds_alternative<std::string>(value) || op == CompareOp::kExists) {
        const std::string present = "has(res_str_keys, 'service.name')";
        return op == CompareOp::kExists ? CompareAttribute("res", "'service.name'", op, value)
                                        : "(" + present + " AND " + CompareText("service", op, value) + ")";
      }
      return CompareAttribute("res", "'service.name'", op, value);
    }
    case Intrinsic::kKind: return op == CompareOp::kExists ? "1" : CompareEnum<model::SpanKind>("kind", op, value);
    case Intrinsic::kStatus:
      return op == CompareOp::kExists ? "1" : CompareEnum<model::StatusCode>("status_code", op, value);
    case Intrinsic::kStatusMessage: return op == CompareOp::kExists ? "1" : CompareText("status_message", op, value);
    case Intrinsic::kDuration:
      return op == CompareOp::kExists ? "1" : CompareNumber("toInt64(duration_ns)", true, op, value);
    case Intrinsic::kNone: break;
  }
  return "0";
}

std::string CompareToSql(const Comparison& comparison) {
  if (comparison.field.intrinsic != Intrinsic::kNone) return CompareIntrinsic(comparison);
  const std::string key = QuoteSql(comparison.field.attribute);
  switch (comparison.field.scope) {
    case AttributeScope::kSpan: return CompareAttribute("attr", key, comparison.op, comparison.value);
    case AttributeScope::kResource: return CompareAttribute("res", key, comparison.op, comparison.value);
    case AttributeScope::kAny:
      return "if(" + SpanHasKey(key) + ", " + CompareAttribute("attr", key, comparison.op, comparison.value) + ", " +
             CompareAttribute("res", key, comparison.op, comparison.value) + ")";
  }
  return "0";
}

std::string Join(const std::vector<SpanFilterPtr>& children, const char* separator, const char* empty) {
  if (children.empty()) return empty;
  std::string sql = "(";
  for (std::size_t i = 0; i < children.size(); ++i) {
    if (i > 0) sql += separator;
    sql += FilterToSql(*children[i]);
  }
  return sql + ")";
}

}  // namespace

std::string FilterToSql(const SpanFilter& filter) {
  switch (filter.kind) {
    case SpanFilter::Kind::kTrue: return "1";
    case SpanFilter::Kind::kComparison: return CompareToSql(filter.comparison);
    case SpanFilter::Kind::kAnd: return Join(filter.children, " AND ", "1");
    case SpanFilter::Kind::kOr: return Join(filter.children, " OR ", "0");
  }
  return "0";
}

}  // namespace hoptrace::store::clickhouse
