// Jaeger's query parameters to store requests (see jaeger_api.h). Errors use Jaeger's own words
// (including the Go library messages it passes through), so clients see what Jaeger would say.

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <limits>

#include "hoptrace/query/duration.h"
#include "hoptrace/query/jaeger_api.h"
#include "text.h"

namespace hoptrace::query {
namespace {

using store::CompareOp;
using store::Field;
using store::Intrinsic;
using store::SpanFilter;
using store::SpanFilterPtr;

constexpr std::size_t kDefaultLimit = 100;
constexpr std::size_t kMaxLimit = 10'000;
constexpr std::int64_t kNanosPerMicro = 1'000;
constexpr std::int64_t kNanosPerMilli = 1'000'000;
constexpr std::int64_t kDefaultSearchLookback = 2 * 24 * 3'600 * 1'000'000'000LL;  // Jaeger: 2 days
constexpr std::uint64_t kDefaultDependencyLookback = 24 * 3'600 * 1'000'000'000ULL;  // Jaeger: 24 hours

std::string Quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

std::string ParseIntError(std::string_view text, std::errc ec) {
  return "strconv.ParseInt: parsing " + Quoted(text) +
         (ec == std::errc::result_out_of_range ? ": value out of range" : ": invalid syntax");
}

std::string ParamError(std::string_view name, std::string_view problem) {
  return "unable to parse param '" + std::string(name) + "': " + std::string(problem);
}

// Parses a whole decimal integer; sets `error` to Go's strconv wording otherwise.
bool ParseInt64(std::string_view text, std::int64_t* out, std::string* error) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  if (ec == std::errc() && end == text.data() + text.size()) return true;
  *error = ParseIntError(text, ec == std::errc() ? std::errc::invalid_argument : ec);
  return false;
}

// A whole number of `unit_nanos` (a time since the epoch, or a lookback), in nanoseconds;
// `fallback` when absent.
bool ParseUnitsParam(const ParamList& params, std::string_view name, std::int64_t unit_nanos, std::uint64_t fallback,
                     std::uint64_t* out, std::string* error) {
  const auto text = FindParam(params, name);
  if (!text || text->empty()) {
    *out = fallback;
    return true;
  }
  std::int64_t value = 0;
  std::string problem;
  if (!ParseInt64(*text, &value, &problem)) {
    *error = ParamError(name, problem);
    return false;
  }
  if (value < 0 || value > std::numeric_limits<std::int64_t>::max() / unit_nanos) {
    *error = ParamError(name, "out of range: " + std::string(*text));
    return false;
  }
  *out = static_cast<std::uint64_t>(value * unit_nanos);
  return true;
}

std::uint64_t StartBefore(std::uint64_t end, std::uint64_t lookback) { return end > lookback ? end - lookback : 0; }

bool ParseDurationParam(const ParamList& params, std::string_view name, std::int64_t* out, std::string* error) {
  const auto text = FindParam(params, name);
  if (!text || text->empty()) return true;
  const auto nanos = ParseGoDuration(*text);
  if (!nanos) {
    *error = ParamError(name, "time: invalid duration " + Quoted(*text));
    return false;
  }
  *out = *nanos;
  return true;
}

// The span kind Jaeger names `name` (its span.kind tag values, and "unspecified").
std::optional<model::SpanKind> KindNamed(std::string_view name) {
  for (auto kind : {model::SpanKind::kServer, model::SpanKind::kClient, model::SpanKind::kProducer,
                    model::SpanKind::kConsumer, model::SpanKind::kInternal, model::SpanKind::kUnspecified}) {
    if (name == internal::ToLower(model::SpanKindName(kind))) return kind;
  }
  return std::nullopt;
}

SpanFilterPtr Equals(Field field, store::Literal value) {
  return SpanFilter::Compare({std::move(field), CompareOp::kEq, std::move(value)});
}

// Tags Jaeger derives from OTLP fields rather than attributes: what the tag means on the model.
void AddDerivedTagMatches(std::string_view key, std::string_view value, std::vector<SpanFilterPtr>* alternatives) {
  const Field status{.intrinsic = Intrinsic::kStatus};
  if (key == "error" && value == "true") alternatives->push_back(Equals(status, model::StatusCode::kError));
  if (key == "otel.status_code") {
    for (auto code : {model::StatusCode::kOk, model::StatusCode::kError, model::StatusCode::kUnset}) {
      if (value == model::StatusCodeName(code)) alternatives->push_back(Equals(status, code));
    }
  }
  if (key == "otel.status_description") {
    alternatives->push_back(Equals({.intrinsic = Intrinsic::kStatusMessage}, std::string(value)));
  }
  if (key == "span.kind") {
    // UNSPECIFIED spans carry no span.kind tag, so "unspecified" matches no kind.
    if (const auto kind = KindNamed(value); kind && *kind != model::SpanKind::kUnspecified) {
      alternatives->push_back(Equals({.intrinsic = Intrinsic::kKind}, *kind));
    }
  }
}

// key=value as Jaeger matches it: the attribute (span or resource) whose value reads as `value`.
SpanFilterPtr TagFilter(std::string_view key, std::string_view value) {
  const Field attribute{.scope = store::AttributeScope::kAny, .attribute = std::string(key)};
  std::vector<SpanFilterPtr> alternatives{Equals(attribute, std::string(value))};
  std::int64_t whole = 0;
  double decimal = 0;
  if (internal::ParseWhole(value, &whole)) {
    alternatives.push_back(Equals(attribute, whole));
  } else if (internal::ParseWhole(value, &decimal)) {
    alternatives.push_back(Equals(attribute, decimal));
  } else if (value == "true" || value == "false") {
    alternatives.push_back(Equals(attribute, value == "true"));
  }
  AddDerivedTagMatches(key, value, &alternatives);
  return alternatives.size() == 1 ? alternatives.front() : SpanFilter::Or(std::move(alternatives));
}

using TagList = std::vector<std::pair<std::string, std::string>>;

// `tags` as the UI's search form takes them: key=value pairs separated by spaces, values optionally
// double-quoted with \" and \\ escapes.
bool ParseLogfmtTags(std::string_view text, TagList* tags, std::string* error) {
  const std::string malformed = "malformed 'tags' parameter, expecting key=value pairs, received: " + std::string(text);
  std::size_t pos = 0;
  while (true) {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t')) ++pos;
    if (pos == text.size()) return true;
    const std::size_t equals = text.find('=', pos);
    const std::size_t space = text.find_first_of(" \t", pos);
    if (equals == std::string_view::npos || equals == pos || equals > space) {
      *error = malformed;
      return false;
    }
    std::string key(text.substr(pos, equals - pos));
    std::string value;
    pos = equals + 1;
    if (pos < text.size() && text[pos] == '"') {
      for (++pos; pos < text.size() && text[pos] != '"'; ++pos) {
        if (text[pos] == '\\' && pos + 1 < text.size()) ++pos;
        value.push_back(text[pos]);
      }
      if (pos == text.size()) {
        *error = malformed;
        return false;
      }
      ++pos;
    } else {
      const std::size_t end = std::min(text.find_first_of(" \t", pos), text.size());
      value = std::string(text.substr(pos, end - pos));
      pos = end;
    }
    tags->emplace_back(std::move(key), std::move(value));
  }
}

// `tags` as a JSON object; values may be strings, numbers or booleans (Jaeger takes strings only).
bool ParseJsonTags(std::string_view text, TagList* tags, std::string* error) {
  const std::string prefix = "malformed 'tags' parameter, cannot unmarshal JSON: ";
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  const simdjson::padded_string padded(text);
  if (const auto code = parser.parse(padded).get_object().get(object); code != simdjson::SUCCESS) {
    *error = prefix + simdjson::error_message(code);
    return false;
  }
  for (const auto field : object) {
    std::string value;
    const simdjson::dom::element element = field.value;
    if (element.is_string()) {
      value = std::string(std::string_view(element.get_string().value_unsafe()));
    } else if (element.is_bool()) {
      value = element.get_bool().value_unsafe() ? "true" : "false";
    } else if (element.is_int64()) {
      value = std::to_string(element.get_int64().value_unsafe());
    } else if (element.is_uint64()) {
      value = std::to_string(element.get_uint64().value_unsafe());
    } else if (element.is_double()) {
      char buffer[32];
      const auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), element.get_double().value_unsafe());
      value.assign(buffer, ec == std::errc() ? end : buffer);
    } else {
      *error = prefix + "the value of \"" + std::string(field.key) + "\" is not a string, number or boolean";
      return false;
    }
    tags->emplace_back(std::string(field.key), std::move(value));
  }
  return true;
}

