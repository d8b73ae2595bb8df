#pragma once
// Checks shared by the wire tests.

#include <gtest/gtest.h>

#include "hoptrace/model/span.h"
#include "hoptrace/otlp/wire.h"

namespace hoptrace::otlp::testing {

// Every field a SpanRef carries equals the decoded span's.
inline void ExpectSpanRefMatches(const wire::SpanRef& ref, const model::Span& span) {
  EXPECT_EQ(ref.trace_id, span.trace_id);
  EXPECT_EQ(ref.span_id, span.span_id);
  EXPECT_EQ(ref.parent_span_id, span.parent_span_id);
  EXPECT_EQ(ref.start_unix_nanos, span.start_time_unix_nano);
  EXPECT_EQ(ref.end_unix_nanos, span.end_time_unix_nano);
  EXPECT_EQ(ref.flags, span.flags);
  EXPECT_EQ(ref.kind, span.kind);
  EXPECT_EQ(ref.status_code, span.status.code);
  EXPECT_EQ(ref.name, span.name);
  EXPECT_EQ(ref.trace_state, span.trace_state);
}

}  // namespace hoptrace::otlp::testing
