#pragma once
// KeyValue and AnyValue at the wire level, shared by the scanner (which validates every nested
// value as libprotobuf would) and the attribute readers (which trust bytes a scan accepted).

#include <cstdint>
#include <string_view>

#include "hoptrace/otlp/wire.h"
#include "value_convert.h"
#include "wire_format.h"

namespace hoptrace::otlp::wire::internal {

using otlp::internal::ValueKind;

// Why a scan refused a request.
enum class Problem : std::uint8_t { kNone, kMalformed, kInvalidUtf8, kTooDeep, kMerge };

// Validation on the way: a null Check* reads without validating nested values.
struct Check {
  Problem problem = Problem::kNone;
  bool Fail(Problem why) {
    if (problem == Problem::kNone) problem = why;
    return false;
  }
};

// An AnyValue while its fields are read: protobuf's oneof rule (the last field wins) except that a
// second array (or kvlist) following the first merges into it, which one view cannot show.
struct AnyValueState {
  ValueKind kind = ValueKind::kNone;
  std::string_view payload;  // string, bytes, array and kvlist values
  std::string_view field;    // the deciding field, tag included: an AnyValue encoding of the value
  std::uint64_t number = 0;  // bool and int varints, double bits
  bool needs_merge = false;
};

// Reads one encoded AnyValue into `state` (which may already hold an earlier occurrence of the same
// value: protobuf merges occurrences). `budget` is the AnyValue's recursion budget.
bool ReadAnyValue(std::string_view bytes, int budget, Check* check, AnyValueState* state);

// Reads one KeyValue. Its value may occur several times; `value` ends as protobuf would leave it.
bool ReadKeyValue(std::string_view bytes, int budget, Check* check, std::string_view* key, AnyValueState* value);

// The view of a finished value (not needing a merge). Arrays are classified by their items: one
// scalar kind (or none) gives a typed array, anything else an opaque value. False when malformed.
bool MakeValueView(const AnyValueState& state, ValueView* out);

// A scalar item or value as a view; false when `state` is not a scalar.
bool MakeScalarView(const AnyValueState& state, ValueView* out);

}  // namespace hoptrace::otlp::wire::internal
