#pragma once
// Request bodies shared by the collector tests.

#include <cstddef>
#include <string>

namespace hoptrace::collector::testing {

// gzip of `size` zero bytes, compressed in a stream (the zeros never exist in memory at once):
// 1 GiB becomes about 1 MiB, a "gzip bomb".
std::string GzipOfZeros(std::size_t size);
// GzipOfZeros(1 GiB), made once per test program (it takes seconds in a debug build).
const std::string& GibibyteGzipBomb();

// A realistic Zipkin v2 JSON payload, after the examples in Zipkin's API docs: a frontend CLIENT call
// and the backend SERVER span (shared id), with endpoints, tags, annotations, an error and a
// 16-hex-digit trace id, from two services.
std::string ZipkinSamplePayload();

}  // namespace hoptrace::collector::testing