bool ParseTags(const ParamList& params, TagList* tags, std::string* error) {
  for (const auto& [name, value] : params) {
    if (name == "tag") {
      const std::size_t colon = value.find(':');
      if (colon == std::string::npos) {
        *error = "malformed 'tag' parameter, expecting key:value, received: " + value;
        return false;
      }
      tags->emplace_back(value.substr(0, colon), value.substr(colon + 1));
    } else if (name == "tags") {
      const std::size_t first = value.find_first_not_of(" \t\r\n");
      const bool json = first != std::string::npos && value[first] == '{';
      if (!(json ? ParseJsonTags(value, tags, error) : ParseLogfmtTags(value, tags, error))) return false;
    }
  }
  return true;
}

bool ParseLimit(const ParamList& params, std::size_t* limit, std::string* error) {
  *limit = kDefaultLimit;
  const auto text = FindParam(params, "limit");
  if (!text || text->empty()) return true;
  std::int64_t value = 0;
  if (!ParseInt64(*text, &value, error)) return false;
  if (value > 0) *limit = static_cast<std::size_t>(std::min<std::int64_t>(value, kMaxLimit));
  return true;
}

bool ParseSearchRange(const ParamList& params, std::uint64_t now_unix_nano, store::TimeRange* range, std::string* error) {
  if (!ParseUnitsParam(params, "end", kNanosPerMicro, now_unix_nano, &range->end_unix_nano, error)) return false;
  std::int64_t lookback = kDefaultSearchLookback;
  if (const auto text = FindParam(params, "lookback"); text && !text->empty() && *text != "custom") {
    const auto parsed = ParseLookback(*text);
    if (!parsed || *parsed < 0) {
      *error = ParamError("lookback", "time: invalid duration " + Quoted(*text));
      return false;
    }
    lookback = *parsed;
  }
  const std::uint64_t fallback_start = StartBefore(range->end_unix_nano, static_cast<std::uint64_t>(lookback));
  return ParseUnitsParam(params, "start", kNanosPerMicro, fallback_start, &range->start_unix_nano, error);
}

}  // namespace

