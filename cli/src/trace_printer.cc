#include "trace_printer.h"

#include <algorithm>
#include <cstdio>

#include "hoptrace/model/trace_tree.h"

namespace hoptrace::cli {
namespace {

std::string Bar(const model::Span& span, std::uint64_t trace_start, std::uint64_t trace_duration,
                std::size_t width) {
  if (width == 0) return {};
  std::string bar(width, ' ');
  if (trace_duration == 0) return "|" + bar + "|";
  auto column = [&](std::uint64_t t) {
    const double share = static_cast<double>(std::clamp(t, trace_start, trace_start + trace_duration) - trace_start) /
                         static_cast<double>(trace_duration);
    return static_cast<std::size_t>(share * static_cast<double>(width));
  };
  const std::size_t from = std::min(column(span.start_time_unix_nano), width - 1);
  const std::size_t to = std::max(from + 1, std::min(column(span.end_time_unix_nano), width));
  for (std::size_t i = from; i < to; ++i) bar[i] = '=';
  return "|" + bar + "|";
}

void AppendDetails(std::string& out, const model::Span& span, const std::string& indent) {
  for (const auto& attribute : span.attributes) {
    out += indent + "    " + attribute.key + " = " + model::AttributeValueToString(attribute.value) + "\n";
  }
  for (const auto& event : span.events) {
    out += indent + "    event \"" + event.name + "\" at +" +
           FormatDuration(event.time_unix_nano > span.start_time_unix_nano
                              ? event.time_unix_nano - span.start_time_unix_nano
                              : 0) +
           "\n";
  }
}

}  // namespace

std::string FormatDuration(std::uint64_t nanos) {
  char buffer[32];
  if (nanos >= 1'000'000'000) {
    std::snprintf(buffer, sizeof buffer, "%.3f s", static_cast<double>(nanos) / 1e9);
  } else if (nanos >= 1'000'000) {
    std::snprintf(buffer, sizeof buffer, "%.1f ms", static_cast<double>(nanos) / 1e6);
  } else if (nanos >= 1'000) {
    std::snprintf(buffer, sizeof buffer, "%.0f µs", static_cast<double>(nanos) / 1e3);
  } else {
    std::snprintf(buffer, sizeof buffer, "%llu ns", static_cast<unsigned long long>(nanos));
  }
  return buffer;
}

std::string FormatTraceTree(const model::TraceBatch& trace, const PrintOptions& options) {
  const model::TraceTree tree = model::TraceTree::Build(trace);
  if (tree.nodes().empty()) return "(no spans)\n";
  const std::uint64_t start = tree.StartUnixNano();
  const std::uint64_t duration = tree.EndUnixNano() > start ? tree.EndUnixNano() - start : 0;
  std::string out = "trace " + tree.nodes().front().span->trace_id.ToHex() + "  " +
                    std::to_string(tree.nodes().size()) + " spans  " + FormatDuration(duration) + "\n";
  const std::size_t orphan_count = tree.orphans().size();
  tree.ForEachDepthFirst([&](const model::TraceTree::Node& node) {
    const model::Span& span = *node.span;
    const std::string indent(2 * node.depth, ' ');
    const bool orphan = node.depth == 0 && !span.IsRoot();
    out += Bar(span, start, duration, options.bar_width) + " " + indent + std::string(model::ServiceName(*node.resource)) +
           ": " + span.name + "  +" + FormatDuration(span.start_time_unix_nano - start) + "  " +
           FormatDuration(span.DurationNanos());
    if (span.status.code == model::StatusCode::kError) {
      out += "  ERROR";
      if (!span.status.message.empty()) out += " (" + span.status.message + ")";
    }
    if (orphan) out += "  [parent " + span.parent_span_id.ToHex() + " missing]";
    out += "\n";
    if (options.attributes) AppendDetails(out, span, indent);
  });
  if (orphan_count > 0) {
    out += std::to_string(orphan_count) + " span(s) reference a parent that is not in this trace (broken propagation or spans still arriving)\n";
  }
  return out;
}

}  // namespace hoptrace::cli
