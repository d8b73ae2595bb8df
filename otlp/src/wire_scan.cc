// Scan: one pass over an ExportTraceServiceRequest that checks it as libprotobuf's parser would
// (well-formed, valid UTF-8 in every string field, nesting depth) and records views of every
// resource, scope and valid span. Span IDs are checked the way FromProto checks them.

#include <cstring>
#include <string>

#include "hoptrace/otlp/wire.h"
#include "value_convert.h"
#include "wire_values.h"

namespace hoptrace::otlp::wire {
namespace {

using internal::AnyValueState;
using internal::AsInt32;
using internal::Check;
using internal::Field;
using internal::IsValidUtf8;
using internal::Problem;
using internal::Reader;
using internal::WireType;
using otlp::internal::IdEncoding;
using otlp::internal::IdRule;

// Counts one message's attributes against the limits.
struct AttributeTally {
  std::size_t count = 0;
  bool value_too_long = false;
  bool Over(const ScanLimits& limits) const { return value_too_long || count > limits.max_attributes; }
};

// Bytes of model text an opaque value can turn into (base64, JSON with escapes) stay below eight per
// encoded byte: a conservative test, since the exact text costs a conversion.
bool OpaqueTextMayExceed(std::size_t encoded_size, std::size_t max_length) {
  return encoded_size > 0 && encoded_size > (max_length < 8 ? 0 : (max_length - 8) / 8);
}

// ValueTooLong for what the canonical KeyValue read gives: a string, bytes (opaque) or a number.
bool ScalarTooLong(const AnyValueState& value, std::size_t max_length) {
  if (value.kind == otlp::internal::ValueKind::kString) return value.payload.size() > max_length;
  return value.kind == otlp::internal::ValueKind::kBytes && OpaqueTextMayExceed(value.field.size(), max_length);
}

bool ValueTooLong(const ValueView& value, std::size_t max_length) {
  if (value.opaque) return OpaqueTextMayExceed(value.string.size(), max_length);
  if (value.type == model::AttributeType::kString) return value.string.size() > max_length;
  if (value.type != model::AttributeType::kStringArray) return false;
  bool too_long = false;
  ForEachArrayItem(value, [&](std::string_view, const ValueView& item) {
    too_long = item.string.size() > max_length;
    return !too_long;
  });
  return too_long;
}

// An ID a link may carry: empty or of the right size (FromProto's IdRule::kOptional).
bool OptionalIdFits(std::string_view id, std::size_t size) { return id.empty() || id.size() == size; }

class Scanner {
 public:
  Scanner(const ScanLimits& limits, ScannedRequest* out, DecodeReport* report)
      : limits_(limits), out_(out), report_(report) {}

  bool ScanRequest(std::string_view bytes) {
    Reader reader(bytes, internal::kRecursionLimit);
    Field field;
    while (reader.Next(&field)) {
      if (field.number == 1 && field.Is(WireType::kLength) &&
          !ScanResourceSpans(field.bytes, internal::kRecursionLimit - 1)) {
        return false;
      }
    }
    return reader.ok() || check_.Fail(Problem::kMalformed);
  }

  Problem problem() const { return check_.problem; }

 private:
  bool Malformed() { return check_.Fail(Problem::kMalformed); }
  bool CheckUtf8(std::string_view s) { return IsValidUtf8(s) || check_.Fail(Problem::kInvalidUtf8); }
  bool TakeString(std::string_view s, std::string_view* out) {
    *out = s;
    return CheckUtf8(s);
  }

  // A message-typed field that occurs twice merges in protobuf; one view cannot show that.
  bool TakeSingleMessage(std::string_view piece, std::string_view* message) {
    if (piece.empty()) return true;
    if (!message->empty()) return check_.Fail(Problem::kMerge);
    *message = piece;
    return true;
  }

