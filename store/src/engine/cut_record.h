#pragma once
// The WAL records that make recovery repeat the cuts a process made (RecordType::kCut), so a
// replayed span that a block already holds is dropped without looking it up in the blocks.
//
// A cut freezes some traces of the head (kFrozen: the cut's number and its trace IDs, appended under
// the WAL lock, so it sits exactly between the writes before and after the freeze), then either
// publishes their block (kCommitted) or gives them back to the head (kAbandoned). Replay does the
// same to the replayed head: a committed cut's spans are in a block, an abandoned or unfinished
// cut's spans stay in the head. Payload: event byte, cut number (u64 little-endian), then for
// kFrozen the trace IDs (16 bytes each).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hoptrace/model/span.h"

namespace hoptrace::store::engine {

enum class CutEvent : std::uint8_t { kFrozen = 1, kCommitted = 2, kAbandoned = 3 };

struct CutRecord {
  CutEvent event = CutEvent::kFrozen;
  std::uint64_t cut = 0;
  std::vector<model::TraceId> traces;  // kFrozen only
};

std::string EncodeCutRecord(const CutRecord& record);
// False when `payload` is not a cut record (wrong size or event).
bool DecodeCutRecord(std::string_view payload, CutRecord* record);

}  // namespace hoptrace::store::engine
