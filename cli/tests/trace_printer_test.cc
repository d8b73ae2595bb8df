#include "trace_printer.h"

#include <gtest/gtest.h>

namespace hoptrace::cli {
namespace {

model::Span MakeSpan(std::uint64_t id, std::uint64_t parent, std::string name, std::uint64_t start_ms,
                     std::uint64_t end_ms) {
  model::Span span;
  span.trace_id = model::TraceId::FromHighLow(0xab, 0xcd);
  span.span_id = model::SpanId::FromHighLow(0, id);
  if (parent) span.parent_span_id = model::SpanId::FromHighLow(0, parent);
  span.name = std::move(name);
  span.start_time_unix_nano = start_ms * 1'000'000;
  span.end_time_unix_nano = end_ms * 1'000'000;
  return span;
}

model::TraceBatch Checkout() {
  model::TraceBatch trace;
  auto& gateway = trace.resource_spans.emplace_back();
  model::SetAttribute(gateway.resource.attributes, "service.name", std::string_view("gateway"));
  gateway.scope_spans.emplace_back().spans.push_back(MakeSpan(1, 0, "POST /checkout", 0, 1000));
  auto& payments = trace.resource_spans.emplace_back();
  model::SetAttribute(payments.resource.attributes, "service.name", std::string_view("payments"));
  auto& spans = payments.scope_spans.emplace_back().spans;
  spans.push_back(MakeSpan(2, 1, "POST /charge", 500, 1000));
  spans.back().status = {model::StatusCode::kError, "card declined"};
  model::SetAttribute(spans.back().attributes, "http.response.status_code", std::int64_t{502});
  spans.push_back(MakeSpan(3, 99, "lost child", 100, 200));
  return trace;
}

TEST(TracePrinterTest, PrintsTheTreeWithBarsOffsetsAndErrors) {
  EXPECT_EQ(FormatTraceTree(Checkout(), {.bar_width = 10}),
            "trace 00000000000000ab00000000000000cd  3 spans  1.000 s\n"
            "|==========| gateway: POST /checkout  +0 ns  1.000 s\n"
            "|     =====|   payments: POST /charge  +500.0 ms  500.0 ms  ERROR (card declined)\n"
            "| =        | payments: lost child  +100.0 ms  100.0 ms  [parent 0000000000000063 missing]\n"
            "1 span(s) reference a parent that is not in this trace (broken propagation or spans still arriving)\n");
}

TEST(TracePrinterTest, AttributesOnRequest) {
  const std::string text = FormatTraceTree(Checkout(), {.bar_width = 0, .attributes = true});
  EXPECT_NE(text.find("      http.response.status_code = 502\n"), std::string::npos) << text;
}

TEST(TracePrinterTest, Durations) {
  EXPECT_EQ(FormatDuration(120), "120 ns");
  EXPECT_EQ(FormatDuration(850'000), "850 µs");
  EXPECT_EQ(FormatDuration(12'345'678), "12.3 ms");
  EXPECT_EQ(FormatDuration(9'000'000'000), "9.000 s");
}

}  // namespace
}  // namespace hoptrace::cli
