#include "bounded_inflate.h"

#include <zlib.h>

#include <algorithm>
#include <climits>

namespace hoptrace::collector::internal {
namespace {

constexpr std::size_t kChunkBytes = 64 * 1024;
constexpr int kAutoDetectGzipOrZlib = 15 + 32;

class Inflater {
 public:
  Inflater() { ok_ = inflateInit2(&stream_, kAutoDetectGzipOrZlib) == Z_OK; }
  ~Inflater() {
    if (ok_) inflateEnd(&stream_);
  }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  InflateResult Run(std::string_view input, std::size_t max_output, std::string* out, std::string* error) {
    if (!ok_) return Fail("zlib could not be initialised", error);
    if (input.size() > UINT_MAX) return Fail("compressed body too large for one inflate pass", error);
    stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
    stream_.avail_in = static_cast<uInt>(input.size());
    out->clear();
    while (true) {
      // One byte past the limit tells "exactly at the limit" from "over it".
      const std::size_t room = std::min(kChunkBytes, max_output + 1 - out->size());
      const std::size_t used = out->size();
      out->resize(used + room);
      stream_.next_out = reinterpret_cast<Bytef*>(out->data() + used);
      stream_.avail_out = static_cast<uInt>(room);
      const int code = inflate(&stream_, Z_NO_FLUSH);
      out->resize(used + room - stream_.avail_out);
      if (out->size() > max_output) {
        out->clear();
        return InflateResult::kTooLarge;
      }
      if (code == Z_STREAM_END) {
        if (stream_.avail_in == 0) return InflateResult::kOk;
        if (inflateReset(&stream_) != Z_OK) return Fail("zlib reset failed", error);  // next gzip member
        continue;
      }
      if (code == Z_BUF_ERROR && stream_.avail_in == 0) return Fail("compressed body is truncated", error);
      if (code != Z_OK) {
        return Fail(std::string("compressed body is corrupt: ") + (stream_.msg ? stream_.msg : "inflate failed"),
                    error);
      }
    }
  }

 private:
  static InflateResult Fail(std::string message, std::string* error) {
    if (error) *error = std::move(message);
    return InflateResult::kCorrupt;
  }

  z_stream stream_{};
  bool ok_ = false;
};

}  // namespace

InflateResult InflateBounded(std::string_view compressed, std::size_t max_output, std::string* out,
                             std::string* error) {
  Inflater inflater;
  const InflateResult result = inflater.Run(compressed, max_output, out, error);
  if (result != InflateResult::kOk) out->clear();
  return result;
}

}  // namespace hoptrace::collector::internal