std::optional<std::string_view> FindParam(const ParamList& params, std::string_view name) {
  for (const auto& [key, value] : params) {
    if (key == name) return std::string_view(value);
  }
  return std::nullopt;
}

bool ParseJaegerSearchParams(const ParamList& params, std::uint64_t now_unix_nano, JaegerSearchParams* out,
                             std::string* error) {
  *out = {};
  for (const auto& [name, value] : params) {
    if (name != "traceID") continue;
    const auto id = ParseJaegerTraceId(value);
    if (!id) {
      *error = "cannot parse traceID param: " + ParseIntError(value, std::errc::invalid_argument);
      return false;
    }
    out->trace_ids.push_back(*id);
  }
  TagList tags;
  std::int64_t min_duration = 0;
  std::int64_t max_duration = 0;
  if (!ParseSearchRange(params, now_unix_nano, &out->request.range, error) || !ParseTags(params, &tags, error) ||
      !ParseLimit(params, &out->request.limit, error) || !ParseDurationParam(params, "minDuration", &min_duration, error) ||
      !ParseDurationParam(params, "maxDuration", &max_duration, error)) {
    return false;
  }
  const std::string_view service = FindParam(params, "service").value_or("");
  if (service.empty() && out->trace_ids.empty()) {
    *error = "parameter 'service' is required";
    return false;
  }
  if (min_duration != 0 && max_duration != 0 && max_duration < min_duration) {
    *error = "'maxDuration' should be greater than 'minDuration'";
    return false;
  }

  std::vector<SpanFilterPtr> conditions;
  if (!service.empty()) conditions.push_back(Equals({.intrinsic = Intrinsic::kServiceName}, std::string(service)));
  if (const auto operation = FindParam(params, "operation"); operation && !operation->empty()) {
    conditions.push_back(Equals({.intrinsic = Intrinsic::kName}, std::string(*operation)));
  }
  for (const auto& [key, value] : tags) conditions.push_back(TagFilter(key, value));
  const Field duration{.intrinsic = Intrinsic::kDuration};
  if (min_duration > 0) conditions.push_back(SpanFilter::Compare({duration, CompareOp::kGe, min_duration}));
  if (max_duration > 0) conditions.push_back(SpanFilter::Compare({duration, CompareOp::kLe, max_duration}));
  if (conditions.size() == 1) {
    out->request.filter = conditions.front();
  } else if (!conditions.empty()) {
    out->request.filter = SpanFilter::And(std::move(conditions));
  }
  return true;
}

bool ParseJaegerDependencyParams(const ParamList& params, std::uint64_t now_unix_nano, JaegerDependencyParams* out,
                                 std::string* error) {
  *out = {};
  if (!ParseUnitsParam(params, "endTs", kNanosPerMilli, now_unix_nano, &out->range.end_unix_nano, error)) return false;
  std::uint64_t lookback = 0;
  if (!ParseUnitsParam(params, "lookback", kNanosPerMilli, kDefaultDependencyLookback, &lookback, error)) return false;
  out->range.start_unix_nano = StartBefore(out->range.end_unix_nano, lookback);
  out->service = std::string(FindParam(params, "service").value_or(""));
  return true;
}

bool ParseJaegerSpanKind(std::string_view text, std::optional<model::SpanKind>* kind, std::string* error) {
  kind->reset();
  if (text.empty()) return true;
  *kind = KindNamed(text);
  if (*kind) return true;
  *error = "unsupported span kind: '" + std::string(text) + "'";
  return false;
}

}  // namespace hoptrace::query
