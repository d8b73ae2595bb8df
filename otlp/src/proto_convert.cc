#include "hoptrace/otlp/proto_convert.h"

#include <climits>

#include <google/protobuf/arena.h>

#include "text_encoding.h"
#include "value_convert.h"

namespace hoptrace::otlp {
namespace {

using internal::AssignValidUtf8;
using internal::FromAnyValue;
using internal::IdEncoding;
using internal::IdRule;
using internal::ValueKind;
using KeyValues = ::google::protobuf::RepeatedPtrField<pb::common::v1::KeyValue>;

// ---- model → protobuf -------------------------------------------------------------------------

// The public overloads and the ones below form one overload set, so ToProtoAll finds them all.
using otlp::ToProto;
void ToProto(const model::Event& event, pb::trace::v1::Span::Event* out);
void ToProto(const model::Link& link, pb::trace::v1::Span::Link* out);
void ToProto(const model::ScopeSpans& scope_spans, pb::trace::v1::ScopeSpans* out);
void ToProto(const model::ResourceSpans& resource_spans, pb::trace::v1::ResourceSpans* out);

template <std::size_t N>
void SetId(const model::ByteId<N>& id, std::string* out) {
  out->assign(reinterpret_cast<const char*>(id.data()), N);
}

void SetScalar(const std::string& s, pb::common::v1::AnyValue* out) { AssignValidUtf8(s, out->mutable_string_value()); }
void SetScalar(bool b, pb::common::v1::AnyValue* out) { out->set_bool_value(b); }
void SetScalar(std::int64_t v, pb::common::v1::AnyValue* out) { out->set_int_value(v); }
void SetScalar(double v, pb::common::v1::AnyValue* out) { out->set_double_value(v); }

void ToAnyValue(const model::AttributeValue& value, pb::common::v1::AnyValue* out) {
  ::google::protobuf::RepeatedPtrField<pb::common::v1::AnyValue>* values = nullptr;
  internal::VisitAttributeValue(
      value, [out](const auto& scalar) { SetScalar(scalar, out); },
      [&](std::size_t size) {
        values = out->mutable_array_value()->mutable_values();
        values->Reserve(static_cast<int>(size));
      },
      [&](const auto& item) { SetScalar(item, values->Add()); });
}

void ToProto(const model::Event& event, pb::trace::v1::Span::Event* out) {
  out->set_time_unix_nano(event.time_unix_nano);
  AssignValidUtf8(event.name, out->mutable_name());
  ToProto(event.attributes, out->mutable_attributes());
  out->set_dropped_attributes_count(event.dropped_attributes_count);
}

void ToProto(const model::Link& link, pb::trace::v1::Span::Link* out) {
  SetId(link.trace_id, out->mutable_trace_id());
  SetId(link.span_id, out->mutable_span_id());
  AssignValidUtf8(link.trace_state, out->mutable_trace_state());
  ToProto(link.attributes, out->mutable_attributes());
  out->set_dropped_attributes_count(link.dropped_attributes_count);
  out->set_flags(link.flags);
}

// Adds a converted copy of every item to `out` (a RepeatedPtrField), reserving once.
template <typename Items, typename Repeated>
void ToProtoAll(const Items& items, Repeated* out) {
  out->Reserve(out->size() + static_cast<int>(items.size()));
  for (const auto& item : items) ToProto(item, out->Add());
}

void ToProto(const model::ScopeSpans& scope_spans, pb::trace::v1::ScopeSpans* out) {
  ToProto(scope_spans.scope, out->mutable_scope());
  ToProtoAll(scope_spans.spans, out->mutable_spans());
  AssignValidUtf8(scope_spans.schema_url, out->mutable_schema_url());
}

void ToProto(const model::ResourceSpans& resource_spans, pb::trace::v1::ResourceSpans* out) {
  ToProto(resource_spans.resource, out->mutable_resource());
  ToProtoAll(resource_spans.scope_spans, out->mutable_scope_spans());
  AssignValidUtf8(resource_spans.schema_url, out->mutable_schema_url());
}

// ---- protobuf → model -------------------------------------------------------------------------

void FromProto(const KeyValues& key_values, model::Attributes* out);

}  // namespace

// Shared with the wire decoder, which converts the rare values the model holds as text through it.
ValueKind internal::FromAnyValue(const pb::common::v1::AnyValue& value, model::AttributeValue* out,
                                 std::string* nested_json) {
  const auto kind = static_cast<ValueKind>(value.value_case());
  switch (kind) {
    case ValueKind::kString: internal::ResetToString(out).assign(value.string_value()); break;
    case ValueKind::kBool: *out = value.bool_value(); break;
    case ValueKind::kInt: *out = static_cast<std::int64_t>(value.int_value()); break;
    case ValueKind::kDouble: *out = value.double_value(); break;
    case ValueKind::kArray: {
      internal::ArrayValueBuilder array(nested_json != nullptr);
      model::AttributeValue element;
      std::string element_json;
      for (const auto& item : value.array_value().values()) {
        const ValueKind item_kind = FromAnyValue(item, &element, &element_json);
        array.Add(std::move(element), item_kind, element_json);
      }
      array.Finish(out, nested_json);
      break;
    }
    case ValueKind::kKvlist: {
      internal::KvlistTextBuilder kvlist;
      model::AttributeValue element;
      std::string element_json;
      for (const auto& entry : value.kvlist_value().values()) {
        const ValueKind entry_kind = FromAnyValue(entry.value(), &element, &element_json);
        kvlist.Add(entry.key(), element, entry_kind, element_json);
      }
      kvlist.Finish(out, nested_json);
      break;
    }
    case ValueKind::kBytes: internal::AppendBase64(value.bytes_value(), &internal::ResetToString(out)); break;
    case ValueKind::kNone: internal::ResetToString(out); break;
  }
  return kind;
}

namespace {

void FromProto(const KeyValues& key_values, model::Attributes* out) {
  out->reserve(out->size() + static_cast<std::size_t>(key_values.size()));
  for (const auto& key_value : key_values) {
    model::Attribute& attribute = out->emplace_slot();
    attribute.key = key_value.key();
    FromAnyValue(key_value.value(), &attribute.value);
  }
}

void FromProto(const pb::resource::v1::Resource& resource, model::Resource* out) {
  FromProto(resource.attributes(), &out->attributes);
  out->dropped_attributes_count = resource.dropped_attributes_count();
}

void FromProto(const pb::common::v1::InstrumentationScope& scope, model::InstrumentationScope* out) {
  out->name = scope.name();
  out->version = scope.version();
  FromProto(scope.attributes(), &out->attributes);
  out->dropped_attributes_count = scope.dropped_attributes_count();
}

void FromProto(const pb::trace::v1::Span::Event& event, model::Event* out) {
  out->time_unix_nano = event.time_unix_nano();
  out->name = event.name();
  FromProto(event.attributes(), &out->attributes);
  out->dropped_attributes_count = event.dropped_attributes_count();
}

// Decodes the span's IDs and its links (which carry IDs too); false (with `problem`) means the
// span must be skipped.
bool DecodeIdsAndLinks(const pb::trace::v1::Span& span, model::Span* out, std::string* problem) {
  constexpr auto kBytes = IdEncoding::kBytes;
  if (!internal::DecodeId(span.trace_id(), kBytes, IdRule::kRequired, "trace_id", &out->trace_id, problem) ||
      !internal::DecodeId(span.span_id(), kBytes, IdRule::kRequired, "span_id", &out->span_id, problem) ||
      !internal::DecodeId(span.parent_span_id(), kBytes, IdRule::kOptional, "parent_span_id",
                          &out->parent_span_id, problem)) {
    return false;
  }
  out->links.reserve(static_cast<std::size_t>(span.links_size()));
  for (const auto& link : span.links()) {
    model::Link& model_link = out->links.emplace_slot();
    if (!internal::DecodeId(link.trace_id(), kBytes, IdRule::kOptional, "link trace_id", &model_link.trace_id,
                            problem) ||
        !internal::DecodeId(link.span_id(), kBytes, IdRule::kOptional, "link span_id", &model_link.span_id,
                            problem)) {
      return false;
    }
    model_link.trace_state = link.trace_state();
    FromProto(link.attributes(), &model_link.attributes);
    model_link.dropped_attributes_count = link.dropped_attributes_count();
    model_link.flags = link.flags();
  }
  return true;
}

// Everything but the IDs and links (which DecodeIdsAndLinks fills).
void FromProtoFields(const pb::trace::v1::Span& span, model::Span* out) {
  out->trace_state = span.trace_state();
  out->flags = span.flags();
  out->name = span.name();
  out->kind = internal::SpanKindFromNumber(span.kind());
  out->start_time_unix_nano = span.start_time_unix_nano();
  out->end_time_unix_nano = span.end_time_unix_nano();
  FromProto(span.attributes(), &out->attributes);
  out->dropped_attributes_count = span.dropped_attributes_count();
  out->events.reserve(static_cast<std::size_t>(span.events_size()));
  for (const auto& event : span.events()) FromProto(event, &out->events.emplace_slot());
  out->dropped_events_count = span.dropped_events_count();
  out->dropped_links_count = span.dropped_links_count();
  out->status.code = internal::StatusCodeFromNumber(span.status().code());
  out->status.message = span.status().message();
}

class ProtoDecoder {
 public:
  explicit ProtoDecoder(model::TraceBatch* out) : out_(out) {}

