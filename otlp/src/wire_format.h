#pragma once
// Protobuf wire format for the OTLP wire scanner (wire.h), read by libprotobuf 3.21's rules so that
// the scanner accepts and refuses exactly what ParseFromArray does on our messages:
//   - varints take at most 10 bytes (bits past 64 dropped), tags at most 5 (truncated to 32 bits);
//   - a length takes at most 5 bytes, must fit in the bytes left and stay below 2^31 - 16;
//   - tag 0, field number 0, an end-group tag outside its group and wire types 6 and 7 are errors;
//   - unknown fields of every wire type are skipped, groups included (matched by field number);
//   - a known field with an unexpected wire type is an unknown field, not an error;
//   - nested messages and groups deeper than kRecursionLimit are errors.

#include <cstdint>
#include <cstring>
#include <string_view>

namespace hoptrace::otlp::wire::internal {

// libprotobuf's default recursion limit. A message read with budget b may hold a message (or group)
// of budget b - 1; a negative budget fails, as protobuf's `--depth_ < 0` does.
inline constexpr int kRecursionLimit = 100;

enum class WireType : std::uint8_t {
  kVarint = 0,
  kFixed64 = 1,
  kLength = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kFixed32 = 5,
};

struct Field {
  std::uint32_t number = 0;
  WireType type = WireType::kVarint;
  std::uint64_t value = 0;      // varint, fixed64 and fixed32 fields
  std::string_view bytes;       // length-delimited fields: the payload
  const char* start = nullptr;  // the field's tag, for views of a whole field
  bool Is(WireType t) const { return type == t; }
  std::string_view whole(const char* end) const { return {start, static_cast<std::size_t>(end - start)}; }
};

// Reads the fields of one message in order. `Next` returns false at the end and on malformed bytes;
// `ok()` tells which. One-byte tags, lengths and varints (nearly all of OTLP) take the inline path.
class Reader {
 public:
  Reader(std::string_view bytes, int budget) : p_(bytes.data()), end_(bytes.data() + bytes.size()), budget_(budget) {}

  [[gnu::always_inline]] bool Next(Field* field) {
    while (p_ != end_) {
      if (ReadField(field)) return true;
      if (!ok_) return false;
    }
    return false;
  }
  bool ok() const { return ok_; }
  // Where the last field read ends (for Field::whole).
  const char* position() const { return p_; }

 private:
  // Reads one field; false with ok_ still true for a group, which was skipped.
  [[gnu::always_inline]] bool ReadField(Field* field) {
    field->start = p_;
    std::uint64_t tag = static_cast<std::uint8_t>(*p_);
    if (tag < 0x80) {
      ++p_;
    } else if (!ReadTwoByteVarint(&tag) && !ReadVarintSlow(5, &tag)) {
      return Fail();
    }
    const auto tag32 = static_cast<std::uint32_t>(tag);
    field->number = tag32 >> 3;
    field->type = static_cast<WireType>(tag32 & 7);
    if (field->number == 0) return Fail();
    // Tests in order of frequency: a jump table on the wire type mispredicts more.
    if (field->type == WireType::kLength) {
      std::uint64_t size = 0;
      if (!ReadVarint(5, &size)) return Fail();
      constexpr std::uint64_t kMaxSize = 0x7fffffff - 16;  // protobuf's limit (INT_MAX - kSlopBytes)
      if (size > kMaxSize || size > static_cast<std::uint64_t>(end_ - p_)) return Fail();
      field->bytes = std::string_view(p_, static_cast<std::size_t>(size));
      p_ += size;
      return true;
    }
    if (field->type == WireType::kVarint) return ReadVarint(10, &field->value) || Fail();
    if (field->type == WireType::kFixed64) return ReadFixed<std::uint64_t>(&field->value) || Fail();
    if (field->type == WireType::kFixed32) return ReadFixed<std::uint32_t>(&field->value) || Fail();
    // A group is never one of our fields: skip it and read on.
    if (field->type == WireType::kStartGroup) return SkipGroup(field->number, budget_ - 1) ? false : Fail();
    return Fail();  // an end-group tag out of place, or wire types 6 and 7
  }

