#include "wal/log_format.h"

#include <xxhash.h>
#if defined(__x86_64__)
// XXH3 picks its widest vector code (AVX2, AVX-512) at run time: the same hash, and the checksum of
// every WAL record (each request's bytes) costs a fraction of the SSE2 build's (≈ 10 % of the
// instructions from a request's arrival to its spans in the head).
#include <xxh_x86dispatch.h>
#endif

#include <charconv>
#include <cstdio>

namespace hoptrace::store::wal {

std::string SegmentHeader(std::uint64_t number) {
  std::string header(kSegmentMagic);
  for (int shift = 0; shift < 64; shift += 8) header.push_back(static_cast<char>((number >> shift) & 0xff));
  return header;
}

std::uint64_t RecordFieldsHash(const char* fields) {
  return XXH3_64bits(fields, kRecordFieldsSize);
}

std::uint32_t RecordChecksum(std::uint64_t fields_hash, std::string_view payload) {
  return static_cast<std::uint32_t>(XXH3_64bits_withSeed(payload.data(), payload.size(), fields_hash));
}

std::uint32_t FirstFormatChecksum(RecordType type, std::string_view payload) {
  const std::uint64_t seed = (static_cast<std::uint64_t>(payload.size()) << 8) | static_cast<std::uint8_t>(type);
  return static_cast<std::uint32_t>(XXH3_64bits_withSeed(payload.data(), payload.size(), seed));
}

bool IsKnownRecordType(RecordType type) {
  return type == RecordType::kModelBatch || type == RecordType::kOtlpRequest || type == RecordType::kCut;
}

std::string SegmentFileName(std::uint64_t number) {
  char name[32];
  std::snprintf(name, sizeof name, "%012llu.wal", static_cast<unsigned long long>(number));
  return name;
}

std::uint64_t ParseSegmentFileName(std::string_view name) {
  constexpr std::string_view kSuffix = ".wal";
  if (name.size() != 12 + kSuffix.size() || !name.ends_with(kSuffix)) return 0;
  std::uint64_t number = 0;
  const char* end = name.data() + 12;
  auto [ptr, error] = std::from_chars(name.data(), end, number);
  if (error != std::errc() || ptr != end) return 0;
  return number;
}

}  // namespace hoptrace::store::wal
