#pragma once
// gzip (RFC 1952) via zlib, for Content-Encoding: gzip request bodies.

#include <optional>
#include <string>
#include <string_view>

namespace hoptrace::sdk::exporters::otlp {

std::string GzipCompress(std::string_view data);
// Accepts gzip or zlib framing; nullopt when the data is not a valid compressed stream.
std::optional<std::string> GzipDecompress(std::string_view data);

}  // namespace hoptrace::sdk::exporters::otlp