  bool Fail() {
    ok_ = false;
    p_ = end_;
    return false;
  }

  [[gnu::always_inline]] bool ReadVarint(int max_bytes, std::uint64_t* out) {
    if (p_ != end_ && static_cast<std::uint8_t>(*p_) < 0x80) {
      *out = static_cast<std::uint8_t>(*p_++);
      return true;
    }
    return ReadTwoByteVarint(out) || ReadVarintSlow(max_bytes, out);
  }

  // Two-byte varints are common enough to skip the call: tags of fields 16 and up (a span's flags),
  // lengths of 128 bytes to 16 KiB (every span, long attribute values).
  [[gnu::always_inline]] bool ReadTwoByteVarint(std::uint64_t* out) {
    if (end_ - p_ < 2 || static_cast<std::uint8_t>(p_[1]) >= 0x80) return false;
    const std::uint64_t low = static_cast<std::uint8_t>(p_[0]) & 0x7fU;
    *out = low | static_cast<std::uint64_t>(static_cast<std::uint8_t>(p_[1])) << 7;
    p_ += 2;
    return true;
  }

  [[gnu::noinline]] bool ReadVarintSlow(int max_bytes, std::uint64_t* out) {
    std::uint64_t result = 0;
    for (int i = 0; i < max_bytes && p_ != end_; ++i) {
      const auto byte = static_cast<std::uint8_t>(*p_++);
      result |= static_cast<std::uint64_t>(byte & 0x7f) << (7 * i);
      if (byte < 0x80) {
        *out = result;
        return true;
      }
    }
    return false;
  }

  template <typename T>
  bool ReadFixed(std::uint64_t* out) {
    if (static_cast<std::size_t>(end_ - p_) < sizeof(T)) return false;
    T value;
    std::memcpy(&value, p_, sizeof(T));  // little-endian hosts only, as libprotobuf's fast path
    p_ += sizeof(T);
    *out = value;
    return true;
  }

  // Skips the fields of an unknown group up to its end-group tag (same field number).
  [[gnu::noinline]] bool SkipGroup(std::uint32_t number, int budget) {
    if (budget < 0) return false;
    Reader inner(std::string_view(p_, static_cast<std::size_t>(end_ - p_)), budget);
    Field field;
    for (;;) {
      Reader peek = inner;
      std::uint64_t tag = 0;
      if (!peek.ReadVarintSlow(5, &tag)) return false;  // also when the bytes end inside the group
      const auto tag32 = static_cast<std::uint32_t>(tag);
      if ((tag32 & 7) == static_cast<std::uint32_t>(WireType::kEndGroup)) {
        p_ = peek.p_;
        return tag32 >> 3 == number;
      }
      if (!inner.ReadField(&field) && !inner.ok_) return false;
    }
  }

