#pragma once
// B3 (https://github.com/openzipkin/b3-propagation), single header `b3` and multiple `X-B3-*`
// headers, with OpenTelemetry's rules: Extract tries the single header first, then the multiple
// headers; Inject writes one format and never X-B3-ParentSpanId.
//
// SpanContext has no place for B3's "debug" or "defer" sampling states: debug extracts as sampled
// (and is injected as sampled), an absent decision extracts as not sampled, and the deny-only
// `b3: 0` carries no IDs, so it extracts as an invalid context.

#include <string_view>
#include <vector>

#include "hoptrace/sdk/propagation/text_map.h"

namespace hoptrace::sdk {

inline constexpr std::string_view kB3Header = "b3";
inline constexpr std::string_view kB3TraceIdHeader = "X-B3-TraceId";
inline constexpr std::string_view kB3SpanIdHeader = "X-B3-SpanId";
inline constexpr std::string_view kB3SampledHeader = "X-B3-Sampled";
inline constexpr std::string_view kB3FlagsHeader = "X-B3-Flags";
inline constexpr std::string_view kB3ParentSpanIdHeader = "X-B3-ParentSpanId";

enum class B3InjectFormat { kSingleHeader, kMultipleHeaders };

class B3Propagator final : public TextMapPropagator {
 public:
  explicit B3Propagator(B3InjectFormat format = B3InjectFormat::kSingleHeader) : format_(format) {}

  void Inject(const SpanContext& context, TextMapCarrier& carrier) const override;
  // A remote context; 64-bit trace IDs are left-padded with zeros to 128 bits.
  SpanContext Extract(const TextMapCarrier& carrier) const override;
  std::vector<std::string_view> Fields() const override;

 private:
  B3InjectFormat format_;
};

}  // namespace hoptrace::sdk
