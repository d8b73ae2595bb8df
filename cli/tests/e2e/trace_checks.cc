#include "trace_checks.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <functional>
#include <iostream>
#include <map>

#include "child_process.h"
#include "hoptrace/http/url.h"
#include "test_client.h"

namespace hoptrace::cli::e2e {
namespace {

namespace dom = simdjson::dom;

std::optional<dom::element> Field(dom::element object, std::string_view key) {
  dom::element value;
  if (object.at_key(key).get(value) != simdjson::SUCCESS) return std::nullopt;
  return value;
}

// A missing string field reads as "" (proto3 JSON may omit defaults).
std::string_view StringField(dom::element object, std::string_view key) {
  const auto value = Field(object, key);
  return value ? std::string_view(*value) : std::string_view();
}

std::vector<dom::element> Elements(std::optional<dom::element> array) {
  std::vector<dom::element> items;
  if (array) {
    for (dom::element item : dom::array(*array)) items.push_back(item);
  }
  return items;
}

// Jaeger writes 64-bit trace IDs (high half zero) with 16 digits.
std::string JaegerTraceIdHex(const model::TraceId& id) {
  const std::string hex = id.ToHex();
  return hex.starts_with("0000000000000000") ? hex.substr(16) : hex;
}

std::string Lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::string Keys(const std::vector<dom::element>& list) {
  std::string keys;
  for (dom::element item : list) keys += std::string(StringField(item, "key")) + " ";
  return keys;
}

std::optional<dom::element> FindByKey(const std::vector<dom::element>& list, std::string_view key) {
  for (dom::element item : list) {
    if (StringField(item, "key") == key) return item;
  }
  return std::nullopt;
}

// ---- Values -------------------------------------------------------------------------------------

// The model's array attribute types (std::string is a range too, but a scalar here).
template <typename V>
constexpr bool kIsArray = !std::is_same_v<V, std::string> && requires(const V& value) {
  value[0];
};

// A list of {"key": ...} entries (Jaeger tags, OTLP attributes) holding exactly the wanted attributes,
// each checked by `expect_value`.
using ExpectValue =
    std::function<void(dom::element entry, const model::AttributeValue& want, const std::string& where)>;

void ExpectKeyedEntries(std::optional<dom::element> list, const model::Attributes& want,
                        const std::string& where, const ExpectValue& expect_value) {
  const std::vector<dom::element> got = Elements(list);
  EXPECT_EQ(got.size(), want.size()) << where << ": keys " << Keys(got);
  for (const model::Attribute& attribute : want) {
    const auto entry = FindByKey(got, attribute.key);
    if (!entry) {
      ADD_FAILURE() << where << ": no " << attribute.key << " among " << Keys(got);
      continue;
    }
    expect_value(*entry, attribute.value, where + " " + attribute.key);
  }
}

// A scalar JSON value equals `want` (same JSON type, same value).
template <typename T>
void ExpectJsonScalar(std::optional<dom::element> field, const T& want, const std::string& where) {
  ASSERT_TRUE(field) << where << ": missing";
  const dom::element got = *field;
  if constexpr (std::is_same_v<T, std::string>) {
    ASSERT_TRUE(got.is_string()) << where << ": " << got;
    EXPECT_EQ(std::string_view(got), want) << where;
  } else if constexpr (std::is_same_v<T, bool>) {
    ASSERT_TRUE(got.is_bool()) << where << ": " << got;
    EXPECT_EQ(bool(got), want) << where;
  } else if constexpr (std::is_same_v<T, std::int64_t>) {
    ASSERT_TRUE(got.is_int64()) << where << ": " << got;
    EXPECT_EQ(std::int64_t(got), want) << where;
  } else {
    ASSERT_TRUE(got.is_number()) << where << ": " << got;
    EXPECT_EQ(double(got), want) << where;
  }
}

template <typename T>
void ExpectJsonArray(dom::element got, const std::vector<T>& want, const std::string& where) {
  ASSERT_TRUE(got.is_array()) << where << ": " << got;
  const std::vector<dom::element> items = Elements(got);
  ASSERT_EQ(items.size(), want.size()) << where << ": " << got;
  for (std::size_t i = 0; i < want.size(); ++i) {
    ExpectJsonScalar(items[i], static_cast<T>(want[i]), where + "[" + std::to_string(i) + "]");
  }
}

// Jaeger: string, bool, int64 and float64 tags; arrays become a string tag holding the JSON array.
void ExpectJaegerTagValue(dom::element tag, const model::AttributeValue& want, const std::string& where) {
  static constexpr std::string_view kTypes[] = {"string", "bool", "int64", "float64"};
  const std::size_t type = want.index();
  EXPECT_EQ(StringField(tag, "type"), type < 4 ? kTypes[type] : "string") << where;
  const auto value = Field(tag, "value");
  ASSERT_TRUE(value) << where << ": no value";
  std::visit(
      [&](const auto& typed) {
        using V = std::decay_t<decltype(typed)>;
        if constexpr (kIsArray<V>) {
          ASSERT_TRUE(value->is_string()) << where << ": " << *value;
          dom::parser parser;
          dom::element array;
          ASSERT_EQ(parser.parse(simdjson::padded_string(std::string_view(*value))).get(array),
                    simdjson::SUCCESS)
              << where << ": not JSON: " << *value;
          ExpectJsonArray(array, typed, where);
        } else {
          ExpectJsonScalar(*value, typed, where);
        }
      },
      want);
}

void ExpectJaegerTags(std::optional<dom::element> tags, const model::Attributes& want,
                      const std::string& where) {
  ExpectKeyedEntries(tags, want, where + " tags", &ExpectJaegerTagValue);
}

// OTLP JSON AnyValue: exactly one of stringValue, boolValue, intValue (a decimal string), doubleValue,
// arrayValue {values: [AnyValue]}.
void ExpectAnyValue(dom::element got, const model::AttributeValue& want, const std::string& where);

template <typename T>
void ExpectAnyScalar(dom::element got, const T& want, const std::string& where) {
  ASSERT_TRUE(got.is_object()) << where << ": " << got;
  EXPECT_EQ(dom::object(got).size(), 1u) << where << ": " << got;
  if constexpr (std::is_same_v<T, std::string>) {
    ExpectJsonScalar(Field(got, "stringValue"), want, where);
  } else if constexpr (std::is_same_v<T, bool>) {
    ExpectJsonScalar(Field(got, "boolValue"), want, where);
  } else if constexpr (std::is_same_v<T, std::int64_t>) {
    ExpectJsonScalar(Field(got, "intValue"), std::to_string(want), where + " (int64 as a decimal string)");
  } else {
    ExpectJsonScalar(Field(got, "doubleValue"), want, where);
  }
}

void ExpectAnyValue(dom::element got, const model::AttributeValue& want, const std::string& where) {
  std::visit(
      [&](const auto& typed) {
        using V = std::decay_t<decltype(typed)>;
        if constexpr (kIsArray<V>) {
          const auto array = Field(got, "arrayValue");
          ASSERT_TRUE(array) << where << ": no arrayValue in " << got;
          const std::vector<dom::element> items = Elements(Field(*array, "values"));
          ASSERT_EQ(items.size(), typed.size()) << where << ": " << got;
          for (std::size_t i = 0; i < typed.size(); ++i) {
            using Item = typename V::value_type;
            ExpectAnyScalar(items[i], static_cast<Item>(typed[i]), where + "[" + std::to_string(i) + "]");
          }
        } else {
          ExpectAnyScalar(got, typed, where);
        }
      },
      want);
}

void ExpectOtlpAttributes(std::optional<dom::element> attributes, const model::Attributes& want,
                          const std::string& where) {
  ExpectKeyedEntries(
      attributes, want, where + " attributes",
      [](dom::element key_value, const model::AttributeValue& value, const std::string& value_where) {
        const auto any_value = Field(key_value, "value");
        ASSERT_TRUE(any_value) << value_where << ": no value";
        ExpectAnyValue(*any_value, value, value_where);
      });
}

// ---- Jaeger -------------------------------------------------------------------------------------

// The tags Jaeger's OTLP translation gives a span: its attributes, then scope, kind, status and tracestate.
model::Attributes ExpectedJaegerTags(const SentSpan& sent) {
  model::Attributes tags = sent.span.attributes;
  const auto add = [&](std::string key, model::AttributeValue value) {
    tags.push_back({std::move(key), std::move(value)});
  };
  if (!sent.scope.name.empty()) add("otel.scope.name", sent.scope.name);
  if (!sent.scope.version.empty()) add("otel.scope.version", sent.scope.version);
  if (sent.span.kind != model::SpanKind::kUnspecified)
    add("span.kind", Lowercase(model::SpanKindName(sent.span.kind)));
  const model::Status& status = sent.span.status;
  if (status.code != model::StatusCode::kUnset)
    add("otel.status_code", std::string(model::StatusCodeName(status.code)));
  if (status.code == model::StatusCode::kError) add("error", true);
  if (!status.message.empty()) add("otel.status_description", status.message);
  if (!sent.span.trace_state.empty()) add("w3c.tracestate", sent.span.trace_state);
  return tags;
}

std::vector<std::string> ExpectedJaegerReferences(const model::Span& span) {
  std::vector<std::string> references;
  if (!span.IsRoot())
    references.push_back("CHILD_OF " + JaegerTraceIdHex(span.trace_id) + " " + span.parent_span_id.ToHex());
  for (const model::Link& link : span.links) {
    references.push_back("FOLLOWS_FROM " + JaegerTraceIdHex(link.trace_id) + " " + link.span_id.ToHex());
  }
  return references;
}

std::vector<std::string> JaegerReferences(dom::element span) {
  std::vector<std::string> references;
  for (dom::element reference : Elements(Field(span, "references"))) {
    references.push_back(std::string(StringField(reference, "refType")) + " " +
                         std::string(StringField(reference, "traceID")) + " " +
                         std::string(StringField(reference, "spanID")));
  }
  return references;
}

void ExpectJaegerLogs(dom::element span, const model::Span& sent, const std::string& where) {
  const std::vector<dom::element> logs = Elements(Field(span, "logs"));
  ASSERT_EQ(logs.size(), sent.events.size()) << where << ": logs";
  for (std::size_t i = 0; i < logs.size(); ++i) {
    const model::Event& event = sent.events[i];
    const std::string log_where = where + " log " + std::to_string(i) + " (" + event.name + ")";
    ExpectJsonScalar(Field(logs[i], "timestamp"), static_cast<std::int64_t>(event.time_unix_nano / 1000),
                     log_where);
    model::Attributes fields;
    fields.push_back({"event", event.name});
    for (const model::Attribute& attribute : event.attributes) fields.push_back(attribute);
    ExpectJaegerTags(Field(logs[i], "fields"), fields, log_where);
  }
}

void ExpectJaegerProcess(dom::element process, const model::Resource& resource, const std::string& where) {
  model::Attributes tags;
  std::string service_name;
  for (const model::Attribute& attribute : resource.attributes) {
    if (attribute.key == model::kServiceNameKey) {
      service_name = std::get<std::string>(attribute.value);
    } else {
      tags.push_back(attribute);
    }
  }
  EXPECT_EQ(StringField(process, "serviceName"), service_name) << where;
  ExpectJaegerTags(Field(process, "tags"), tags, where + " process");
}

void ExpectJaegerSpan(dom::element got, dom::element processes, const SentSpan& sent) {
  const model::Span& span = sent.span;
  const std::string where = "Jaeger span '" + span.name + "'";
  EXPECT_EQ(StringField(got, "traceID"), JaegerTraceIdHex(span.trace_id)) << where;
  EXPECT_EQ(StringField(got, "operationName"), span.name) << where;
  ExpectJsonScalar(Field(got, "startTime"), static_cast<std::int64_t>(span.start_time_unix_nano / 1000),
                   where + " startTime");
  ExpectJsonScalar(Field(got, "duration"), static_cast<std::int64_t>(span.DurationNanos() / 1000),
                   where + " duration");
  EXPECT_EQ(JaegerReferences(got), ExpectedJaegerReferences(span)) << where;
  ExpectJaegerTags(Field(got, "tags"), ExpectedJaegerTags(sent), where);
  ExpectJaegerLogs(got, span, where);
  const auto process = Field(processes, StringField(got, "processID"));
  ASSERT_TRUE(process) << where << ": no process " << StringField(got, "processID");
  ExpectJaegerProcess(*process, sent.resource, where);
}

// ---- OTLP JSON ----------------------------------------------------------------------------------

struct OtlpSpan {
  dom::element span;
  dom::element resource;
  dom::element scope;
};

std::vector<OtlpSpan> OtlpSpans(dom::element trace) {
  std::vector<OtlpSpan> spans;
  for (dom::element resource_spans : Elements(Field(trace, "resourceSpans"))) {
    for (dom::element scope_spans : Elements(Field(resource_spans, "scopeSpans"))) {
      for (dom::element span : Elements(Field(scope_spans, "spans"))) {
        spans.push_back({span, resource_spans["resource"], scope_spans["scope"]});
      }
    }
  }
  return spans;
}

void ExpectOtlpEvents(dom::element span, const model::Span& sent, const std::string& where) {
  const std::vector<dom::element> events = Elements(Field(span, "events"));
  ASSERT_EQ(events.size(), sent.events.size()) << where << ": events";
  for (std::size_t i = 0; i < events.size(); ++i) {
    const model::Event& event = sent.events[i];
    const std::string event_where = where + " event " + std::to_string(i) + " (" + event.name + ")";
    EXPECT_EQ(StringField(events[i], "name"), event.name) << event_where;
    EXPECT_EQ(StringField(events[i], "timeUnixNano"), std::to_string(event.time_unix_nano)) << event_where;
    ExpectOtlpAttributes(Field(events[i], "attributes"), event.attributes, event_where);
  }
}

void ExpectOtlpLinks(dom::element span, const model::Span& sent, const std::string& where) {
  const std::vector<dom::element> links = Elements(Field(span, "links"));
  ASSERT_EQ(links.size(), sent.links.size()) << where << ": links";
  for (std::size_t i = 0; i < links.size(); ++i) {
    const model::Link& link = sent.links[i];
    const std::string link_where = where + " link " + std::to_string(i);
    EXPECT_EQ(StringField(links[i], "traceId"), link.trace_id.ToHex()) << link_where;
    EXPECT_EQ(StringField(links[i], "spanId"), link.span_id.ToHex()) << link_where;
    EXPECT_EQ(StringField(links[i], "traceState"), link.trace_state) << link_where;
    ExpectOtlpAttributes(Field(links[i], "attributes"), link.attributes, link_where);
  }
}

void ExpectOtlpSpan(const OtlpSpan& got, const SentSpan& sent) {
  const model::Span& span = sent.span;
  const std::string where = "OTLP span '" + span.name + "'";
  EXPECT_EQ(StringField(got.span, "traceId"), span.trace_id.ToHex()) << where;
  EXPECT_EQ(StringField(got.span, "parentSpanId"), span.IsRoot() ? "" : span.parent_span_id.ToHex()) << where;
  EXPECT_EQ(StringField(got.span, "traceState"), span.trace_state) << where;
  EXPECT_EQ(StringField(got.span, "name"), span.name) << where;
  ExpectJsonScalar(Field(got.span, "kind"), static_cast<std::int64_t>(span.kind), where + " kind");
  EXPECT_EQ(StringField(got.span, "startTimeUnixNano"), std::to_string(span.start_time_unix_nano)) << where;
  EXPECT_EQ(StringField(got.span, "endTimeUnixNano"), std::to_string(span.end_time_unix_nano)) << where;
  ExpectOtlpAttributes(Field(got.span, "attributes"), span.attributes, where);
  ExpectOtlpEvents(got.span, span, where);
  ExpectOtlpLinks(got.span, span, where);
  const auto status = Field(got.span, "status");
  const auto code = status ? Field(*status, "code") : std::nullopt;
  EXPECT_EQ(code ? std::int64_t(*code) : 0, static_cast<std::int64_t>(span.status.code))
      << where << " status code";
  EXPECT_EQ(status ? StringField(*status, "message") : "", span.status.message) << where << " status message";
  ExpectOtlpAttributes(Field(got.resource, "attributes"), sent.resource.attributes, where + " resource");
  EXPECT_EQ(StringField(got.scope, "name"), sent.scope.name) << where << " scope";
  EXPECT_EQ(StringField(got.scope, "version"), sent.scope.version) << where << " scope";
}

// ---- Fetching -----------------------------------------------------------------------------------

std::optional<std::size_t> CountJaegerSpans(std::string_view body) {
  dom::parser parser;
  dom::element root;
  if (parser.parse(simdjson::padded_string(body)).get(root) != simdjson::SUCCESS) return std::nullopt;
  const std::vector<dom::element> data = Elements(Field(root, "data"));
  if (data.size() != 1) return std::nullopt;
  return Elements(Field(data[0], "spans")).size();
}

Fetched FetchUntil(std::uint16_t port, const std::string& target, std::size_t span_count,
                   std::optional<std::size_t> (*count)(std::string_view), std::chrono::milliseconds timeout) {
  Fetched last;
  PollUntil(
      [&] {
        const auto answer = http::testing::Fetch(port, "GET", target);
        last = answer ? Fetched{answer->status, answer->body, last.attempts}
                      : Fetched{.attempts = last.attempts};
        ++last.attempts;
        return last.status == 200 && count(last.body).value_or(0) >= span_count;
      },
      timeout, std::chrono::milliseconds(50));
  return last;
}

// The checks read fields with simdjson's throwing accessors where the shape is not in question; an
// answer of another shape is a test failure, not a crash of the test.
void FailOnUnexpectedShape(const std::function<void()>& check) {
  try {
    check();
  } catch (const simdjson::simdjson_error& e) {
    ADD_FAILURE() << "the answer does not have the expected JSON shape: " << e.what();
  }
}

void ExpectJaegerTraceOrThrow(std::string_view body, const SentTrace& sent) {
  dom::parser parser;
  dom::element root;
  ASSERT_EQ(parser.parse(simdjson::padded_string(body)).get(root), simdjson::SUCCESS) << body;
  const std::vector<dom::element> data = Elements(Field(root, "data"));
  ASSERT_EQ(data.size(), 1u) << body;
  EXPECT_EQ(StringField(data[0], "traceID"), JaegerTraceIdHex(sent.trace_id));
  const std::vector<dom::element> spans = Elements(Field(data[0], "spans"));
  ASSERT_EQ(spans.size(), sent.spans.size()) << body;
  const auto processes = Field(data[0], "processes");
  ASSERT_TRUE(processes && processes->is_object()) << body;
  for (const SentSpan& want : sent.spans) {
    const auto got = std::find_if(spans.begin(), spans.end(), [&](dom::element span) {
      return StringField(span, "spanID") == want.span.span_id.ToHex();
    });
    if (got == spans.end()) {
      ADD_FAILURE() << "Jaeger: no span " << want.span.span_id.ToHex() << " (" << want.span.name << ")";
      continue;
    }
    ExpectJaegerSpan(*got, *processes, want);
  }
}

void ExpectOtlpJsonTraceOrThrow(std::string_view body, const SentTrace& sent) {
  dom::parser parser;
  dom::element root;
  ASSERT_EQ(parser.parse(simdjson::padded_string(body)).get(root), simdjson::SUCCESS) << body;
  const auto trace = Field(root, "trace");
  ASSERT_TRUE(trace) << "no \"trace\" in " << body;
  const std::vector<OtlpSpan> spans = OtlpSpans(*trace);
  ASSERT_EQ(spans.size(), sent.spans.size()) << body;
  for (const SentSpan& want : sent.spans) {
    const auto got = std::find_if(spans.begin(), spans.end(), [&](const OtlpSpan& span) {
      return StringField(span.span, "spanId") == want.span.span_id.ToHex();
    });
    if (got == spans.end()) {
      ADD_FAILURE() << "OTLP JSON: no span " << want.span.span_id.ToHex() << " (" << want.span.name << ")";
      continue;
    }
    ExpectOtlpSpan(*got, want);
  }
}

}  // namespace

Fetched FetchJaegerTrace(std::uint16_t query_port, const model::TraceId& trace_id, std::size_t span_count,
                         std::chrono::milliseconds timeout) {
  return FetchUntil(query_port, "/api/traces/" + JaegerTraceIdHex(trace_id), span_count, &CountJaegerSpans,
                    timeout);
}

Fetched FetchOtlpTrace(std::uint16_t query_port, const model::TraceId& trace_id, std::size_t span_count,
                       std::chrono::milliseconds timeout) {
  const auto count = [](std::string_view body) -> std::optional<std::size_t> {
    const auto ids = OtlpSpanIds(body);
    return ids ? std::optional(ids->size()) : std::nullopt;
  };
  return FetchUntil(query_port, "/api/v2/traces/" + trace_id.ToHex(), span_count, count, timeout);
}

std::optional<std::vector<std::string>> OtlpSpanIds(std::string_view body) {
  dom::parser parser;
  dom::element root;
  if (parser.parse(simdjson::padded_string(body)).get(root) != simdjson::SUCCESS) return std::nullopt;
  const auto trace = Field(root, "trace");
  if (!trace) return std::nullopt;
  std::vector<std::string> ids;
  for (const OtlpSpan& span : OtlpSpans(*trace)) ids.emplace_back(StringField(span.span, "spanId"));
  return ids;
}

// ---- Search -------------------------------------------------------------------------------------

std::string ServiceName(const SentTrace& sent) {
  const auto* name = model::FindAttribute(sent.spans.at(0).resource.attributes, model::kServiceNameKey);
  return name != nullptr ? std::get<std::string>(*name) : std::string();
}

std::optional<dom::element> ParseOrFail(dom::parser& parser,
                                        const std::optional<http::testing::ClientResponse>& answer,
                                        const std::string& what) {
  dom::element root;
  if (!answer || answer->status != 200 || parser.parse(answer->body).get(root) != simdjson::SUCCESS) {
    ADD_FAILURE() << what << ": "
                  << (answer ? std::to_string(answer->status) + " " + answer->body : "no answer");
    return std::nullopt;
  }
  return root;
}

// The native search finds the trace by its service, with a summary that adds up.
void ExpectNativeSearchFinds(std::uint16_t query_port, const SentTrace& sent, const std::string& service) {
  const std::string target =
      "/api/search?q=" + http::PercentEncode("{ resource.service.name = \"" + service + "\" }");
  dom::parser parser;
  const auto root = ParseOrFail(parser, http::testing::Fetch(query_port, "GET", target), "GET " + target);
  if (!root) return;
  const std::vector<dom::element> traces = Elements(Field(*root, "traces"));
  ASSERT_EQ(traces.size(), 1u) << "GET " << target << ": " << *root;
  const dom::element& summary = traces[0];
  const auto root_span =
      std::find_if(sent.spans.begin(), sent.spans.end(), [](const SentSpan& s) { return s.span.IsRoot(); });
  ASSERT_NE(root_span, sent.spans.end());
  const auto errors = std::count_if(sent.spans.begin(), sent.spans.end(), [](const SentSpan& s) {
    return s.span.status.code == model::StatusCode::kError;
  });
  EXPECT_EQ(model::TraceId::FromHex(StringField(summary, "traceID")), sent.trace_id) << summary;
  EXPECT_EQ(StringField(summary, "rootServiceName"), service) << summary;
  EXPECT_EQ(StringField(summary, "rootTraceName"), root_span->span.name) << summary;
  ExpectJsonScalar(Field(summary, "spanCount"), static_cast<std::int64_t>(sent.spans.size()),
                   "search spanCount");
  ExpectJsonScalar(Field(summary, "errorCount"), static_cast<std::int64_t>(errors), "search errorCount");
}

// Jaeger's search by service, over a time range around the trace (the default lookback is relative to now).
void ExpectJaegerSearchFinds(std::uint16_t query_port, const SentTrace& sent, const std::string& service) {
  std::uint64_t start = UINT64_MAX, end = 0;
  for (const SentSpan& s : sent.spans) {
    start = std::min(start, s.span.start_time_unix_nano);
    end = std::max(end, s.span.end_time_unix_nano);
  }
  const std::string target = "/api/traces?service=" + http::PercentEncode(service) +
                             "&start=" + std::to_string(start / 1000) +
                             "&end=" + std::to_string(end / 1000 + 1);
  dom::parser parser;
  const auto root = ParseOrFail(parser, http::testing::Fetch(query_port, "GET", target), "GET " + target);
  if (!root) return;
  const std::vector<dom::element> data = Elements(Field(*root, "data"));
  ASSERT_EQ(data.size(), 1u) << "GET " << target << ": " << *root;
  EXPECT_EQ(StringField(data[0], "traceID"), JaegerTraceIdHex(sent.trace_id));
  EXPECT_EQ(Elements(Field(data[0], "spans")).size(), sent.spans.size());
}

void ExpectJaegerTrace(std::string_view body, const SentTrace& sent) {
  FailOnUnexpectedShape([&] { ExpectJaegerTraceOrThrow(body, sent); });
}

void ExpectOtlpJsonTrace(std::string_view body, const SentTrace& sent) {
  FailOnUnexpectedShape([&] { ExpectOtlpJsonTraceOrThrow(body, sent); });
}

void ExpectTraceReadBack(std::uint16_t query_port, const SentTrace& sent) {
  ASSERT_TRUE(sent.trace_id.IsValid());
  const Fetched jaeger = FetchJaegerTrace(query_port, sent.trace_id, sent.spans.size());
  ASSERT_EQ(jaeger.status, 200u) << jaeger.body;
  if (jaeger.attempts > 1) {
    std::cout << "note: the acknowledged trace became readable only at GET number " << jaeger.attempts
              << std::endl;
  }
  {
    SCOPED_TRACE("GET /api/traces/" + sent.trace_id.ToHex());
    ExpectJaegerTrace(jaeger.body, sent);
  }
  const Fetched otlp = FetchOtlpTrace(query_port, sent.trace_id, sent.spans.size());
  ASSERT_EQ(otlp.status, 200u) << otlp.body;
  {
    SCOPED_TRACE("GET /api/v2/traces/" + sent.trace_id.ToHex());
    ExpectOtlpJsonTrace(otlp.body, sent);
  }
  const std::string service = ServiceName(sent);
  FailOnUnexpectedShape([&] { ExpectNativeSearchFinds(query_port, sent, service); });
  FailOnUnexpectedShape([&] { ExpectJaegerSearchFinds(query_port, sent, service); });
}

}  // namespace hoptrace::cli::e2e
