// Error origin: the deepest failed span whose children did not fail, and the callers above it that
// only passed the error up.

#include <algorithm>

#include "finders.h"
#include "hoptrace/analysis/span_semantics.h"

namespace hoptrace::analysis::internal {
namespace {

bool Failed(const SpanNode& node) { return node.span->status.code == model::StatusCode::kError; }

// What the span says about the failure: its status message, else the exception event's type and
// message, else the HTTP status code.
std::string ErrorDetail(const model::Span& span) {
  if (!span.status.message.empty()) return span.status.message;
  for (const model::Event& event : span.events) {
    if (event.name != "exception") continue;
    std::string detail;
    for (std::string_view key : {"exception.type", "exception.message"}) {
      const model::AttributeValue* value = model::FindAttribute(event.attributes, key);
      if (const auto* text = value ? std::get_if<std::string>(value) : nullptr) detail += (detail.empty() ? "" : ": ") + *text;
    }
    if (!detail.empty()) return detail;
  }
  for (std::string_view key : {"http.response.status_code", "http.status_code", "rpc.grpc.status_code"}) {
    if (const model::AttributeValue* value = model::FindAttribute(span.attributes, key)) {
      return std::string(key) + "=" + model::AttributeValueToString(*value);
    }
  }
  return "error status";
}

}  // namespace

void FindErrorOrigins(const Context& context, std::vector<Finding>* out) {
  const TraceView& view = context.view;
  std::vector<bool> child_failed(view.size(), false);
  for (std::size_t index = 0; index < view.size(); ++index) {
    const SpanNode& node = view.node(index);
    if (Failed(node) && node.parent != kNone) child_failed[node.parent] = true;
  }
  for (std::size_t index = 0; index < view.size(); ++index) {
    const SpanNode& node = view.node(index);
    if (!Failed(node) || child_failed[index]) continue;
    std::vector<std::size_t> passed_up;  // failed ancestors, nearest first, up to the first that did not fail
    for (std::size_t at = node.parent; at != kNone && Failed(view.node(at)); at = view.node(at).parent) {
      passed_up.push_back(at);
    }
    std::string headline = DescribeSpan(view, index) + " is where the error started (" + ErrorDetail(*node.span) + ")";
    if (!passed_up.empty()) {
      headline += "; " + std::to_string(passed_up.size()) + " caller(s) only passed it up, up to " +
                  DescribeSpan(view, passed_up.back());
    }
    headline += DecisiveSuffix(*node.span);
    Finding finding{FindingKind::kErrorOrigin, std::move(headline), context.subtree_critical[index], 0,
                    {context.Cite(index, context.subtree_critical[index], "error origin: " + ErrorDetail(*node.span))}};
    for (std::size_t caller : passed_up) finding.evidence.push_back(context.Cite(caller, 0, "passed the error up"));
    out->push_back(std::move(finding));
  }
}

}  // namespace hoptrace::analysis::internal