  DecodeReport Decode(const ExportRequest& request) {
    out_->resource_spans.reserve(out_->resource_spans.size() + static_cast<std::size_t>(request.resource_spans_size()));
    for (const auto& resource_spans : request.resource_spans()) {
      model::ResourceSpans& model_resource_spans = out_->resource_spans.emplace_back();
      FromProto(resource_spans.resource(), &model_resource_spans.resource);
      model_resource_spans.schema_url = resource_spans.schema_url();
      model_resource_spans.scope_spans.reserve(static_cast<std::size_t>(resource_spans.scope_spans_size()));
      for (const auto& scope_spans : resource_spans.scope_spans()) {
        DecodeScopeSpans(scope_spans, &model_resource_spans.scope_spans.emplace_back());
      }
    }
    return std::move(report_);
  }

 private:
  void DecodeScopeSpans(const pb::trace::v1::ScopeSpans& scope_spans, model::ScopeSpans* out) {
    FromProto(scope_spans.scope(), &out->scope);
    out->schema_url = scope_spans.schema_url();
    out->spans.reserve(static_cast<std::size_t>(scope_spans.spans_size()));
    for (const auto& span : scope_spans.spans()) {
      model::Span& model_span = out->spans.emplace_back();
      std::string problem;
      if (DecodeIdsAndLinks(span, &model_span, &problem)) {
        FromProtoFields(span, &model_span);
        ++report_.accepted_spans;
      } else {
        out->spans.pop_back();
        internal::RejectSpan(span_index_, problem, &report_);
      }
      ++span_index_;
    }
  }

