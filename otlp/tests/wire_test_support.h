#pragma once
// Checks shared by the wire tests.

#include <gtest/gtest.h>

#include <string>
#include <vector>

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

// ReadSpanDetails reads of a span's bytes what DecodeSpan decodes: every detail, whether there are
// events or links, and the attributes in order (keys and value types; the attribute view tests
// compare the values).
inline void ExpectSpanDetailsMatch(std::string_view encoded_span, const model::Span& span) {
  wire::SpanDetails details;
  std::vector<std::string_view> attributes;
  ASSERT_TRUE(wire::ReadSpanDetails(encoded_span, &attributes, &details));
  std::vector<std::string> keys;
  std::vector<std::size_t> types;
  for (const std::string_view attribute : attributes) {
    std::string_view key;
    wire::ValueView value;
    model::AttributeValue decoded;
    EXPECT_TRUE(wire::ParseAttribute(attribute, &key, &value) && wire::DecodeValue(value, &decoded));
    keys.emplace_back(key);
    types.push_back(decoded.index());
  }
  EXPECT_EQ(details.trace_state, span.trace_state);
  EXPECT_EQ(details.status_message, span.status.message);
  EXPECT_EQ(details.flags, span.flags);
  EXPECT_EQ(details.dropped_attributes_count, span.dropped_attributes_count);
  EXPECT_EQ(details.dropped_events_count, span.dropped_events_count);
  EXPECT_EQ(details.dropped_links_count, span.dropped_links_count);
  EXPECT_EQ(details.has_events_or_links, !span.events.empty() || !span.links.empty());
  std::vector<std::string> expected_keys;
  std::vector<std::size_t> expected_types;
  for (const model::Attribute& attribute : span.attributes) {
    expected_keys.push_back(attribute.key);
    expected_types.push_back(attribute.value.index());
  }
  EXPECT_EQ(keys, expected_keys);
  EXPECT_EQ(types, expected_types);
}

}  // namespace hoptrace::otlp::testing
