#include "hoptrace/collector/zipkin_json.h"

#include <simdjson.h>

#include <cmath>
#include <map>
#include <optional>
#include <tuple>

namespace hoptrace::collector {
namespace {

namespace dom = simdjson::dom;

constexpr std::string_view kUnknownService = "unknown_service";
constexpr std::uint64_t kNanosPerMicro = 1000;

struct Endpoint {
  std::string_view service_name;
  std::string_view address;  // ipv4, else ipv6
  std::optional<std::int64_t> port;
};

// One decoded span with what decides its resource and scope.
struct ZipkinSpan {
  model::Span span;
  std::string service_name;
  std::string scope_name;
  std::string scope_version;
};

class SpanError {
 public:
  SpanError(std::size_t index, std::string_view field, std::string problem)
      : text_("span[" + std::to_string(index) + "]" + (field.empty() ? "" : "." + std::string(field)) + ": " +
              std::move(problem)) {}
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

std::optional<std::string_view> AsString(dom::element value) {
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) return std::nullopt;
  return text;
}

// Microsecond counts: integers, or doubles holding whole non-negative numbers.
std::optional<std::uint64_t> AsMicros(dom::element value) {
  std::uint64_t number;
  if (value.get_uint64().get(number) == simdjson::SUCCESS) return number;
  double real;
  if (value.get_double().get(real) == simdjson::SUCCESS && real >= 0 && real < 1.8e19 && std::floor(real) == real) {
    return static_cast<std::uint64_t>(real);
  }
  return std::nullopt;
}

// Zipkin ids are lower-hex, possibly with leading zeros left out: zero-extend to the full width.
template <typename Id>
std::optional<Id> ParseId(std::string_view hex) {
  if (hex.empty() || hex.size() > Id::kHexSize) return std::nullopt;
  std::string padded(Id::kHexSize - hex.size(), '0');
  padded.append(hex);
  std::optional<Id> id = Id::FromHex(padded);
  if (!id || !id->IsValid()) return std::nullopt;
  return id;
}

std::optional<model::SpanKind> ParseKind(std::string_view kind) {
  if (kind == "CLIENT") return model::SpanKind::kClient;
  if (kind == "SERVER") return model::SpanKind::kServer;
  if (kind == "PRODUCER") return model::SpanKind::kProducer;
  if (kind == "CONSUMER") return model::SpanKind::kConsumer;
  return std::nullopt;
}

class SpanReader {
 public:
  explicit SpanReader(std::size_t index) : index_(index) {}

  ZipkinSpan Read(dom::object object) {
    out_.span.kind = model::SpanKind::kInternal;
    out_.span.flags = model::kTraceFlagSampled;
    for (const dom::key_value_pair field : object) ReadField(field.key, field.value);
    if (!have_trace_id_) throw SpanError(index_, "traceId", "missing");
    if (!have_span_id_) throw SpanError(index_, "id", "missing");
    out_.span.start_time_unix_nano = timestamp_ * kNanosPerMicro;
    out_.span.end_time_unix_nano = (timestamp_ + duration_) * kNanosPerMicro;
    out_.service_name = local_.service_name.empty() ? kUnknownService : local_.service_name;
    AddEndpointAttributes();
    ApplyStatus();
    return std::move(out_);
  }

 private:
  void ReadField(std::string_view key, dom::element value) {
    if (value.is_null()) return;
    if (key == "traceId") {
      const std::optional<model::TraceId> id = ParseId<model::TraceId>(String(key, value));
      if (!id) throw SpanError(index_, key, "not a valid 16 or 32 hex digit trace id");
      out_.span.trace_id = *id;
      have_trace_id_ = true;
    } else if (key == "id" || key == "parentId") {
      const std::string_view text = String(key, value);
      if (key == "parentId" && text.empty()) return;
      const std::optional<model::SpanId> id = ParseId<model::SpanId>(text);
      if (!id) throw SpanError(index_, key, "not a valid 16 hex digit span id");
      (key == "id" ? out_.span.span_id : out_.span.parent_span_id) = *id;
      have_span_id_ = have_span_id_ || key == "id";
    } else if (key == "name") {
      out_.span.name = String(key, value);
    } else if (key == "kind") {
      const std::optional<model::SpanKind> kind = ParseKind(String(key, value));
      if (!kind) throw SpanError(index_, key, "not CLIENT, SERVER, PRODUCER or CONSUMER");
      out_.span.kind = *kind;
    } else if (key == "timestamp") {
      timestamp_ = Micros(key, value);
    } else if (key == "duration") {
      duration_ = Micros(key, value);
    } else if (key == "localEndpoint") {
      local_ = ReadEndpoint(key, value);
    } else if (key == "remoteEndpoint") {
      remote_ = ReadEndpoint(key, value);
    } else if (key == "annotations") {
      ReadAnnotations(value);
    } else if (key == "tags") {
      ReadTags(value);
    } else if (key == "debug" || key == "shared") {
      bool flag = false;
      if (value.get_bool().get(flag) != simdjson::SUCCESS) throw SpanError(index_, key, "not a boolean");
      if (flag) model::SetAttribute(out_.span.attributes, key == "debug" ? "zipkin.debug" : "zipkin.shared", true);
    }
    // Other members are ignored, as Zipkin itself does.
  }