  // ResourceSpans and ScopeSpans share a shape: their origin (resource or scope) = 1, their children
  // (scope_spans or spans) = 2, schema_url = 3.
  struct Origin {
    std::string_view encoded;
    std::string_view schema_url;
  };
  template <typename ScanChild>
  bool ScanGroup(std::string_view bytes, int budget, Origin* origin, ScanChild scan_child) {
    if (budget < 0) return check_.Fail(Problem::kTooDeep);
    Reader reader(bytes, budget);
    Field field;
    while (reader.Next(&field)) {
      if (!field.Is(WireType::kLength)) continue;
      const bool ok = field.number == 1   ? TakeSingleMessage(field.bytes, &origin->encoded)
                      : field.number == 2 ? scan_child(field.bytes)
                      : field.number == 3 ? CheckUtf8(field.bytes)
                                          : true;
      if (!ok) return false;
      if (field.number == 3) origin->schema_url = field.bytes;
    }
    return reader.ok() || Malformed();
  }

  bool ScanResourceSpans(std::string_view bytes, int budget) {
    const auto resource_index = static_cast<std::uint32_t>(out_->resources.size());
    out_->resources.emplace_back();
    const std::size_t first_span = out_->spans.size();
    const std::size_t over_before = out_->spans_over_limits;
    Origin resource;
    bool resource_over = false;
    if (!ScanGroup(bytes, budget, &resource, [&](std::string_view scope_spans) {
          return ScanScopeSpans(scope_spans, budget - 1, resource_index);
        })) {
      return false;
    }
    ResourceRef& ref = out_->resources[resource_index];
    ref.encoded = resource.encoded;
    ref.schema_url = resource.schema_url;
    if (!ScanResource(resource.encoded, budget - 1, &ref.service_name, &resource_over)) return false;
    // The resource may come after its spans: count them all once it is known to be over.
    if (resource_over) out_->spans_over_limits = over_before + (out_->spans.size() - first_span);
    return true;
  }

  bool ScanResource(std::string_view bytes, int budget, std::string_view* service_name, bool* over) {
    if (budget < 0) return check_.Fail(Problem::kTooDeep);
    AttributeTally tally;
    bool service_name_seen = false;
    Reader reader(bytes, budget);
    Field field;
    while (reader.Next(&field)) {
      if (field.number != 1 || !field.Is(WireType::kLength)) continue;
      std::string_view key;
      ValueView value;
      if (!ScanAttribute(field.bytes, budget - 1, &tally, &key, &value)) return false;
      if (!service_name_seen && key == model::kServiceNameKey) {
        service_name_seen = true;
        if (value.type == model::AttributeType::kString && !value.opaque) *service_name = value.string;
      }
    }
    *over = tally.Over(limits_);
    return reader.ok() || Malformed();
  }

  bool ScanScopeSpans(std::string_view bytes, int budget, std::uint32_t resource_index) {
    const auto scope_index = static_cast<std::uint32_t>(out_->scopes.size());
    out_->scopes.push_back(ScopeRef{.resource = resource_index});
    Origin scope;
    if (!ScanGroup(bytes, budget, &scope, [&](std::string_view span) { return ScanSpan(span, budget - 1, scope_index); }) ||
        !ScanScope(scope.encoded, budget - 1)) {
      return false;
    }
    out_->scopes[scope_index].encoded = scope.encoded;
    out_->scopes[scope_index].schema_url = scope.schema_url;
    return true;
  }

  // Scopes and events: string fields numbered first_string..last_string, attributes = 3, scalars.
  bool ScanStringsAndAttributes(std::string_view bytes, int budget, std::uint32_t first_string,
                                std::uint32_t last_string, AttributeTally* tally) {
    if (budget < 0) return check_.Fail(Problem::kTooDeep);
    Reader reader(bytes, budget);
    Field field;
    while (reader.Next(&field)) {
      if (!field.Is(WireType::kLength)) continue;
      if (field.number >= first_string && field.number <= last_string && !CheckUtf8(field.bytes)) return false;
      if (field.number == 3 && !ScanAttribute(field.bytes, budget - 1, tally)) return false;
    }
    return reader.ok() || Malformed();
  }

  // InstrumentationScope: name = 1, version = 2, attributes = 3 (not counted against limits).
  bool ScanScope(std::string_view bytes, int budget) {
    AttributeTally tally;
    return ScanStringsAndAttributes(bytes, budget, 1, 2, &tally);
  }

