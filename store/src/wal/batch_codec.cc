#include "wal/batch_codec.h"

#include <cstdint>
#include <cstring>
#include <limits>
#include <variant>
#include <type_traits>

namespace hoptrace::store::wal {
namespace {

constexpr std::uint8_t kVersion = 1;

class Encoder {
 public:
  explicit Encoder(std::string* out) : out_(*out) {}

  void Byte(std::uint8_t value) { out_.push_back(static_cast<char>(value)); }
  void Varint(std::uint64_t value) {
    while (value >= 0x80) {
      Byte(static_cast<std::uint8_t>(value | 0x80));
      value >>= 7;
    }
    Byte(static_cast<std::uint8_t>(value));
  }
  void Signed(std::int64_t value) {  // zigzag
    Varint((static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63));
  }
  void Double(double value) {
    char bytes[8];
    std::memcpy(bytes, &value, 8);
    out_.append(bytes, 8);
  }
  void String(std::string_view value) {
    Varint(value.size());
    out_.append(value);
  }
  template <std::size_t N>
  void Id(const model::ByteId<N>& id) {
    out_.append(reinterpret_cast<const char*>(id.data()), N);
  }

  void Value(const model::AttributeValue& value) {
    Byte(static_cast<std::uint8_t>(model::TypeOf(value)));
    std::visit([this](const auto& v) { Scalar(v); }, value);
  }
  void Attributes(const model::Attributes& attributes) {
    Varint(attributes.size());
    for (const model::Attribute& attribute : attributes) {
      String(attribute.key);
      Value(attribute.value);
    }
  }

  void Span(const model::Span& span) {
    Id(span.trace_id);
    Id(span.span_id);
    Id(span.parent_span_id);
    String(span.trace_state);
    Varint(span.flags);
    String(span.name);
    Byte(static_cast<std::uint8_t>(span.kind));
    Varint(span.start_time_unix_nano);
    Signed(static_cast<std::int64_t>(span.end_time_unix_nano - span.start_time_unix_nano));
    Attributes(span.attributes);
    Varint(span.dropped_attributes_count);
    Varint(span.events.size());
    for (const model::Event& event : span.events) {
      Varint(event.time_unix_nano);
      String(event.name);
      Attributes(event.attributes);
      Varint(event.dropped_attributes_count);
    }
    Varint(span.dropped_events_count);
    Varint(span.links.size());
    for (const model::Link& link : span.links) {
      Id(link.trace_id);
      Id(link.span_id);
      String(link.trace_state);
      Attributes(link.attributes);
      Varint(link.dropped_attributes_count);
      Varint(link.flags);
    }
    Varint(span.dropped_links_count);
    Byte(static_cast<std::uint8_t>(span.status.code));
    String(span.status.message);
  }

 private:
  void Scalar(const std::string& v) { String(v); }
  void Scalar(bool v) { Byte(v ? 1 : 0); }
  void Scalar(std::int64_t v) { Signed(v); }
  void Scalar(double v) { Double(v); }
  template <typename T>
  void Scalar(const std::vector<T>& values) {
    Varint(values.size());
    for (const auto& v : values) Scalar(v);  // vector<bool>'s const_reference is a plain bool
  }

  std::string& out_;
};

class Decoder {
 public:
  explicit Decoder(std::string_view in) : in_(in) {}