  std::string_view String(std::string_view key, dom::element value) const {
    const std::optional<std::string_view> text = AsString(value);
    if (!text) throw SpanError(index_, key, "not a string");
    return *text;
  }

  std::uint64_t Micros(std::string_view key, dom::element value) const {
    const std::optional<std::uint64_t> micros = AsMicros(value);
    if (!micros) throw SpanError(index_, key, "not a non-negative integer of microseconds");
    return *micros;
  }

  Endpoint ReadEndpoint(std::string_view key, dom::element value) const {
    dom::object object;
    if (value.get_object().get(object) != simdjson::SUCCESS) throw SpanError(index_, key, "not an object");
    Endpoint endpoint;
    std::string_view ipv6;
    for (const dom::key_value_pair field : object) {
      if (field.value.is_null()) continue;
      if (field.key == "serviceName") endpoint.service_name = String(key, field.value);
      if (field.key == "ipv4") endpoint.address = String(key, field.value);
      if (field.key == "ipv6") ipv6 = String(key, field.value);
      if (field.key == "port") {
        std::int64_t port;
        if (field.value.get_int64().get(port) != simdjson::SUCCESS || port < 0 || port > 65535) {
          throw SpanError(index_, std::string(key) + ".port", "not a port number");
        }
        if (port != 0) endpoint.port = port;
      }
    }
    if (endpoint.address.empty()) endpoint.address = ipv6;
    return endpoint;
  }

  void ReadAnnotations(dom::element value) {
    dom::array annotations;
    if (value.get_array().get(annotations) != simdjson::SUCCESS) {
      throw SpanError(index_, "annotations", "not an array");
    }
    for (const dom::element annotation : annotations) {
      dom::element timestamp;
      dom::element text;
      if (annotation["timestamp"].get(timestamp) != simdjson::SUCCESS ||
          annotation["value"].get(text) != simdjson::SUCCESS) {
        throw SpanError(index_, "annotations", "an annotation needs timestamp and value");
      }
      model::Event& event = out_.span.events.emplace_slot();
      event = {};
      event.time_unix_nano = Micros("annotations.timestamp", timestamp) * kNanosPerMicro;
      event.name = String("annotations.value", text);
    }
  }

  void ReadTags(dom::element value) {
    dom::object tags;
    if (value.get_object().get(tags) != simdjson::SUCCESS) throw SpanError(index_, "tags", "not an object");
    for (const dom::key_value_pair tag : tags) {
      // Tag values are strings in Zipkin; numbers and booleans some tracers send keep their JSON text.
      const std::optional<std::string_view> text = AsString(tag.value);
      const std::string minified = text ? std::string() : simdjson::minify(tag.value);
      const std::string_view tag_value = text ? *text : std::string_view(minified);
      if (tag.key == "error") {
        error_message_ = std::string(tag_value);
      } else if (tag.key == "otel.status_code") {
        otel_status_code_ = std::string(tag_value);
      } else if (tag.key == "otel.status_description") {
        otel_status_description_ = std::string(tag_value);
      } else if (tag.key == "otel.scope.name" || tag.key == "otel.library.name") {
        out_.scope_name = tag_value;
      } else if (tag.key == "otel.scope.version" || tag.key == "otel.library.version") {
        out_.scope_version = tag_value;
      } else {
        model::SetAttribute(out_.span.attributes, tag.key, tag_value);
      }
    }
  }

