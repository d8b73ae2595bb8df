#include "engine/cut_record.h"

#include <cstring>

namespace hoptrace::store::engine {
namespace {

constexpr std::size_t kHeaderBytes = 1 + 8;

}  // namespace

std::string EncodeCutRecord(const CutRecord& record) {
  std::string out(kHeaderBytes + record.traces.size() * model::TraceId::kSize, '\0');
  out[0] = static_cast<char>(record.event);
  for (int byte = 0; byte < 8; ++byte) out[1 + byte] = static_cast<char>(record.cut >> (8 * byte));
  char* at = out.data() + kHeaderBytes;
  for (const model::TraceId& id : record.traces) {
    std::memcpy(at, id.data(), model::TraceId::kSize);
    at += model::TraceId::kSize;
  }
  return out;
}

bool DecodeCutRecord(std::string_view payload, CutRecord* record) {
  if (payload.size() < kHeaderBytes || (payload.size() - kHeaderBytes) % model::TraceId::kSize != 0) return false;
  const auto event = static_cast<CutEvent>(static_cast<std::uint8_t>(payload[0]));
  if (event != CutEvent::kFrozen && event != CutEvent::kCommitted && event != CutEvent::kAbandoned) return false;
  const std::size_t count = (payload.size() - kHeaderBytes) / model::TraceId::kSize;
  if (event != CutEvent::kFrozen && count != 0) return false;
  record->event = event;
  record->cut = 0;
  for (int byte = 0; byte < 8; ++byte) {
    record->cut |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(payload[1 + byte])) << (8 * byte);
  }
  record->traces.resize(count);
  for (std::size_t i = 0; i < count; ++i) {
    std::memcpy(record->traces[i].mutable_bytes().data(), payload.data() + kHeaderBytes + i * model::TraceId::kSize,
                model::TraceId::kSize);
  }
  return true;
}

}  // namespace hoptrace::store::engine
