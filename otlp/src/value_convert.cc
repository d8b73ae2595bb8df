#include "value_convert.h"

#include <cstring>
#include <type_traits>
#include <variant>

#include "text_encoding.h"

namespace hoptrace::otlp::internal {
namespace {

void AppendScalarJson(const std::string& s, std::string* out) { AppendJsonString(s, out); }
void AppendScalarJson(bool b, std::string* out) { out->append(b ? "true" : "false"); }
void AppendScalarJson(std::int64_t v, std::string* out) { AppendDecimal(v, out); }
void AppendScalarJson(double v, std::string* out) { AppendJsonDouble(v, out); }

// The text of a scalar as a string-array element: strings as they are, others as AppendPlainJson
// would write them minus quotes.
std::string ScalarText(const std::string& s) { return s; }
std::string ScalarText(bool b) { return b ? "true" : "false"; }
std::string ScalarText(std::int64_t v) {
  std::string text;
  AppendDecimal(v, &text);
  return text;
}
std::string ScalarText(double v) {
  std::string text;
  AppendDoubleText(v, &text);
  return text;
}

// Scalars are the first four AttributeValue alternatives; arrays are the other four.
constexpr bool IsScalarIndex(std::size_t index) { return index <= 3; }
// In AttributeValue, the array of a scalar type sits four alternatives after it.
constexpr std::size_t kArrayIndexOffset = 4;
static_assert(std::is_same_v<std::variant_alternative_t<0 + kArrayIndexOffset, model::AttributeValue>,
                             std::vector<std::string>>);
static_assert(std::is_same_v<std::variant_alternative_t<3 + kArrayIndexOffset, model::AttributeValue>,
                             std::vector<double>>);

template <std::size_t N>
std::string SizeProblem(std::string_view name, IdEncoding encoding, std::size_t got) {
  const bool hex = encoding == IdEncoding::kHex;
  return std::string(name) + " must be " + std::to_string(hex ? 2 * N : N) + (hex ? " hex digits" : " bytes") +
         ", got " + std::to_string(got);
}

}  // namespace

void AppendPlainJson(const model::AttributeValue& value, std::string* out) {
  bool array = false;
  bool first = true;
  VisitAttributeValue(
      value, [out](const auto& scalar) { AppendScalarJson(scalar, out); },
      [&](std::size_t) {
        array = true;
        out->push_back('[');
      },
      [&](const auto& item) {
        if (!first) out->push_back(',');
        first = false;
        AppendScalarJson(item, out);
      });
  if (array) out->push_back(']');
}

std::string& ResetToString(model::AttributeValue* out) {
  if (auto* s = std::get_if<std::string>(out)) {
    s->clear();
    return *s;
  }
  return out->emplace<std::string>();
}

void ArrayValueBuilder::Add(model::AttributeValue&& element, ValueKind kind, std::string_view nested_json) {
  if (want_json_) {
    if (json_.size() > 1) json_.push_back(',');
    if (IsNestedKind(kind)) {
      json_.append(nested_json);
    } else {
      AppendPlainJson(element, &json_);
    }
  }
  if (IsNestedKind(kind)) {  // only text can hold a nested array or kvlist
    ConvertToStrings();
    std::get<std::vector<std::string>>(array_).emplace_back(nested_json);
    return;
  }
  std::visit(
      [this](auto&& scalar) {
        using Scalar = std::decay_t<decltype(scalar)>;
        if constexpr (kIsScalar<Scalar>) {
          if (empty_) {
            array_.emplace<std::vector<Scalar>>();
            empty_ = false;
          }
          if (auto* same_type = std::get_if<std::vector<Scalar>>(&array_)) {
            same_type->push_back(std::move(scalar));
            return;
          }
          ConvertToStrings();
          std::get<std::vector<std::string>>(array_).push_back(ScalarText(scalar));
        }
      },
      std::move(element));
}

void ArrayValueBuilder::ConvertToStrings() {
  empty_ = false;
  if (std::holds_alternative<std::vector<std::string>>(array_)) return;
  std::vector<std::string> strings;
  VisitAttributeValue(
      array_, [](const auto&) {}, [&](std::size_t size) { strings.reserve(size); },
      [&](const auto& item) { strings.push_back(ScalarText(item)); });
  array_ = std::move(strings);
}

void ArrayValueBuilder::Finish(model::AttributeValue* out, std::string* json) {
  *out = std::move(array_);
  if (want_json_ && json != nullptr) {
    json_.push_back(']');
    *json = std::move(json_);
  }
}

void KvlistTextBuilder::Add(std::string_view key, const model::AttributeValue& value, ValueKind kind,
                            std::string_view nested_json) {
  if (text_.size() > 1) text_.push_back(',');
  AppendJsonString(key, &text_);
  text_.push_back(':');
  if (IsNestedKind(kind)) {
    text_.append(nested_json);
  } else {
    AppendPlainJson(value, &text_);
  }
}

void KvlistTextBuilder::Finish(model::AttributeValue* out, std::string* json) {
  text_.push_back('}');
  if (json != nullptr) *json = text_;
  *out = std::move(text_);
}

model::SpanKind SpanKindFromNumber(std::int64_t number) {
  const bool known = number >= 0 && number <= static_cast<std::int64_t>(model::SpanKind::kConsumer);
  return known ? static_cast<model::SpanKind>(number) : model::SpanKind::kUnspecified;
}

model::StatusCode StatusCodeFromNumber(std::int64_t number) {
  const bool known = number >= 0 && number <= static_cast<std::int64_t>(model::StatusCode::kError);
  return known ? static_cast<model::StatusCode>(number) : model::StatusCode::kUnset;
}

template <std::size_t N>
bool DecodeId(std::string_view encoded, IdEncoding encoding, IdRule rule, std::string_view name,
              model::ByteId<N>* out, std::string* problem) {
  if (encoded.empty() && rule == IdRule::kOptional) {
    *out = model::ByteId<N>();
    return true;
  }
  if (encoding == IdEncoding::kBytes) {
    if (encoded.size() != N) {
      *problem = SizeProblem<N>(name, encoding, encoded.size());
      return false;
    }
    std::memcpy(out->mutable_bytes().data(), encoded.data(), N);
  } else {
    if (encoded.size() != 2 * N) {
      *problem = SizeProblem<N>(name, encoding, encoded.size());
      return false;
    }
    const auto id = model::ByteId<N>::FromHex(encoded);
    if (!id) {
      *problem = std::string(name) + " is not hex";
      return false;
    }
    *out = *id;
  }
  if (rule == IdRule::kRequired && !out->IsValid()) {
    *problem = std::string(name) + " is all zero";
    return false;
  }
  return true;
}

template bool DecodeId<16>(std::string_view, IdEncoding, IdRule, std::string_view, model::TraceId*, std::string*);
template bool DecodeId<8>(std::string_view, IdEncoding, IdRule, std::string_view, model::SpanId*, std::string*);

void RejectSpan(std::size_t span_index, std::string_view problem, DecodeReport* report) {
  ++report->rejected_spans;
  if (report->first_error.empty()) {
    report->first_error = "span " + std::to_string(span_index) + ": " + std::string(problem);
  }
}

}  // namespace hoptrace::otlp::internal