  const char* p_;
  const char* end_;
  int budget_;
  bool ok_ = true;
};

// A repeated length-delimited field (a span's attributes) comes as a run of fields one after
// another. A reader of the run's first field can read the rest without a Reader step each: while the
// field at `*next` has the same one-byte tag and a one-byte length (nearly all), this views its
// payload in `bytes`, moves `*next` past it and returns true. False where the run ends (read on from
// `*next` with a Reader).
template <std::uint32_t kNumber>
[[gnu::always_inline]] inline bool NextInRun(const char** next, const char* end, std::string_view* bytes) {
  static_assert(kNumber < 16, "a one-byte tag");
  constexpr auto kTag = static_cast<unsigned char>(kNumber << 3 | static_cast<std::uint32_t>(WireType::kLength));
  const char* p = *next;
  const auto size = end - p >= 2 ? static_cast<unsigned char>(p[1]) : 0x80;
  if (size >= 0x80 || static_cast<unsigned char>(p[0]) != kTag || end - p - 2 < size) return false;
  *bytes = std::string_view(p + 2, size);
  *next = p + 2 + size;
  return true;
}

// Every OTLP exporter writes a span's trace_id (field 1, 16 bytes) and span_id (field 2, 8 bytes)
// first, and then, when the span has no trace state, its parent_span_id (field 4, 8 bytes; none for a
// root). When a span starts so, this views them and returns the bytes they take, which a span's
// reader may skip: they are the fields a Reader would read there (a later occurrence still wins).
// 0 otherwise.
inline std::size_t ReadLeadingSpanIds(std::string_view span, std::string_view* trace_id, std::string_view* span_id,
                                      std::string_view* parent_span_id) {
  constexpr std::size_t kIdsSize = 2 + 16 + 2 + 8;
  constexpr std::size_t kWithParentSize = kIdsSize + 2 + 8;
  const char* p = span.data();
  if (span.size() < kIdsSize || p[0] != '\x0a' || p[1] != 16 || p[18] != '\x12' || p[19] != 8) return 0;
  *trace_id = std::string_view(p + 2, 16);
  *span_id = std::string_view(p + 20, 8);
  if (span.size() < kWithParentSize || p[28] != '\x22' || p[29] != 8) return kIdsSize;
  *parent_span_id = std::string_view(p + 30, 8);
  return kWithParentSize;
}

// Valid UTF-8, as proto3 requires of `string` fields. Most strings are ASCII: checked 8 bytes at a
// time before the full validator runs.
bool IsValidUtf8Slow(std::string_view s);
inline bool IsAscii(const char* p, std::size_t size) {
  const auto load = [p](std::size_t at, auto word) {
    std::memcpy(&word, p + at, sizeof word);
    return static_cast<std::uint64_t>(word);
  };
  std::uint64_t any = 0;
  if (size > 32) {
    for (std::size_t i = 0; i + 8 <= size; i += 8) any |= load(i, std::uint64_t{});
    any |= load(size - 8, std::uint64_t{});  // the tail, overlapping
  } else if (size > 16) {  // overlapping loads: no loop whose exit mispredicts on short strings
    any = load(0, std::uint64_t{}) | load(8, std::uint64_t{}) | load(size - 16, std::uint64_t{}) |
          load(size - 8, std::uint64_t{});
  } else if (size >= 8) {
    any = load(0, std::uint64_t{}) | load(size - 8, std::uint64_t{});
  } else if (size >= 4) {
    any = load(0, std::uint32_t{}) | load(size - 4, std::uint32_t{});
  } else {
    for (std::size_t i = 0; i < size; ++i) any |= static_cast<std::uint8_t>(p[i]);
  }
  return (any & 0x8080808080808080ULL) == 0;
}
inline bool IsValidUtf8(std::string_view s) { return IsAscii(s.data(), s.size()) || IsValidUtf8Slow(s); }

// proto3 reads uint32 fields and enums as the low 32 bits of the varint (enums signed).
inline std::uint32_t AsUint32(std::uint64_t varint) { return static_cast<std::uint32_t>(varint); }
inline std::int32_t AsInt32(std::uint64_t varint) { return static_cast<std::int32_t>(AsUint32(varint)); }

// ---- writing ------------------------------------------------------------------------------------

inline std::size_t VarintSize(std::uint64_t value) {
  std::size_t size = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++size;
  }
  return size;
}

inline char* WriteVarint(std::uint64_t value, char* p) {
  while (value >= 0x80) {
    *p++ = static_cast<char>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  *p++ = static_cast<char>(value);
  return p;
}

// Size of a length-delimited field numbered 1-15 (one-byte tag) holding `size` bytes.
inline std::size_t LengthFieldSize(std::size_t size) { return 1 + VarintSize(size) + size; }

inline char* WriteLengthField(std::uint32_t number, std::string_view bytes, char* p) {
  *p++ = static_cast<char>((number << 3) | static_cast<std::uint32_t>(WireType::kLength));
  p = WriteVarint(bytes.size(), p);
  if (!bytes.empty()) std::memcpy(p, bytes.data(), bytes.size());  // an empty view may have no data
  return p + bytes.size();
}

}  // namespace hoptrace::otlp::wire::internal