  void AddEndpointAttributes() {
    model::Attributes& attributes = out_.span.attributes;
    if (!local_.address.empty()) model::SetAttribute(attributes, "network.local.address", local_.address);
    if (local_.port) model::SetAttribute(attributes, "network.local.port", *local_.port);
    if (!remote_.service_name.empty()) model::SetAttribute(attributes, "peer.service", remote_.service_name);
    if (!remote_.address.empty()) model::SetAttribute(attributes, "network.peer.address", remote_.address);
    if (remote_.port) model::SetAttribute(attributes, "network.peer.port", *remote_.port);
    // The remote end of an outgoing call is the server it called.
    const model::SpanKind kind = out_.span.kind;
    if (kind == model::SpanKind::kClient || kind == model::SpanKind::kProducer) {
      const std::string_view server = remote_.address.empty() ? remote_.service_name : remote_.address;
      if (!server.empty()) model::SetAttribute(attributes, "server.address", server);
      if (remote_.port) model::SetAttribute(attributes, "server.port", *remote_.port);
    }
  }

  void ApplyStatus() {
    model::Status& status = out_.span.status;
    if (otel_status_code_ == "ERROR" || (!otel_status_code_ && error_message_)) {
      status.code = model::StatusCode::kError;
    } else if (otel_status_code_ == "OK") {
      status.code = model::StatusCode::kOk;
    }
    if (status.code == model::StatusCode::kError) {
      status.message = otel_status_description_ ? *otel_status_description_ : error_message_.value_or("");
    }
  }

  const std::size_t index_;
  ZipkinSpan out_;
  bool have_trace_id_ = false;
  bool have_span_id_ = false;
  std::uint64_t timestamp_ = 0;
  std::uint64_t duration_ = 0;
  Endpoint local_;
  Endpoint remote_;
  std::optional<std::string> error_message_;
  std::optional<std::string> otel_status_code_;
  std::optional<std::string> otel_status_description_;
};

// Groups spans into resources by service name and into scopes by scope, in order of first appearance.
void AppendGrouped(std::vector<ZipkinSpan>& spans, model::TraceBatch* out) {
  std::map<std::string, std::size_t, std::less<>> resource_index;
  std::map<std::tuple<std::size_t, std::string, std::string>, std::size_t> scope_index;
  const std::size_t first_resource = out->resource_spans.size();
  for (ZipkinSpan& span : spans) {
    auto [resource_it, new_resource] =
        resource_index.try_emplace(span.service_name, first_resource + resource_index.size());
    if (new_resource) {
      model::ResourceSpans& resource_spans = out->resource_spans.emplace_back();
      model::SetAttribute(resource_spans.resource.attributes, model::kServiceNameKey, span.service_name);
    }
    model::ResourceSpans& resource_spans = out->resource_spans[resource_it->second];
    auto [scope_it, new_scope] = scope_index.try_emplace({resource_it->second, span.scope_name, span.scope_version},
                                                         resource_spans.scope_spans.size());
    if (new_scope) {
      model::ScopeSpans& scope_spans = resource_spans.scope_spans.emplace_back();
      scope_spans.scope.name = span.scope_name;
      scope_spans.scope.version = span.scope_version;
    }
    resource_spans.scope_spans[scope_it->second].spans.push_back(std::move(span.span));
  }
}

}  // namespace

bool ParseZipkinJson(std::string_view json, model::TraceBatch* out, std::string* error) {
  dom::parser parser;
  dom::array array;
  if (const auto code = parser.parse(json.data(), json.size()).get(array); code != simdjson::SUCCESS) {
    const bool not_array = code == simdjson::INCORRECT_TYPE;
    if (error) *error = not_array ? "expected a JSON array of spans" : std::string("malformed JSON: ") +
                                                                          simdjson::error_message(code);
    return false;
  }
  std::vector<ZipkinSpan> spans;
  try {
    std::size_t index = 0;
    for (const dom::element element : array) {
      dom::object object;
      if (element.get_object().get(object) != simdjson::SUCCESS) throw SpanError(index, "", "not an object");
      spans.push_back(SpanReader(index).Read(object));
      ++index;
    }
  } catch (const SpanError& span_error) {
    if (error) *error = span_error.text();
    return false;
  }
  AppendGrouped(spans, out);
  return true;
}

}  // namespace hoptrace::collector
