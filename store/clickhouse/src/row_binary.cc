#include "row_binary.h"

namespace hoptrace::store::clickhouse {

void RowBinaryWriter::VarUInt(std::uint64_t value) {
  while (value >= 0x80) {
    out_->push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out_->push_back(static_cast<char>(value));
}

bool RowBinaryReader::VarUInt(std::uint64_t* value) {
  *value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (data_.empty()) return false;
    const auto byte = static_cast<std::uint8_t>(data_.front());
    data_.remove_prefix(1);
    *value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

bool RowBinaryReader::String(std::string* text) {
  std::uint64_t size = 0;
  if (!VarUInt(&size) || size > data_.size()) return false;
  text->assign(data_.data(), size);
  data_.remove_prefix(size);
  return true;
}

bool RowBinaryReader::Fixed(void* bytes, std::size_t size) {
  if (size > data_.size()) return false;
  std::memcpy(bytes, data_.data(), size);
  data_.remove_prefix(size);
  return true;
}

}  // namespace hoptrace::store::clickhouse
