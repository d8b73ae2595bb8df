// Shapes among a parent's children: N+1 (many calls of one shape), serial calls that could run in
// parallel (a staircase), and floods of tiny spans.

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "finders.h"
#include "hoptrace/analysis/span_semantics.h"

namespace hoptrace::analysis::internal {
namespace {

bool IsCall(const TraceView& view, std::size_t index) {
  const SpanNode& node = view.node(index);
  const model::SpanKind kind = node.span->kind;
  if (node.async) return false;
  if (kind == model::SpanKind::kClient || kind == model::SpanKind::kProducer) return true;
  return node.parent != kNone && view.node(node.parent).service != node.service;
}

// "inventory GetStock": who is called, and what.
std::string CallName(const TraceView& view, std::size_t index) {
  const std::string description = DescribeSpan(view, index);
  const std::size_t arrow = description.find(" → ");
  return arrow == std::string::npos ? description : description.substr(arrow + std::string_view(" → ").size());
}

void FindNPlusOne(const Context& context, std::size_t parent, std::vector<Finding>* out) {
  const SpanNode& node = context.view.node(parent);
  std::unordered_map<std::string, std::vector<std::size_t>> by_shape;
  for (std::size_t child : node.children) {
    if (!context.calls[child].database && !context.calls[child].http) continue;
    std::string shape = CallShape(*context.view.node(child).span);
    if (!shape.empty()) by_shape[std::move(shape)].push_back(child);
  }
  for (auto& [shape, calls] : by_shape) {
    if (calls.size() < context.options.n_plus_one_min_calls) continue;
    std::uint64_t total = 0, on_path = 0;
    for (std::size_t call : calls) {
      total += context.view.node(call).Duration();
      on_path += context.subtree_critical[call];
    }
    const bool database = context.calls[calls.front()].database;
    Finding finding{FindingKind::kNPlusOne,
                    DescribeSpan(context.view, parent) + " made " + std::to_string(calls.size()) + " similar " +
                        (database ? "queries" : "HTTP calls") + " (N+1) to " + CallName(context.view, calls.front()) +
                        ", " + FormatNanos(total) + " in all, " + FormatNanos(on_path) + " (" +
                        context.Percent(on_path) + ") on the critical path: batch them; shape: " + shape.substr(shape.find(' ') + 1),
                    on_path, 0, {}};
    for (std::size_t call : calls) finding.evidence.push_back(context.Cite(call, context.subtree_critical[call]));
    out->push_back(std::move(finding));
  }
}

// Maximal runs of calls to different operations, each starting after the previous one ended.
void FindSerialCalls(const Context& context, std::size_t parent, std::vector<Finding>* out) {
  const TraceView& view = context.view;
  std::vector<std::size_t> calls;
  for (std::size_t child : view.node(parent).children) {
    if (IsCall(view, child)) calls.push_back(child);
  }
  std::vector<std::string> names(calls.size());
  for (std::size_t i = 0; i < calls.size(); ++i) names[i] = CallName(view, calls[i]);
  const auto report = [&](std::size_t begin, std::size_t end) {
    if (end - begin < context.options.serial_min_calls) return;
    std::uint64_t sum = 0, longest = 0, on_path = 0;
    std::string listed;
    for (std::size_t i = begin; i < end; ++i) {
      const std::uint64_t duration = view.node(calls[i]).Duration();
      sum += duration;
      longest = std::max(longest, duration);
      on_path += context.subtree_critical[calls[i]];
      listed += (i == begin ? "" : ", ") + names[i];
    }
    const std::uint64_t saving = std::min(sum - longest, on_path);
    if (context.Share(saving) < context.options.serial_min_saving_share) return;
    Finding finding{FindingKind::kSerialCalls,
                    DescribeSpan(view, parent) + " calls " + listed + " one after another (" + FormatNanos(sum) +
                        "); in parallel they would take " + FormatNanos(longest) + ", saving " + FormatNanos(saving) +
                        " (" + context.Percent(saving) + ")",
                    saving, 0, {}};
    for (std::size_t i = begin; i < end; ++i) finding.evidence.push_back(context.Cite(calls[i], context.subtree_critical[calls[i]]));
    out->push_back(std::move(finding));
  };
  std::unordered_set<std::string_view> names_in_run;
  std::size_t run_begin = 0;
  for (std::size_t i = 0; i <= calls.size(); ++i) {
    bool continues = i > 0 && i < calls.size();
    if (continues) {
      const SpanNode& previous = view.node(calls[i - 1]);
      const SpanNode& next = view.node(calls[i]);
      const std::uint64_t allowed_pause = std::max<std::uint64_t>(1'000'000, previous.Duration() / 4);
      continues = next.start >= previous.end && next.start - previous.end <= allowed_pause &&
                  !names_in_run.contains(names[i]);  // a repeated call is N+1's business
    }
    if (!continues) {
      if (i > 0) report(run_begin, i);
      run_begin = i;
      names_in_run.clear();
    }
    if (i < calls.size()) names_in_run.insert(names[i]);
  }
}

void FindTinyFlood(const Context& context, std::size_t parent, std::vector<Finding>* out) {
  const TraceView& view = context.view;
  std::vector<std::size_t> tiny;
  for (std::size_t child : view.node(parent).children) {
    if (view.node(child).Duration() < context.options.tiny_span_max_nanos) tiny.push_back(child);
  }
  if (tiny.size() < context.options.tiny_flood_min_children) return;
  Finding finding{FindingKind::kTinySpanFlood,
                  DescribeSpan(view, parent) + " has " + std::to_string(tiny.size()) + " child spans shorter than " +
                      FormatNanos(context.options.tiny_span_max_nanos) + " (e.g. " + CallName(view, tiny.front()) +
                      "): noise that hides the waterfall; aggregate them into one span or an event",
                  0, 0, {context.Cite(parent, 0, std::to_string(tiny.size()) + " tiny children")}};
  for (std::size_t child : tiny) finding.evidence.push_back(context.Cite(child, 0));
  out->push_back(std::move(finding));
}

}  // namespace

void FindPatterns(const Context& context, std::vector<Finding>* out) {
  const std::size_t fewest = std::min({context.options.n_plus_one_min_calls, context.options.serial_min_calls,
                                       context.options.tiny_flood_min_children});
  for (std::size_t parent = 0; parent < context.view.size(); ++parent) {
    const std::size_t children = context.view.node(parent).children.size();
    if (children < fewest) continue;
    if (children >= context.options.n_plus_one_min_calls) FindNPlusOne(context, parent, out);
    if (children >= context.options.serial_min_calls) FindSerialCalls(context, parent, out);
    if (children >= context.options.tiny_flood_min_children) FindTinyFlood(context, parent, out);
  }
}

}  // namespace hoptrace::analysis::internal
