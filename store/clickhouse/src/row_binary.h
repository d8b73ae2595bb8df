#pragma once
// ClickHouse's RowBinary encoding: little-endian fixed-width numbers, LEB128 lengths before strings
// and arrays, FixedString(N) as N raw bytes. The reader checks every length against what is left, so
// a short or garbled answer is an error, never an overread.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace hoptrace::store::clickhouse {

class RowBinaryWriter {
 public:
  explicit RowBinaryWriter(std::string* out) : out_(out) {}
  void VarUInt(std::uint64_t value);
  void String(std::string_view text) {
    VarUInt(text.size());
    out_->append(text);
  }
  void Fixed(const void* bytes, std::size_t size) { out_->append(static_cast<const char*>(bytes), size); }
  template <typename T>
  void Number(T value) {  // UInt8..UInt64, Int64, Float64: the host is little-endian (x86-64, arm64)
    Fixed(&value, sizeof(value));
  }
  // An Array column: the element count, then `write` of each element.
  template <typename Elements, typename Write>
  void Array(const Elements& elements, Write write) {
    VarUInt(elements.size());
    for (const auto& element : elements) write(element);
  }

 private:
  std::string* out_;
};

class RowBinaryReader {
 public:
  explicit RowBinaryReader(std::string_view data) : data_(data) {}
  bool VarUInt(std::uint64_t* value);
  bool String(std::string* text);
  bool Fixed(void* bytes, std::size_t size);
  template <typename T>
  bool Number(T* value) {
    return Fixed(value, sizeof(T));
  }
  // A length that must fit in what is left (each element takes at least one byte).
  bool Count(std::uint64_t* count) { return VarUInt(count) && *count <= data_.size(); }
  bool AtEnd() const { return data_.empty(); }

 private:
  std::string_view data_;
};

}  // namespace hoptrace::store::clickhouse
