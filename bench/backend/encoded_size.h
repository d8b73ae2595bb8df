#pragma once
// What the same spans take in other encodings, for comparison with the store's bytes per span: OTLP
// protobuf and OTLP JSON, raw and through gzip level 6 (zlib, as `gzip -6` over the concatenated
// requests).

#include <cstddef>
#include <vector>

#include "workload.h"

namespace hoptrace::bench {

struct EncodedSizes {
  std::size_t spans = 0;
  double protobuf = 0;  // bytes per span
  double protobuf_gzip = 0;
  double json = 0;
  double json_gzip = 0;
};

// Over the first batches holding at least `max_spans` spans.
EncodedSizes MeasureEncodedSizes(const std::vector<SerializedBatch>& batches, std::size_t max_spans);

}  // namespace hoptrace::bench
