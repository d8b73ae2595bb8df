#pragma once
// A batch that uses every part of the model, for round-trip tests of both encodings.

#include <cmath>
#include <limits>
#include <string>

#include "hoptrace/model/span.h"

namespace hoptrace::otlp::testing {

inline model::TraceId TestTraceId(std::uint8_t seed) {
  return model::TraceId::FromHighLow(0x0102030405060708ULL * seed, 0xa1b2c3d4e5f60718ULL + seed);
}
inline model::SpanId TestSpanId(std::uint8_t seed) { return model::SpanId::FromHighLow(0, 0x1122334455667700ULL + seed); }

inline void AddEveryAttributeType(model::Attributes* attributes) {
  using model::AttributeValue;
  const auto add = [attributes](std::string key, AttributeValue value) {
    attributes->push_back(model::Attribute{std::move(key), std::move(value)});
  };
  add("string", std::string("value with \"quotes\", \\ and \n\t control \x01 chars, héllo ✓ 😀"));
  add("empty.string", std::string());
  add("bool.true", true);
  add("bool.false", false);
  add("int", std::int64_t{-42});
  add("int.max", std::numeric_limits<std::int64_t>::max());
  add("int.min", std::numeric_limits<std::int64_t>::min());
  add("double", 3.14159);
  add("double.tiny", 5e-324);
  // NaN is tested on its own: NaN != NaN would break whole-batch equality.
  add("double.inf", std::numeric_limits<double>::infinity());
  add("double.neg_inf", -std::numeric_limits<double>::infinity());
  add("strings", std::vector<std::string>{"a", "", "ü"});
  add("bools", std::vector<bool>{true, false, true});
  add("ints", std::vector<std::int64_t>{1, -2, std::numeric_limits<std::int64_t>::max()});
  add("doubles", std::vector<double>{0.5, -1e300, 2.0});
}

// Every field set, over two resources with two and one scopes.
inline model::TraceBatch MakeFullBatch() {
  model::TraceBatch batch;
  for (std::uint8_t r = 1; r <= 2; ++r) {
    model::ResourceSpans& resource_spans = batch.resource_spans.emplace_back();
    resource_spans.resource.attributes.push_back({std::string(model::kServiceNameKey), std::string("svc-") + char('0' + r)});
    resource_spans.resource.dropped_attributes_count = r;
    resource_spans.schema_url = "https://opentelemetry.io/schemas/1.21.0";
    for (std::uint8_t s = 1; s <= 3 - r; ++s) {
      model::ScopeSpans& scope_spans = resource_spans.scope_spans.emplace_back();
      scope_spans.scope.name = "io.hoptrace.test";
      scope_spans.scope.version = "1." + std::to_string(s);
      scope_spans.scope.attributes.push_back({"scope.attr", std::int64_t{s}});
      scope_spans.scope.dropped_attributes_count = 3;
      scope_spans.schema_url = "https://example.com/scope-schema";
      for (std::uint8_t k = 0; k <= 5; ++k) {  // one span of each kind
        model::Span& span = scope_spans.spans.emplace_back();
        const auto seed = static_cast<std::uint8_t>(r * 40 + s * 10 + k);
        span.trace_id = TestTraceId(r);
        span.span_id = TestSpanId(seed);
        if (k != 0) span.parent_span_id = TestSpanId(static_cast<std::uint8_t>(seed - 1));
        span.trace_state = k % 2 ? "vendor=value,other=1" : "";
        span.flags = model::kTraceFlagSampled | (k % 2 ? model::kSpanFlagHasIsRemote | model::kSpanFlagIsRemote : 0);
        span.name = "operation " + std::to_string(k);
        span.kind = static_cast<model::SpanKind>(k);
        span.start_time_unix_nano = 1700000000000000000ULL + seed;
        span.end_time_unix_nano = 18446744073709551615ULL - seed;  // above 2^63: needs unsigned handling
        AddEveryAttributeType(&span.attributes);
        span.dropped_attributes_count = 7;
        model::Event& event = span.events.emplace_slot();
        event = {};
        event.time_unix_nano = span.start_time_unix_nano + 5;
        event.name = "exception";
        event.attributes.push_back({"exception.message", std::string("boom\r\n")});
        event.dropped_attributes_count = 1;
        span.events.push_back(model::Event{.time_unix_nano = 9, .name = "bare", .attributes = {}});
        span.dropped_events_count = 2;
        model::Link link;
        link.trace_id = TestTraceId(99);
        link.span_id = TestSpanId(99);
        link.trace_state = "linked=yes";
        link.attributes.push_back({"link.kind", std::string("follows")});
        link.dropped_attributes_count = 4;
        link.flags = model::kTraceFlagSampled | model::kSpanFlagHasIsRemote;
        span.links.push_back(link);
        span.dropped_links_count = 3;
        span.status.code = static_cast<model::StatusCode>(k % 3);
        span.status.message = k % 3 == 2 ? "failed: \"quoted\"" : "";
      }
    }
  }
  return batch;
}

}  // namespace hoptrace::otlp::testing
