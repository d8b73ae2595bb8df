#pragma once
// The write-ahead log's on-disk format, shared by log_writer.cc and log_reader.cc.
//
// A WAL is a directory of segment files named NNNNNNNNNNNN.wal (increasing numbers). A segment starts
// with a 16-byte header
//
//   magic:    8 bytes "HTWAL2\r\n"
//   number:   u64 little-endian   the segment number the file was started as
//
// followed by records, each
//
//   checksum: u32 little-endian   XXH3-64 (low 32 bits) of payload, seeded with the fields' hash
//   length:   u32 little-endian   payload bytes
//   type:     u8                  RecordType
//   segment:  u32 little-endian   the low 32 bits of the segment's number
//   fields:   u32 little-endian   the fields' hash (XXH3-64 of length, type and segment; low 32 bits)
//   payload:  `length` bytes
//
// The fields' own check lets the reader refuse a position that is not a record's start without
// hashing the `length` bytes after it: resynchronising over a reused file's old bytes (see below)
// took seconds without it.
//
// The file of a segment whose spans are all in blocks is reused for a later segment (the Wal keeps
// one spare): overwritten from the start, its disk blocks are allocated and its pages mostly cached,
// so appends neither allocate nor grow the file and fdatasync writes no inode. Past the new records
// lie those of the file's earlier use; they verify with another segment number, and the reader takes
// the first of them as the end.
//
// A writer using direct I/O (log_writer.h) writes whole 4 KiB blocks: each append rewrites the
// file's last partial block and ends in a padding record (type kPadding, zeros) that reaches the next
// block boundary, at least kRecordHeaderSize bytes long. The next append overwrites it, so a
// padding record of the segment's own number marks where its last write ended: the reader stops
// there. A buffered writer writes no padding.
//
// Every record is written whole by one write; a crash can leave a torn last record (a header or a
// payload cut short), which the reader skips and reports. Because the checksum also covers the
// length, type and segment, a flipped bit anywhere in a record is detected; the reader then
// resynchronises on the next position where a whole record verifies, so one bad record costs only
// itself.
//
// Segments of the first format (no header; records of checksum, length and type, the checksum
// seeded with length and type) are still read, and never reused.

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
  // Zeros after the last record up to a block boundary (direct I/O): the end of the segment's records.
  kPadding = 4,
};
bool IsKnownRecordType(RecordType type);

inline constexpr std::string_view kSegmentMagic{"HTWAL2\r\n", 8};
inline constexpr std::size_t kSegmentHeaderSize = 16;
inline constexpr std::size_t kRecordHeaderSize = 4 + 4 + 1 + 4 + 4;
inline constexpr std::size_t kRecordFieldsSize = 4 + 1 + 4;  // length, type, segment: at offset 4
inline constexpr std::size_t kFirstFormatRecordHeaderSize = 4 + 4 + 1;
inline constexpr std::size_t kDirectBlockSize = 4096;  // direct I/O's unit: offsets, lengths, buffers
// A record larger than this is refused by the writer and treated as corruption by the reader, so a
// flipped length byte cannot make the reader allocate gigabytes.
inline constexpr std::uint32_t kMaxRecordSize = 256u << 20;

std::string SegmentHeader(std::uint64_t number);
// The hash of a record header's length, type and segment fields (kRecordFieldsSize bytes), and the
// checksum of its payload seeded with it.
std::uint64_t RecordFieldsHash(const char* fields);
std::uint32_t RecordChecksum(std::uint64_t fields_hash, std::string_view payload);
// The first format's.
std::uint32_t FirstFormatChecksum(RecordType type, std::string_view payload);

// Segment file names: 12 decimal digits + ".wal", so a directory listing sorts in write order.
std::string SegmentFileName(std::uint64_t number);
// The number of a segment file name, or 0 when `name` is not one (segment numbers start at 1).
std::uint64_t ParseSegmentFileName(std::string_view name);
// A retired segment's file, kept for the next segment to reuse; not a segment name.
inline constexpr std::string_view kSpareFileName = "spare.wal";

}  // namespace hoptrace::store::wal
