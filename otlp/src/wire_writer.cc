// RequestWriter: a valid ExportTraceServiceRequest from encoded spans, by copying bytes. Sizes are
// computed first so every byte is written once, into one buffer.

#include "hoptrace/otlp/wire.h"
#include "wire_format.h"

namespace hoptrace::otlp::wire {
namespace {

using internal::LengthFieldSize;
using internal::WriteLengthField;

// ExportTraceServiceRequest.resource_spans, ResourceSpans.{resource, scope_spans, schema_url} and
// ScopeSpans.{scope, spans, schema_url} are fields 1, 2 and 3 alike.
constexpr std::uint32_t kFirstField = 1;
constexpr std::uint32_t kSecondField = 2;
constexpr std::uint32_t kThirdField = 3;

// Views from one scan share their bytes: equal pointers answer without comparing.
bool SameBytes(std::string_view a, std::string_view b) {
  return a.size() == b.size() && (a.data() == b.data() || a == b);
}

bool SameResource(const ResourceRef& a, const ResourceRef& b) {
  return SameBytes(a.encoded, b.encoded) && SameBytes(a.schema_url, b.schema_url);
}

bool SameScope(const ScopeRef& a, const ScopeRef& b) {
  return SameBytes(a.encoded, b.encoded) && SameBytes(a.schema_url, b.schema_url);
}

// An empty optional field is left out, as protobuf leaves out defaults.
std::size_t OptionalFieldSize(std::string_view bytes) { return bytes.empty() ? 0 : LengthFieldSize(bytes.size()); }

char* WriteOptionalField(std::uint32_t number, std::string_view bytes, char* p) {
  return bytes.empty() ? p : WriteLengthField(number, bytes, p);
}

// Writes a length-delimited field's tag and length; its `size` bytes of content follow.
char* WriteFieldHeader(std::uint32_t number, std::size_t size, char* p) {
  *p++ = static_cast<char>((number << 3) | static_cast<std::uint32_t>(internal::WireType::kLength));
  return internal::WriteVarint(size, p);
}

}  // namespace

RequestWriter::Group& RequestWriter::GroupFor(const ResourceRef& resource, const ScopeRef& scope) {
  // Spans of one scan come in runs of the same scope: try the last group first.
  if (last_group_ < group_count_) {
    Group& last = groups_[last_group_];
    if (SameScope(last.scope, scope) && SameResource(last.resource, resource)) return last;
  }
  std::size_t first_with_resource = group_count_;
  for (std::size_t i = 0; i < group_count_; ++i) {
    Group& group = groups_[i];
    if (!SameResource(group.resource, resource)) continue;
    if (first_with_resource == group_count_) first_with_resource = i;
    if (SameScope(group.scope, scope)) {
      last_group_ = i;
      return group;
    }
  }
  if (group_count_ == groups_.size()) groups_.emplace_back();
  last_group_ = group_count_++;
  Group& group = groups_[last_group_];
  group.resource = resource;
  group.scope = scope;
  group.spans.clear();
  group.first_with_resource = first_with_resource;
  return group;
}

void RequestWriter::Add(const ResourceRef& resource, const ScopeRef& scope, std::string_view encoded_span) {
  GroupFor(resource, scope).spans.push_back(encoded_span);
  ++span_count_;
}

void RequestWriter::Add(const ScannedRequest& scan, std::size_t index) {
  const SpanRef& span = scan.spans[index];
  const ScopeRef& scope = scan.scopes[span.scope];
  Add(scan.resources[scope.resource], scope, span.encoded);
}

std::size_t RequestWriter::span_count() const { return span_count_; }

void RequestWriter::Finish(std::string* out) {
  // Sizes: each group's ScopeSpans, then each resource's ResourceSpans (kept in its first group).
  for (std::size_t i = 0; i < group_count_; ++i) {
    Group& group = groups_[i];
    group.scope_spans_size = OptionalFieldSize(group.scope.encoded) + OptionalFieldSize(group.scope.schema_url);
    for (std::string_view span : group.spans) group.scope_spans_size += LengthFieldSize(span.size());
    Group& first = groups_[group.first_with_resource];
    if (&first == &group) {
      first.resource_spans_size = OptionalFieldSize(group.resource.encoded) + OptionalFieldSize(group.resource.schema_url);
    }
    first.resource_spans_size += LengthFieldSize(group.scope_spans_size);
  }
  std::size_t total = 0;
  for (std::size_t i = 0; i < group_count_; ++i) {
    if (groups_[i].first_with_resource == i) total += LengthFieldSize(groups_[i].resource_spans_size);
  }

  const std::size_t old_size = out->size();
  out->resize(old_size + total);
  char* p = out->data() + old_size;
  for (std::size_t i = 0; i < group_count_; ++i) {
    const Group& resource_group = groups_[i];
    if (resource_group.first_with_resource != i) continue;
    p = WriteFieldHeader(kFirstField, resource_group.resource_spans_size, p);
    p = WriteOptionalField(kFirstField, resource_group.resource.encoded, p);
    for (std::size_t j = i; j < group_count_; ++j) {
      const Group& group = groups_[j];
      if (group.first_with_resource != i) continue;
      p = WriteFieldHeader(kSecondField, group.scope_spans_size, p);
      p = WriteOptionalField(kFirstField, group.scope.encoded, p);
      for (std::string_view span : group.spans) p = WriteLengthField(kSecondField, span, p);
      p = WriteOptionalField(kThirdField, group.scope.schema_url, p);
    }
    p = WriteOptionalField(kThirdField, resource_group.resource.schema_url, p);
  }

  group_count_ = 0;
  last_group_ = 0;
  span_count_ = 0;
}

}  // namespace hoptrace::otlp::wire
