#include "sent_trace.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <set>
#include <stdexcept>

namespace hoptrace::cli::e2e {
namespace {

namespace dom = simdjson::dom;

template <typename Id>
Id ParseId(std::string_view hex, std::string_view what) {
  if (hex.empty()) return Id{};
  const auto id = Id::FromHex(hex);
  if (!id) throw std::runtime_error(std::string(what) + " is not hex: " + std::string(hex));
  return *id;
}

std::uint64_t ParseNanos(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    throw std::runtime_error("not a decimal time: " + std::string(text));
  }
  return value;
}

template <typename T>
T Scalar(dom::element value) {
  if constexpr (std::is_same_v<T, std::string>) {
    return std::string(std::string_view(value));
  } else if constexpr (std::is_same_v<T, double>) {
    return value.is_double() ? double(value) : static_cast<double>(std::int64_t(value));
  } else {
    return T(value);
  }
}

template <typename T>
std::vector<T> Array(dom::element value) {
  std::vector<T> items;
  for (dom::element item : dom::array(value)) items.push_back(Scalar<T>(item));
  return items;
}

model::AttributeValue ParseValue(std::string_view type, dom::element value) {
  if (type == "string") return Scalar<std::string>(value);
  if (type == "bool") return Scalar<bool>(value);
  if (type == "int") return Scalar<std::int64_t>(value);
  if (type == "double") return Scalar<double>(value);
  if (type == "string[]") return Array<std::string>(value);
  if (type == "bool[]") return Array<bool>(value);
  if (type == "int[]") return Array<std::int64_t>(value);
  if (type == "double[]") return Array<double>(value);
  throw std::runtime_error("unknown attribute type " + std::string(type));
}

model::Attributes ParseAttributes(dom::array list) {
  model::Attributes attributes;
  for (dom::element entry : list) {
    attributes.push_back({std::string(std::string_view(entry["key"])),
                          ParseValue(std::string_view(entry["type"]), entry["value"])});
  }
  return attributes;
}

model::SpanKind ParseKind(std::string_view name) {
  for (const auto kind : {model::SpanKind::kInternal, model::SpanKind::kServer, model::SpanKind::kClient,
                          model::SpanKind::kProducer, model::SpanKind::kConsumer}) {
    if (name == model::SpanKindName(kind)) return kind;
  }
  throw std::runtime_error("unknown span kind " + std::string(name));
}

model::StatusCode ParseStatusCode(std::string_view name) {
  for (const auto code : {model::StatusCode::kUnset, model::StatusCode::kOk, model::StatusCode::kError}) {
    if (name == model::StatusCodeName(code)) return code;
  }
  throw std::runtime_error("unknown status code " + std::string(name));
}

model::Span ParseSpan(dom::element json) {
  model::Span span;
  span.trace_id = ParseId<model::TraceId>(json["traceId"], "traceId");
  span.span_id = ParseId<model::SpanId>(json["spanId"], "spanId");
  span.parent_span_id = ParseId<model::SpanId>(json["parentSpanId"], "parentSpanId");
  span.trace_state = std::string_view(json["traceState"]);
  span.name = std::string_view(json["name"]);
  span.kind = ParseKind(json["kind"]);
  span.start_time_unix_nano = ParseNanos(json["startTimeUnixNano"]);
  span.end_time_unix_nano = ParseNanos(json["endTimeUnixNano"]);
  span.attributes = ParseAttributes(json["attributes"]);
  for (dom::element event_json : dom::array(json["events"])) {
    span.events.push_back({.time_unix_nano = ParseNanos(event_json["timeUnixNano"]),
                           .name = std::string(std::string_view(event_json["name"])),
                           .attributes = ParseAttributes(event_json["attributes"])});
  }
  for (dom::element link_json : dom::array(json["links"])) {
    span.links.push_back({.trace_id = ParseId<model::TraceId>(link_json["traceId"], "link traceId"),
                          .span_id = ParseId<model::SpanId>(link_json["spanId"], "link spanId"),
                          .trace_state = std::string(std::string_view(link_json["traceState"])),
                          .attributes = ParseAttributes(link_json["attributes"])});
  }
  span.status = {ParseStatusCode(json["status"]["code"]),
                 std::string(std::string_view(json["status"]["message"]))};
  return span;
}

}  // namespace

bool ParseNodeSentTrace(std::string_view json, SentTrace* out, std::string* error) {
  try {
    dom::parser parser;
    const dom::element root = parser.parse(simdjson::padded_string(json));
    SentTrace trace;
    trace.trace_id = ParseId<model::TraceId>(root["traceId"], "traceId");
    const model::Resource resource{.attributes = ParseAttributes(root["resource"])};
    for (dom::element span_json : dom::array(root["spans"])) {
      const model::InstrumentationScope scope{
          .name = std::string(std::string_view(span_json["scope"]["name"])),
          .version = std::string(std::string_view(span_json["scope"]["version"]))};
      trace.spans.push_back({ParseSpan(span_json), resource, scope});
    }
    *out = std::move(trace);
    return true;
  } catch (const std::exception& e) {  // simdjson_error and ours
    *error = std::string("not send_trace.mjs output: ") + e.what();
    return false;
  }
}

SentTrace FromExportedSpans(std::vector<sdk::ExportedSpan> spans) {
  SentTrace trace;
  if (!spans.empty()) trace.trace_id = spans.front().span.trace_id;
  trace.spans = std::move(spans);
  return trace;
}

void ExpectEveryFeature(const SentTrace& sent) {
  std::set<model::SpanKind> kinds;
  std::set<std::size_t> attribute_types;
  std::size_t roots = 0, children = 0, event_attributes = 0, links = 0, errors_with_message = 0;
  for (const SentSpan& sent_span : sent.spans) {
    const model::Span& span = sent_span.span;
    EXPECT_EQ(span.trace_id, sent.trace_id) << span.name;
    kinds.insert(span.kind);
    for (const model::Attribute& attribute : span.attributes) attribute_types.insert(attribute.value.index());
    for (const model::Event& event : span.events) event_attributes += event.attributes.size();
    links += span.links.size();
    (span.IsRoot() ? roots : children) += 1;
    if (span.status.code == model::StatusCode::kError && !span.status.message.empty()) ++errors_with_message;
    EXPECT_NE(model::FindAttribute(sent_span.resource.attributes, model::kServiceNameKey), nullptr)
        << span.name;
  }
  EXPECT_EQ(roots, 1u);
  EXPECT_GE(children, 3u);
  for (const auto kind : {model::SpanKind::kServer, model::SpanKind::kClient, model::SpanKind::kInternal}) {
    EXPECT_TRUE(kinds.contains(kind)) << "no " << model::SpanKindName(kind) << " span";
  }
  EXPECT_EQ(attribute_types.size(), std::variant_size_v<model::AttributeValue>) << "not every attribute type";
  EXPECT_GT(event_attributes, 0u);
  EXPECT_GT(links, 0u);
  EXPECT_GT(errors_with_message, 0u);
}

}  // namespace hoptrace::cli::e2e