  // One KeyValue: validated, counted, its value's length checked when a limit is set.
  bool ScanAttribute(std::string_view bytes, int budget, AttributeTally* tally, std::string_view* key_out = nullptr,
                     ValueView* value_out = nullptr) {
    ++tally->count;
    if (!key_out && budget >= 1) {  // the common case: a scalar to validate (and measure)
      const internal::FastPath fast = ScanScalarAttribute(bytes, tally);
      if (fast == internal::FastPath::kRead) return true;
      if (fast == internal::FastPath::kInvalidUtf8) return check_.Fail(Problem::kInvalidUtf8);
    }
    return ReadAttribute(bytes, budget, tally, key_out, value_out);
  }

  // A canonical scalar KeyValue (ReadCanonicalKeyValue) validated and measured; kNotCanonical leaves
  // it to ReadAttribute.
  [[gnu::always_inline]] internal::FastPath ScanScalarAttribute(std::string_view bytes, AttributeTally* tally) {
    std::string_view key;
    AnyValueState state;  // stays in registers: the slow path reads the bytes again
    const auto fast = internal::ReadCanonicalKeyValue(bytes, true, &key, &state);
    if (fast == internal::FastPath::kRead && limit_length_ && ScalarTooLong(state, limits_.max_attribute_value_length)) {
      tally->value_too_long = true;
    }
    return fast;
  }

  // A span's attributes (field 9) come one after another: this scans the first and every one that
  // follows it in the run (NextInRun) in one loop, instead of a Reader step, a field dispatch and a
  // call each. Returns where the span's next field starts, null when an attribute is refused.
  [[gnu::noinline]] const char* ScanSpanAttributes(std::string_view first, const char* next, const char* end,
                                                   int budget, AttributeTally* tally) {
    std::string_view attribute = first;
    do {
      const bool scalar = budget >= 1 && ScanScalarAttribute(attribute, tally) == internal::FastPath::kRead;
      if (scalar) {
        ++tally->count;
      } else if (!ScanAttribute(attribute, budget, tally)) {
        return nullptr;
      }
    } while (internal::NextInRun<9>(&next, end, &attribute));
    return next;
  }

  [[gnu::noinline]] bool ReadAttribute(std::string_view bytes, int budget, AttributeTally* tally,
                                       std::string_view* key_out, ValueView* value_out) {
    std::string_view key;
    AnyValueState state;
    if (!internal::ReadKeyValue(bytes, budget, &check_, &key, &state)) return false;
    if (state.needs_merge) return check_.Fail(Problem::kMerge);
    return TakeValue(key, state, tally, key_out, value_out);
  }

  // Checks a read value against the length limit and hands it out when asked.
  bool TakeValue(std::string_view key, AnyValueState state, AttributeTally* tally, std::string_view* key_out,
                 ValueView* value_out) {
    if (!limit_length_ && !key_out) return true;
    ValueView value;
    if (!internal::MakeValueView(state, &value)) return Malformed();
    if (limit_length_ && ValueTooLong(value, limits_.max_attribute_value_length)) tally->value_too_long = true;
    if (key_out) {
      *key_out = key;
      *value_out = value;
    }
    return true;
  }

  // Event: time = 1, name = 2, attributes = 3, dropped_attributes_count = 4.
  bool ScanEvent(std::string_view bytes, int budget, bool* over) {
    AttributeTally tally;
    if (!ScanStringsAndAttributes(bytes, budget, 2, 2, &tally)) return false;
    if (tally.Over(limits_)) *over = true;
    return true;
  }