  bool Byte(std::uint8_t* value) {
    if (in_.empty()) return false;
    *value = static_cast<std::uint8_t>(in_.front());
    in_.remove_prefix(1);
    return true;
  }
  bool Varint(std::uint64_t* value) {
    std::uint64_t result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      std::uint8_t byte;
      if (!Byte(&byte)) return false;
      result |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) {
        *value = result;
        return true;
      }
    }
    return false;
  }
  template <typename T>
  bool Unsigned(T* value) {  // a varint that must fit T
    std::uint64_t wide;
    if (!Varint(&wide) || wide > std::numeric_limits<T>::max()) return false;
    *value = static_cast<T>(wide);
    return true;
  }
  bool Signed(std::int64_t* value) {
    std::uint64_t zigzag;
    if (!Varint(&zigzag)) return false;
    *value = static_cast<std::int64_t>((zigzag >> 1) ^ (~(zigzag & 1) + 1));
    return true;
  }
  bool Double(double* value) {
    if (in_.size() < 8) return false;
    std::memcpy(value, in_.data(), 8);
    in_.remove_prefix(8);
    return true;
  }
  bool String(std::string* value) {
    std::uint64_t size;
    if (!Varint(&size) || size > in_.size()) return false;
    value->assign(in_.data(), size);
    in_.remove_prefix(size);
    return true;
  }
  template <std::size_t N>
  bool Id(model::ByteId<N>* id) {
    if (in_.size() < N) return false;
    std::memcpy(id->mutable_bytes().data(), in_.data(), N);
    in_.remove_prefix(N);
    return true;
  }
  // A count of items that each take at least one byte: bounded by what is left, so a corrupt count
  // cannot make the decoder reserve huge vectors.
  bool Count(std::size_t* count) {
    std::uint64_t wide;
    if (!Varint(&wide) || wide > in_.size()) return false;
    *count = static_cast<std::size_t>(wide);
    return true;
  }

  bool Value(model::AttributeValue* value) {
    std::uint8_t type;
    if (!Byte(&type)) return false;
    switch (static_cast<model::AttributeType>(type)) {
      case model::AttributeType::kString: return Scalar(&value->emplace<std::string>());
      case model::AttributeType::kBool: return Scalar(&value->emplace<bool>());
      case model::AttributeType::kInt: return Scalar(&value->emplace<std::int64_t>());
      case model::AttributeType::kDouble: return Scalar(&value->emplace<double>());
      case model::AttributeType::kStringArray: return Array(&value->emplace<std::vector<std::string>>());
      case model::AttributeType::kBoolArray: return Array(&value->emplace<std::vector<bool>>());
      case model::AttributeType::kIntArray: return Array(&value->emplace<std::vector<std::int64_t>>());
      case model::AttributeType::kDoubleArray: return Array(&value->emplace<std::vector<double>>());
    }
    return false;
  }
  bool Attributes(model::Attributes* attributes) {
    std::size_t count;
    if (!Count(&count)) return false;
    attributes->clear();
    for (std::size_t i = 0; i < count; ++i) {
      model::Attribute& attribute = attributes->emplace_slot();
      if (!String(&attribute.key) || !Value(&attribute.value)) return false;
    }
    return true;
  }

  bool Span(model::Span* span) {
    std::int64_t duration;
    std::uint8_t kind, status;
    std::size_t events, links;
    if (!Id(&span->trace_id) || !Id(&span->span_id) || !Id(&span->parent_span_id) ||
        !String(&span->trace_state) || !Unsigned(&span->flags) || !String(&span->name) || !Byte(&kind) ||
        !Varint(&span->start_time_unix_nano) || !Signed(&duration) || !Attributes(&span->attributes) ||
        !Unsigned(&span->dropped_attributes_count) || !Count(&events)) {
      return false;
    }
    span->kind = static_cast<model::SpanKind>(kind);
    span->end_time_unix_nano = span->start_time_unix_nano + static_cast<std::uint64_t>(duration);
    span->events.clear();
    for (std::size_t i = 0; i < events; ++i) {
      model::Event& event = span->events.emplace_slot();
      if (!Varint(&event.time_unix_nano) || !String(&event.name) || !Attributes(&event.attributes) ||
          !Unsigned(&event.dropped_attributes_count)) {
        return false;
      }
    }
    if (!Unsigned(&span->dropped_events_count) || !Count(&links)) return false;
    span->links.clear();
    for (std::size_t i = 0; i < links; ++i) {
      model::Link& link = span->links.emplace_slot();
      if (!Id(&link.trace_id) || !Id(&link.span_id) || !String(&link.trace_state) ||
          !Attributes(&link.attributes) || !Unsigned(&link.dropped_attributes_count) || !Unsigned(&link.flags)) {
        return false;
      }
    }
    if (!Unsigned(&span->dropped_links_count) || !Byte(&status) || !String(&span->status.message)) return false;
    if (kind > static_cast<std::uint8_t>(model::SpanKind::kConsumer) ||
        status > static_cast<std::uint8_t>(model::StatusCode::kError)) {
      return false;
    }
    span->status.code = static_cast<model::StatusCode>(status);
    return true;
  }

