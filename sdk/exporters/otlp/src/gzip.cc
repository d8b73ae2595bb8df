#include "hoptrace/sdk/exporters/otlp/gzip.h"

#include <zlib.h>

#include <cstring>

namespace hoptrace::sdk::exporters::otlp {
namespace {

constexpr int kGzipWindowBits = 15 + 16;        // 15-bit window, gzip header
constexpr int kAutoDetectWindowBits = 15 + 32;  // gzip or zlib header
constexpr std::size_t kChunkSize = 16 * 1024;

// zlib's API takes mutable pointers for input it never writes to.
Bytef* InputBytes(std::string_view data) { return reinterpret_cast<Bytef*>(const_cast<char*>(data.data())); }

}  // namespace

std::string GzipCompress(std::string_view data) {
  z_stream stream;
  std::memset(&stream, 0, sizeof(stream));
  if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kGzipWindowBits, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return {};
  }
  std::string out(deflateBound(&stream, static_cast<uLong>(data.size())), '\0');
  stream.next_in = InputBytes(data);
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int status = deflate(&stream, Z_FINISH);  // deflateBound guarantees one call suffices
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return status == Z_STREAM_END ? out : std::string();
}

std::optional<std::string> GzipDecompress(std::string_view data) {
  z_stream stream;
  std::memset(&stream, 0, sizeof(stream));
  if (inflateInit2(&stream, kAutoDetectWindowBits) != Z_OK) return std::nullopt;
  stream.next_in = InputBytes(data);
  stream.avail_in = static_cast<uInt>(data.size());
  std::string out;
  int status = Z_OK;
  while (status == Z_OK) {
    const std::size_t written = out.size();
    out.resize(written + kChunkSize);
    stream.next_out = reinterpret_cast<Bytef*>(out.data() + written);
    stream.avail_out = static_cast<uInt>(kChunkSize);
    status = inflate(&stream, Z_NO_FLUSH);
    out.resize(written + kChunkSize - stream.avail_out);
  }
  inflateEnd(&stream);
  if (status != Z_STREAM_END) return std::nullopt;
  return out;
}

}  // namespace hoptrace::sdk::exporters::otlp