  // Link: trace_id = 1, span_id = 2, trace_state = 3, attributes = 4, dropped = 5, flags = 6.
  bool ScanLink(std::string_view bytes, int budget, bool* over, std::string_view* trace_id, std::string_view* span_id) {
    if (budget < 0) return check_.Fail(Problem::kTooDeep);
    AttributeTally tally;
    Reader reader(bytes, budget);
    Field field;
    while (reader.Next(&field)) {
      if (!field.Is(WireType::kLength)) continue;
      switch (field.number) {
        case 1: *trace_id = field.bytes; break;
        case 2: *span_id = field.bytes; break;
        case 3:
          if (!CheckUtf8(field.bytes)) return false;
          break;
        case 4:
          if (!ScanAttribute(field.bytes, budget - 1, &tally)) return false;
          break;
        default: break;
      }
    }
    if (tally.Over(limits_)) *over = true;
    return reader.ok() || Malformed();
  }

  // Status: message = 2, code = 3. Occurrences merge: each code on the wire overwrites.
  bool ScanStatus(std::string_view bytes, int budget, model::StatusCode* code) {
    if (budget < 0) return check_.Fail(Problem::kTooDeep);
    Reader reader(bytes, budget);
    Field field;
    while (reader.Next(&field)) {
      if (field.number == 2 && field.Is(WireType::kLength) && !CheckUtf8(field.bytes)) return false;
      if (field.number == 3 && field.Is(WireType::kVarint)) {
        *code = otlp::internal::StatusCodeFromNumber(AsInt32(field.value));
      }
    }
    return reader.ok() || Malformed();
  }

  // The IDs FromProto checks, in its order; false (with `problem`) refuses the span.
  struct SpanIds {
    std::string_view trace_id, span_id, parent_span_id;
    bool link_ids_fit = true;
    std::string_view bad_link_trace_id, bad_link_span_id;  // the first link whose IDs do not fit
  };
  // The usual span: IDs of the right sizes, links' too, copied without DecodeId's checks of each.
  // False leaves the span to DecodeIds, which words the problem if there is one (all-zero IDs).
  static bool TakeWellSizedIds(const SpanIds& ids, SpanRef* span) {
    if (ids.trace_id.size() != 16 || ids.span_id.size() != 8 || !OptionalIdFits(ids.parent_span_id, 8) ||
        !ids.link_ids_fit) {
      return false;
    }
    std::memcpy(span->trace_id.mutable_bytes().data(), ids.trace_id.data(), 16);
    std::memcpy(span->span_id.mutable_bytes().data(), ids.span_id.data(), 8);
    span->parent_span_id = model::SpanId();
    if (!ids.parent_span_id.empty()) std::memcpy(span->parent_span_id.mutable_bytes().data(), ids.parent_span_id.data(), 8);
    return span->trace_id.IsValid() && span->span_id.IsValid();
  }

  static bool DecodeIds(const SpanIds& ids, SpanRef* span, std::string* problem) {
    constexpr auto kBytes = IdEncoding::kBytes;
    using otlp::internal::DecodeId;
    if (!DecodeId(ids.trace_id, kBytes, IdRule::kRequired, "trace_id", &span->trace_id, problem) ||
        !DecodeId(ids.span_id, kBytes, IdRule::kRequired, "span_id", &span->span_id, problem) ||
        !DecodeId(ids.parent_span_id, kBytes, IdRule::kOptional, "parent_span_id", &span->parent_span_id, problem)) {
      return false;
    }
    if (ids.link_ids_fit) return true;
    model::TraceId trace_id;
    model::SpanId span_id;
    return DecodeId(ids.bad_link_trace_id, kBytes, IdRule::kOptional, "link trace_id", &trace_id, problem) &&
           DecodeId(ids.bad_link_span_id, kBytes, IdRule::kOptional, "link span_id", &span_id, problem);
  }

