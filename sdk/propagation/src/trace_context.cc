#include "hoptrace/sdk/propagation/trace_context.h"

#include <string>

#include "text.h"

namespace hoptrace::sdk {
namespace {

using propagation_detail::DecodeHexByte;
using propagation_detail::DecodeId;
using propagation_detail::EncodeHexByte;
using propagation_detail::EncodeId;
using propagation_detail::TrimOptionalWhitespace;

constexpr std::size_t kLength = TraceContextPropagator::kTraceParentLength;
// Offsets in "vv-<32 hex trace id>-<16 hex span id>-<2 hex flags>".
constexpr std::size_t kTraceIdOffset = 3;
constexpr std::size_t kSpanIdOffset = kTraceIdOffset + TraceId::kHexSize + 1;
constexpr std::size_t kFlagsOffset = kSpanIdOffset + SpanId::kHexSize + 1;
static_assert(kFlagsOffset + 2 == kLength);

constexpr std::uint8_t kInvalidVersion = 0xff;
constexpr std::uint8_t kSampledFlag = 0x01;

// Version 00 is exactly 55 characters. A later version must start with a valid version-00 layout
// and may append fields, each introduced by '-'.
bool HasValidLength(std::string_view value, std::uint8_t version) {
  if (value.size() < kLength) return false;
  if (version == 0) return value.size() == kLength;
  return value.size() == kLength || value[kLength] == '-';
}

}  // namespace

std::optional<TraceParent> ParseTraceParent(std::string_view value) {
  value = TrimOptionalWhitespace(value);
  std::uint8_t version = kInvalidVersion;
  if (value.size() < kLength || !DecodeHexByte(value.data(), &version) || version == kInvalidVersion ||
      !HasValidLength(value, version)) {
    return std::nullopt;
  }
  if (value[kTraceIdOffset - 1] != '-' || value[kSpanIdOffset - 1] != '-' || value[kFlagsOffset - 1] != '-') {
    return std::nullopt;
  }
  TraceParent parsed;
  if (!DecodeId(value.data() + kTraceIdOffset, parsed.trace_id) ||
      !DecodeId(value.data() + kSpanIdOffset, parsed.span_id) ||
      !DecodeHexByte(value.data() + kFlagsOffset, &parsed.trace_flags)) {
    return std::nullopt;
  }
  if (!parsed.trace_id.IsValid() || !parsed.span_id.IsValid()) return std::nullopt;
  parsed.trace_flags &= kSampledFlag;
  return parsed;
}

void TraceContextPropagator::Inject(const SpanContext& context, TextMapCarrier& carrier) const {
  if (!context.IsValid()) return;
  char traceparent[kLength];
  traceparent[0] = '0';
  traceparent[1] = '0';
  traceparent[kTraceIdOffset - 1] = '-';
  EncodeId(context.trace_id(), traceparent + kTraceIdOffset);
  traceparent[kSpanIdOffset - 1] = '-';
  EncodeId(context.span_id(), traceparent + kSpanIdOffset);
  traceparent[kFlagsOffset - 1] = '-';
  EncodeHexByte(context.trace_flags(), traceparent + kFlagsOffset);
  carrier.Set(kTraceParentHeader, std::string_view(traceparent, kLength));
  if (!context.trace_state().empty()) carrier.Set(kTraceStateHeader, context.trace_state().ToHeader());
}

SpanContext TraceContextPropagator::Extract(const TextMapCarrier& carrier) const {
  const auto header = carrier.Get(kTraceParentHeader);
  if (!header) return SpanContext::Invalid();
  const auto parent = ParseTraceParent(*header);
  if (!parent) return SpanContext::Invalid();
  TraceState trace_state;
  if (const auto state_header = carrier.Get(kTraceStateHeader)) {
    trace_state = TraceState::Parse(*state_header).value_or(TraceState());
  }
  return SpanContext(parent->trace_id, parent->span_id, parent->trace_flags, /*is_remote=*/true,
                     std::move(trace_state));
}

}  // namespace hoptrace::sdk