  model::TraceBatch* out_;
  DecodeReport report_;
  std::size_t span_index_ = 0;
};

}  // namespace

void ToProto(const model::Attributes& attributes, KeyValues* out) {
  out->Reserve(out->size() + static_cast<int>(attributes.size()));
  for (const auto& attribute : attributes) {
    auto* key_value = out->Add();
    AssignValidUtf8(attribute.key, key_value->mutable_key());
    ToAnyValue(attribute.value, key_value->mutable_value());
  }
}

void ToProto(const model::Resource& resource, pb::resource::v1::Resource* out) {
  ToProto(resource.attributes, out->mutable_attributes());
  out->set_dropped_attributes_count(resource.dropped_attributes_count);
}

void ToProto(const model::InstrumentationScope& scope, pb::common::v1::InstrumentationScope* out) {
  AssignValidUtf8(scope.name, out->mutable_name());
  AssignValidUtf8(scope.version, out->mutable_version());
  ToProto(scope.attributes, out->mutable_attributes());
  out->set_dropped_attributes_count(scope.dropped_attributes_count);
}

void ToProto(const model::Span& span, pb::trace::v1::Span* out) {
  SetId(span.trace_id, out->mutable_trace_id());
  SetId(span.span_id, out->mutable_span_id());
  // A root span has no parent: OTLP wants the field empty, not eight zero bytes.
  if (span.parent_span_id.IsValid()) SetId(span.parent_span_id, out->mutable_parent_span_id());
  AssignValidUtf8(span.trace_state, out->mutable_trace_state());
  out->set_flags(span.flags);
  AssignValidUtf8(span.name, out->mutable_name());
  out->set_kind(static_cast<pb::trace::v1::Span::SpanKind>(span.kind));
  out->set_start_time_unix_nano(span.start_time_unix_nano);
  out->set_end_time_unix_nano(span.end_time_unix_nano);
  ToProto(span.attributes, out->mutable_attributes());
  out->set_dropped_attributes_count(span.dropped_attributes_count);
  ToProtoAll(span.events, out->mutable_events());
  out->set_dropped_events_count(span.dropped_events_count);
  ToProtoAll(span.links, out->mutable_links());
  out->set_dropped_links_count(span.dropped_links_count);
  if (span.status != model::Status{}) {
    out->mutable_status()->set_code(static_cast<pb::trace::v1::Status::StatusCode>(span.status.code));
    AssignValidUtf8(span.status.message, out->mutable_status()->mutable_message());
  }
}

void ToProto(const model::TraceBatch& batch, ExportRequest* out) { ToProtoAll(batch.resource_spans, out->mutable_resource_spans()); }

DecodeReport FromProto(const ExportRequest& request, model::TraceBatch* out) { return ProtoDecoder(out).Decode(request); }

bool ParseExportRequest(std::string_view bytes, model::TraceBatch* out, DecodeReport* report, std::string* error) {
  *report = DecodeReport{};
  // An arena makes parsing the many small messages of a request much cheaper than heap allocation.
  google::protobuf::Arena arena;
  auto* request = google::protobuf::Arena::CreateMessage<ExportRequest>(&arena);
  if (bytes.size() > static_cast<std::size_t>(INT_MAX) ||
      !request->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    *error = "not a valid ExportTraceServiceRequest: " + std::to_string(bytes.size()) +
             " bytes of truncated or malformed protobuf (or a string field with invalid UTF-8)";
    return false;
  }
  *report = FromProto(*request, out);
  return true;
}

std::string SerializeExportRequest(const model::TraceBatch& batch) {
  google::protobuf::Arena arena;
  auto* request = google::protobuf::Arena::CreateMessage<ExportRequest>(&arena);
  ToProto(batch, request);
  return request->SerializeAsString();
}

}  // namespace hoptrace::otlp
