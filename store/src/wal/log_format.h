#pragma once
// The write-ahead log's on-disk format, shared by log_writer.cc and log_reader.cc.
//
// A WAL is a directory of segment files named NNNNNNNNNNNN.wal (increasing numbers). A segment is a
// sequence of records, each
//
//   checksum: u32 little-endian   XXH3-64 (low 32 bits) of payload, seeded with length and type
//   length:   u32 little-endian   payload bytes
//   type:     u8                  RecordType
//   payload:  `length` bytes
//
// Every record is written whole by one write; a crash can leave a torn last record (a header or a
// payload cut short), which the reader skips and reports. Because the checksum also covers the
// length and type, a flipped bit anywhere in a record is detected; the reader then resynchronises
// on the next position where a whole record verifies, so one bad record costs only itself.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace hoptrace::store::wal {

// The record type is also the payload's format tag: replay knows how to read a payload by it.
enum class RecordType : std::uint8_t {
  kZero = 0,  // never written: zero-filled space (preallocation, a torn page) reads as corruption
  // One write in hoptrace's first WAL encoding (the model batch codec, removed). Still recognised so
  // that recovery can name it; its spans are not replayed.
  kModelBatch = 1,
  // One write: a serialized OTLP ExportTraceServiceRequest holding exactly the spans acknowledged
  // (the request as received, or rebuilt from the written spans' encoded bytes).
  kOtlpRequest = 2,
  // A cut's progress (store/src/engine/cut_record.h), so replay repeats the cuts instead of looking
  // replayed spans up in the blocks.
  kCut = 3,
};
bool IsKnownRecordType(RecordType type);

inline constexpr std::size_t kHeaderSize = 4 + 4 + 1;
// A record larger than this is refused by the writer and treated as corruption by the reader, so a
// flipped length byte cannot make the reader allocate gigabytes.
inline constexpr std::uint32_t kMaxRecordSize = 256u << 20;

std::uint32_t RecordChecksum(RecordType type, std::string_view payload);

// Segment file names: 12 decimal digits + ".wal", so a directory listing sorts in write order.
std::string SegmentFileName(std::uint64_t number);
// The number of a segment file name, or 0 when `name` is not one (segment numbers start at 1).
std::uint64_t ParseSegmentFileName(std::string_view name);

}  // namespace hoptrace::store::wal
