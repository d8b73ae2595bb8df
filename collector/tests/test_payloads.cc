#include "test_payloads.h"

#include <zlib.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace hoptrace::collector::testing {

std::string GzipOfZeros(std::size_t size) {
  z_stream stream{};
  constexpr int kGzipWindow = 15 + 16;
  if (deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, kGzipWindow, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  const std::vector<unsigned char> zeros(1 << 20, 0);
  std::vector<unsigned char> chunk(1 << 16);
  std::string out;
  std::size_t remaining = size;
  int code = Z_OK;
  while (code != Z_STREAM_END) {
    const std::size_t take = std::min(remaining, zeros.size());
    stream.next_in = const_cast<unsigned char*>(zeros.data());
    stream.avail_in = static_cast<uInt>(take);
    remaining -= take;
    const int flush = remaining == 0 ? Z_FINISH : Z_NO_FLUSH;
    do {
      stream.next_out = chunk.data();
      stream.avail_out = static_cast<uInt>(chunk.size());
      code = deflate(&stream, flush);
      out.append(reinterpret_cast<const char*>(chunk.data()), chunk.size() - stream.avail_out);
    } while (stream.avail_out == 0);
  }
  deflateEnd(&stream);
  return out;
}

const std::string& GibibyteGzipBomb() {
  static const std::string bomb = GzipOfZeros(std::size_t{1} << 30);
  return bomb;
}

std::string ZipkinSamplePayload() {
  return R"([
  {
    "traceId": "5af7183fb1d4cf5f",
    "parentId": "6b221d5bc9e6496c",
    "id": "352bff9a74ca9ad2",
    "kind": "CLIENT",
    "name": "get /api",
    "timestamp": 1556604172355737,
    "duration": 1431,
    "localEndpoint": {"serviceName": "frontend", "ipv4": "192.168.99.1", "port": 3306},
    "remoteEndpoint": {"serviceName": "backend", "ipv4": "172.19.0.2", "port": 9000},
    "tags": {"http.method": "GET", "http.path": "/api", "http.status_code": "503", "error": "503 Service Unavailable"},
    "annotations": [{"timestamp": 1556604172355800, "value": "ws"}, {"timestamp": 1556604172357100, "value": "wr"}]
  },
  {
    "traceId": "5af7183fb1d4cf5f",
    "parentId": "6b221d5bc9e6496c",
    "id": "352bff9a74ca9ad2",
    "kind": "SERVER",
    "name": "get /api",
    "timestamp": 1556604172355900,
    "duration": 1200,
    "shared": true,
    "localEndpoint": {"serviceName": "backend", "ipv6": "2001:db8::c001", "port": 9000},
    "remoteEndpoint": {"ipv4": "172.19.0.1", "port": 58648},
    "tags": {"http.method": "GET", "http.path": "/api", "mvc.controller.class": "Backend", "retries": 2}
  },
  {
    "traceId": "5af7183fb1d4cf5f",
    "id": "6b221d5bc9e6496c",
    "kind": "SERVER",
    "name": "get",
    "timestamp": 1556604172355000,
    "duration": 2500,
    "debug": true,
    "localEndpoint": {"serviceName": "frontend", "ipv4": "192.168.99.1"},
    "remoteEndpoint": {"ipv6": "::1", "port": 63720},
    "tags": {"otel.scope.name": "brave", "otel.scope.version": "5.13", "otel.status_code": "OK"}
  },
  {
    "traceId": "463ac35c9f6413ad48485a3953bb6124",
    "id": "a2fb4a1d1a96d312",
    "name": "send order",
    "kind": "PRODUCER",
    "timestamp": 1556604172360000,
    "localEndpoint": {"serviceName": "frontend"},
    "remoteEndpoint": {"serviceName": "kafka"},
    "tags": {"otel.status_code": "ERROR", "otel.status_description": "broker down", "error": "true"}
  }
])";
}

}  // namespace hoptrace::collector::testing
