#include "encoded_size.h"

#include <zlib.h>

#include <stdexcept>
#include <string_view>

#include "hoptrace/otlp/json_convert.h"
#include "hoptrace/otlp/proto_convert.h"

namespace hoptrace::bench {
namespace {

// Streams text through deflate (gzip wrapper, level 6) and counts the compressed bytes.
class GzipCounter {
 public:
  GzipCounter() {
    if (deflateInit2(&stream_, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
      throw std::runtime_error("deflateInit2 failed");
    }
  }
  ~GzipCounter() { deflateEnd(&stream_); }
  GzipCounter(const GzipCounter&) = delete;
  GzipCounter& operator=(const GzipCounter&) = delete;

  void Add(std::string_view text) { Deflate(text, Z_NO_FLUSH); }
  std::size_t Finish() {
    Deflate({}, Z_FINISH);
    return compressed_;
  }

 private:
  void Deflate(std::string_view text, int flush) {
    stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    stream_.avail_in = static_cast<uInt>(text.size());
    int result = Z_OK;
    do {
      stream_.next_out = buffer_;
      stream_.avail_out = sizeof buffer_;
      result = deflate(&stream_, flush);
      compressed_ += sizeof buffer_ - stream_.avail_out;
    } while (stream_.avail_out == 0 || (flush == Z_FINISH && result != Z_STREAM_END));
  }

  z_stream stream_{};
  Bytef buffer_[1 << 16];
  std::size_t compressed_ = 0;
};

}  // namespace

EncodedSizes MeasureEncodedSizes(const std::vector<SerializedBatch>& batches, std::size_t max_spans) {
  GzipCounter protobuf_gzip, json_gzip;
  std::size_t protobuf_bytes = 0, json_bytes = 0;
  EncodedSizes sizes;
  for (const SerializedBatch& batch : batches) {
    if (sizes.spans >= max_spans) break;
    protobuf_bytes += batch.bytes.size();
    protobuf_gzip.Add(batch.bytes);
    model::TraceBatch decoded;
    otlp::DecodeReport report;
    std::string error;
    if (!otlp::ParseExportRequest(batch.bytes, &decoded, &report, &error)) throw std::runtime_error(error);
    const std::string json = otlp::ToJson(decoded);
    json_bytes += json.size();
    json_gzip.Add(json);
    sizes.spans += batch.spans;
  }
  const auto per_span = [&](std::size_t bytes) { return static_cast<double>(bytes) / static_cast<double>(sizes.spans); };
  sizes.protobuf = per_span(protobuf_bytes);
  sizes.protobuf_gzip = per_span(protobuf_gzip.Finish());
  sizes.json = per_span(json_bytes);
  sizes.json_gzip = per_span(json_gzip.Finish());
  return sizes;
}

}  // namespace hoptrace::bench
