#include "hoptrace/sdk/propagation/b3.h"

#include <algorithm>
#include <array>
#include <optional>

#include "hoptrace/sdk/propagation/carriers.h"
#include "text.h"

namespace hoptrace::sdk {
namespace {

using propagation_detail::EncodeId;
using propagation_detail::ParseValidId;
using propagation_detail::TrimOptionalWhitespace;

constexpr std::uint8_t kNotSampled = 0x00;
constexpr std::uint8_t kSampled = 0x01;

// B3 trace IDs are 16 or 32 hex digits; the short form is the low half of a 128-bit ID.
std::optional<TraceId> ParseB3TraceId(std::string_view hex) {
  if (hex.size() == SpanId::kHexSize) {
    const auto low = ParseValidId<SpanId::kSize>(hex);
    if (!low) return std::nullopt;
    TraceId id;
    std::copy(low->bytes().begin(), low->bytes().end(), id.mutable_bytes().begin() + SpanId::kSize);
    return id;
  }
  return ParseValidId<TraceId::kSize>(hex);
}

SpanContext MakeRemoteContext(std::string_view trace_id_hex, std::string_view span_id_hex,
                              std::uint8_t flags) {
  const auto trace_id = ParseB3TraceId(trace_id_hex);
  const auto span_id = ParseValidId<SpanId::kSize>(span_id_hex);
  if (!trace_id || !span_id) return SpanContext::Invalid();
  return SpanContext(*trace_id, *span_id, flags, /*is_remote=*/true);
}

constexpr std::size_t kMaxSingleHeaderFields = 4;
using SingleHeaderFields = std::array<std::string_view, kMaxSingleHeaderFields>;

// Splits at '-' into at most four non-empty fields; returns how many, or 0 when malformed.
std::size_t SplitSingleHeader(std::string_view value, SingleHeaderFields& fields) {
  std::size_t count = 0;
  while (true) {
    const std::size_t dash = value.find('-');
    if (count == kMaxSingleHeaderFields) return 0;
    fields[count] = value.substr(0, dash);
    if (fields[count++].empty()) return 0;
    if (dash == std::string_view::npos) return count;
    value.remove_prefix(dash + 1);
  }
}

// b3: {TraceId}-{SpanId}[-{SamplingState}[-{ParentSpanId}]], SamplingState one of 0, 1, d.
SpanContext ExtractSingleHeader(std::string_view value) {
  SingleHeaderFields fields;
  const std::size_t count = SplitSingleHeader(TrimOptionalWhitespace(value), fields);
  if (count < 2) return SpanContext::Invalid();  // malformed, or the deny-only "0"
  std::uint8_t flags = kNotSampled;
  if (count >= 3) {
    const std::string_view sampling = fields[2];
    if (sampling == "1" || sampling == "d") {
      flags = kSampled;
    } else if (sampling != "0") {
      return SpanContext::Invalid();
    }
  }
  if (count == 4 && !ParseValidId<SpanId::kSize>(fields[3])) return SpanContext::Invalid();
  return MakeRemoteContext(fields[0], fields[1], flags);
}

std::uint8_t MultipleHeadersFlags(const TextMapCarrier& carrier) {
  // X-B3-Flags: 1 is debug, which implies sampled.
  if (const auto debug = carrier.Get(kB3FlagsHeader); debug && TrimOptionalWhitespace(*debug) == "1") {
    return kSampled;
  }
  const auto sampled = carrier.Get(kB3SampledHeader);
  if (!sampled) return kNotSampled;
  const std::string_view decision = TrimOptionalWhitespace(*sampled);
  // "true" is the legacy spelling some older tracers still send.
  return decision == "1" || EqualsIgnoreCase(decision, "true") ? kSampled : kNotSampled;
}

SpanContext ExtractMultipleHeaders(const TextMapCarrier& carrier) {
  const auto trace_id = carrier.Get(kB3TraceIdHeader);
  const auto span_id = carrier.Get(kB3SpanIdHeader);
  if (!trace_id || !span_id) return SpanContext::Invalid();
  return MakeRemoteContext(TrimOptionalWhitespace(*trace_id), TrimOptionalWhitespace(*span_id),
                           MultipleHeadersFlags(carrier));
}

void InjectSingleHeader(const SpanContext& context, TextMapCarrier& carrier) {
  // {32 hex}-{16 hex}-{0|1}
  constexpr std::size_t kSpanIdOffset = TraceId::kHexSize + 1;
  constexpr std::size_t kSamplingOffset = kSpanIdOffset + SpanId::kHexSize + 1;
  char value[kSamplingOffset + 1];
  EncodeId(context.trace_id(), value);
  value[kSpanIdOffset - 1] = '-';
  EncodeId(context.span_id(), value + kSpanIdOffset);
  value[kSamplingOffset - 1] = '-';
  value[kSamplingOffset] = context.IsSampled() ? '1' : '0';
  carrier.Set(kB3Header, std::string_view(value, sizeof value));
}

void InjectMultipleHeaders(const SpanContext& context, TextMapCarrier& carrier) {
  char trace_id[TraceId::kHexSize];
  EncodeId(context.trace_id(), trace_id);
  char span_id[SpanId::kHexSize];
  EncodeId(context.span_id(), span_id);
  carrier.Set(kB3TraceIdHeader, std::string_view(trace_id, sizeof trace_id));
  carrier.Set(kB3SpanIdHeader, std::string_view(span_id, sizeof span_id));
  carrier.Set(kB3SampledHeader, context.IsSampled() ? "1" : "0");
}

}  // namespace

void B3Propagator::Inject(const SpanContext& context, TextMapCarrier& carrier) const {
  if (!context.IsValid()) return;
  if (format_ == B3InjectFormat::kSingleHeader) {
    InjectSingleHeader(context, carrier);
  } else {
    InjectMultipleHeaders(context, carrier);
  }
}

SpanContext B3Propagator::Extract(const TextMapCarrier& carrier) const {
  if (const auto single = carrier.Get(kB3Header)) {
    SpanContext context = ExtractSingleHeader(*single);
    if (context.IsValid()) return context;
  }
  return ExtractMultipleHeaders(carrier);
}

std::vector<std::string_view> B3Propagator::Fields() const {
  if (format_ == B3InjectFormat::kSingleHeader) return {kB3Header};
  return {kB3TraceIdHeader, kB3SpanIdHeader, kB3SampledHeader};
}

}  // namespace hoptrace::sdk