  bool ScanSpan(std::string_view bytes, int budget, std::uint32_t scope_index) {
    if (budget < 0) return check_.Fail(Problem::kTooDeep);
    // Filled in place; taken back if the span is refused.
    SpanRef& span = out_->spans.emplace_back();
    span.scope = scope_index;
    span.encoded = bytes;
    SpanIds ids;
    AttributeTally tally;
    bool over = false;
    const std::size_t leading = internal::ReadLeadingSpanIds(bytes, &ids.trace_id, &ids.span_id, &ids.parent_span_id);
    Reader reader(bytes.substr(leading), budget);
    Field field;
    const char* const end = bytes.data() + bytes.size();
    while (reader.Next(&field)) {
      if (field.number == 9 && field.Is(WireType::kLength)) {
        const char* next = ScanSpanAttributes(field.bytes, reader.position(), end, budget - 1, &tally);
        if (!next) return false;
        reader = Reader(std::string_view(next, static_cast<std::size_t>(end - next)), budget);
        continue;
      }
      if (!ScanSpanField(field, budget, &span, &ids, &over)) return false;
    }
    if (!reader.ok()) return Malformed();

    const std::size_t span_index = span_index_++;
    if (!TakeWellSizedIds(ids, &span)) {
      std::string problem;
      if (!DecodeIds(ids, &span, &problem)) {
        out_->spans.pop_back();
        otlp::internal::RejectSpan(span_index, problem, report_);
        return true;
      }
    }
    ++report_->accepted_spans;
    if (over || tally.Over(limits_)) ++out_->spans_over_limits;
    return true;
  }

  bool ScanSpanField(const Field& field, int budget, SpanRef* span, SpanIds* ids, bool* over) {
    const bool length = field.Is(WireType::kLength);
    switch (field.number) {
      case 1: if (length) ids->trace_id = field.bytes; break;
      case 2: if (length) ids->span_id = field.bytes; break;
      case 3: return !length || TakeString(field.bytes, &span->trace_state);
      case 4: if (length) ids->parent_span_id = field.bytes; break;
      case 5: return !length || TakeString(field.bytes, &span->name);
      case 6:
        if (field.Is(WireType::kVarint)) span->kind = otlp::internal::SpanKindFromNumber(AsInt32(field.value));
        break;
      case 7: if (field.Is(WireType::kFixed64)) span->start_unix_nanos = field.value; break;
      case 8: if (field.Is(WireType::kFixed64)) span->end_unix_nanos = field.value; break;
      case 11: return !length || ScanEvent(field.bytes, budget - 1, over);
      case 13: {
        if (!length) break;
        std::string_view trace_id, span_id;
        if (!ScanLink(field.bytes, budget - 1, over, &trace_id, &span_id)) return false;
        if (ids->link_ids_fit && !(OptionalIdFits(trace_id, 16) && OptionalIdFits(span_id, 8))) {
          ids->link_ids_fit = false;
          ids->bad_link_trace_id = trace_id;
          ids->bad_link_span_id = span_id;
        }
        break;
      }
      case 15: return !length || ScanStatus(field.bytes, budget - 1, &span->status_code);
      case 16: if (field.Is(WireType::kFixed32)) span->flags = static_cast<std::uint32_t>(field.value); break;
      default: break;  // dropped counts and unknown fields
    }
    return true;
  }

  const ScanLimits& limits_;
  const bool limit_length_ = limits_.max_attribute_value_length != SIZE_MAX;
  ScannedRequest* out_;
  DecodeReport* report_;
  Check check_;
  std::size_t span_index_ = 0;
};

std::string ProblemText(Problem problem) {
  switch (problem) {
    case Problem::kInvalidUtf8: return "a string field with invalid UTF-8";
    case Problem::kTooDeep: return "messages nested deeper than protobuf's limit of 100";
    case Problem::kMerge:
      return "a resource, scope or attribute value sent twice in one message (protobuf would merge the two; "
             "not supported)";
    default: return "truncated or malformed protobuf";
  }
}

}  // namespace

void ScannedRequest::clear() {
  resources.clear();
  scopes.clear();
  spans.clear();
  spans_over_limits = 0;
}

bool Scan(std::string_view request, const ScanLimits& limits, ScannedRequest* out, DecodeReport* report,
          std::string* error) {
  out->clear();
  *report = DecodeReport{};
  Scanner scanner(limits, out, report);
  if (scanner.ScanRequest(request)) return true;
  out->clear();  // nothing half-scanned is left to be mistaken for spans
  *error = "not a valid ExportTraceServiceRequest: " + std::to_string(request.size()) + " bytes with " +
           ProblemText(scanner.problem());
  return false;
}

}  // namespace hoptrace::otlp::wire