  bool empty() const { return in_.empty(); }

 private:
  bool Scalar(std::string* v) { return String(v); }
  bool Scalar(bool* v) {
    std::uint8_t byte;
    if (!Byte(&byte) || byte > 1) return false;
    *v = byte == 1;
    return true;
  }
  bool Scalar(std::int64_t* v) { return Signed(v); }
  bool Scalar(double* v) { return Double(v); }
  template <typename T>
  bool Array(std::vector<T>* values) {
    std::size_t count;
    if (!Count(&count)) return false;
    values->resize(count);
    for (std::size_t i = 0; i < count; ++i) {
      T item{};
      if (!Scalar(&item)) return false;
      (*values)[i] = std::move(item);
    }
    return true;
  }

  std::string_view in_;
};

}  // namespace

void EncodeBatch(const model::TraceBatch& batch, std::string* out) {
  Encoder encoder(out);
  encoder.Byte(kVersion);
  encoder.Varint(batch.resource_spans.size());
  for (const model::ResourceSpans& resource_spans : batch.resource_spans) {
    encoder.Attributes(resource_spans.resource.attributes);
    encoder.Varint(resource_spans.resource.dropped_attributes_count);
    encoder.String(resource_spans.schema_url);
    encoder.Varint(resource_spans.scope_spans.size());
    for (const model::ScopeSpans& scope_spans : resource_spans.scope_spans) {
      encoder.String(scope_spans.scope.name);
      encoder.String(scope_spans.scope.version);
      encoder.Attributes(scope_spans.scope.attributes);
      encoder.Varint(scope_spans.scope.dropped_attributes_count);
      encoder.String(scope_spans.schema_url);
      encoder.Varint(scope_spans.spans.size());
      for (const model::Span& span : scope_spans.spans) encoder.Span(span);
    }
  }
}

bool DecodeBatch(std::string_view payload, model::TraceBatch* out) {
  Decoder decoder(payload);
  std::uint8_t version;
  std::size_t resource_count;
  if (!decoder.Byte(&version) || version != kVersion || !decoder.Count(&resource_count)) return false;
  out->resource_spans.assign(resource_count, {});
  for (model::ResourceSpans& resource_spans : out->resource_spans) {
    std::size_t scope_count;
    if (!decoder.Attributes(&resource_spans.resource.attributes) ||
        !decoder.Unsigned(&resource_spans.resource.dropped_attributes_count) ||
        !decoder.String(&resource_spans.schema_url) || !decoder.Count(&scope_count)) {
      return false;
    }
    resource_spans.scope_spans.assign(scope_count, {});
    for (model::ScopeSpans& scope_spans : resource_spans.scope_spans) {
      std::size_t span_count;
      if (!decoder.String(&scope_spans.scope.name) || !decoder.String(&scope_spans.scope.version) ||
          !decoder.Attributes(&scope_spans.scope.attributes) ||
          !decoder.Unsigned(&scope_spans.scope.dropped_attributes_count) ||
          !decoder.String(&scope_spans.schema_url) || !decoder.Count(&span_count)) {
        return false;
      }
      scope_spans.spans.assign(span_count, {});
      for (model::Span& span : scope_spans.spans) {
        if (!decoder.Span(&span)) return false;
      }
    }
  }
  return decoder.empty();
}

}  // namespace hoptrace::store::wal
