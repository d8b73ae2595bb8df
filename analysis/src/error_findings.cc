// Error origin: the deepest failed span whose children did not fail, and the callers above it that
// only passed the error up.

#include <algorithm>

#include "finders.h"
#include "hoptrace/analysis/span_semantics.h"

namespace hoptrace::analysis::internal {
namespace {

// Error status, or an HTTP status that OpenTelemetry's conventions count as a failure (5xx for a
// server, 4xx and 5xx for a client) on a span whose instrumentation did not set the status.
bool Failed(const SpanNode& node) {
  const model::Span& span = *node.span;
  if (span.status.code != model::StatusCode::kUnset) return span.status.code == model::StatusCode::kError;
  for (std::string_view key : {"http.response.status_code", "http.status_code"}) {
    const model::AttributeValue* value = model::FindAttribute(span.attributes, key);
    const auto* code = value ? std::get_if<std::int64_t>(value) : nullptr;
    if (!code) continue;
    return *code >= 500 || (span.kind == model::SpanKind::kClient && *code >= 400);
  }
  return false;
}

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

// The failed span an error at `index` was passed up to: its nearest failed ancestor, looking past
// client spans without a status (a client span between two failed server spans often records none).
std::size_t PassedTo(const TraceView& view, const std::vector<bool>& failed, std::size_t index) {
  for (std::size_t at = view.node(index).parent; at != kNone; at = view.node(at).parent) {
    if (failed[at]) return at;
    if (view.node(at).span->kind != model::SpanKind::kClient) return kNone;
  }
  return kNone;
}

}  // namespace

void FindErrorOrigins(const Context& context, std::vector<Finding>* out) {
  const TraceView& view = context.view;
  std::vector<bool> failed(view.size(), false), passes_up(view.size(), false);
  for (std::size_t index = 0; index < view.size(); ++index) failed[index] = Failed(view.node(index));
  for (std::size_t index = 0; index < view.size(); ++index) {
    if (!failed[index]) continue;
    if (const std::size_t to = PassedTo(view, failed, index); to != kNone) passes_up[to] = true;
  }
  for (std::size_t index = 0; index < view.size(); ++index) {
    if (!failed[index] || passes_up[index]) continue;
    const SpanNode& node = view.node(index);
    std::vector<std::size_t> passed_up;  // the callers that only passed it up, nearest first
    for (std::size_t at = PassedTo(view, failed, index); at != kNone; at = PassedTo(view, failed, at)) {
      passed_up.push_back(at);
    }
    // An error at the top explains only the top's own time on the path, not the whole trace.
    const std::uint64_t explained =
        index == view.top() ? context.path.contribution[index] : context.subtree_critical[index];
    std::string headline = DescribeSpan(view, index) + " is where the error started (" + ErrorDetail(*node.span) + ")";
    if (!passed_up.empty()) {
      headline += "; " + std::to_string(passed_up.size()) + " caller(s) only passed it up, up to " +
                  DescribeSpan(view, passed_up.back());
    }
    headline += DecisiveSuffix(*node.span);
    Finding finding{FindingKind::kErrorOrigin, std::move(headline), explained, 0,
                    {context.Cite(index, explained, "error origin: " + ErrorDetail(*node.span))}};
    for (std::size_t caller : passed_up) finding.evidence.push_back(context.Cite(caller, 0, "passed the error up"));
    out->push_back(std::move(finding));
  }
}

}  // namespace hoptrace::analysis::internal
