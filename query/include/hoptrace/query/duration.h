#pragma once
// Duration texts as the query language and the Jaeger API write them.

#include <cstdint>
#include <optional>
#include <string_view>

namespace hoptrace::query {

// Go's time.ParseDuration format, which both TraceQL and Jaeger's minDuration/maxDuration use:
// an optional sign and one or more decimal numbers, each with an optional fraction and a unit
// (ns, us, µs, ms, s, m, h), e.g. "1.5s", "100ms", "1h30m", "-2us". "0" alone is zero.
// Returns nanoseconds, or nullopt on any other text or on int64 overflow.
std::optional<std::int64_t> ParseGoDuration(std::string_view text);

// Jaeger UI's lookback values: a Go duration, or whole days / weeks ("2d", "1w").
std::optional<std::int64_t> ParseLookback(std::string_view text);

}  // namespace hoptrace::query
