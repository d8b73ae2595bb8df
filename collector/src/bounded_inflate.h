#pragma once
// Decompression with a ceiling: the output grows chunk by chunk and decoding stops as soon as it
// would pass the limit, so a small "gzip bomb" never expands into memory.

#include <cstddef>
#include <string>
#include <string_view>

namespace hoptrace::collector::internal {

enum class InflateResult { kOk, kTooLarge, kCorrupt };

// Inflates gzip (RFC 1952, several members allowed) or zlib (RFC 1950) data into `out`, at most
// `max_output` bytes. kTooLarge when the data decompresses to more; kCorrupt (with `error`) when it
// is not a complete compressed stream.
InflateResult InflateBounded(std::string_view compressed, std::size_t max_output, std::string* out,
                             std::string* error);

}  // namespace hoptrace::collector::internal
