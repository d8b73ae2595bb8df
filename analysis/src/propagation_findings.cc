// Broken propagation: orphans (a parent ID that is not in the trace) and the split trace (the trace
// starts at a SERVER or CONSUMER span whose remote caller recorded its span in another trace).

#include <algorithm>
#include <map>

#include "finders.h"
#include "hoptrace/analysis/span_semantics.h"

namespace hoptrace::analysis::internal {
namespace {

// A SERVER or CONSUMER span whose parent is remote (or not known to be local).
bool IsRemoteEntry(const model::Span& span) {
  const bool remote = (span.flags & model::kSpanFlagHasIsRemote) == 0 || (span.flags & model::kSpanFlagIsRemote) != 0;
  return remote && (span.kind == model::SpanKind::kServer || span.kind == model::SpanKind::kConsumer);
}

std::string ShortId(const model::SpanId& id) { return id.ToHex(); }

// The CLIENT/PRODUCER span of this trace, without children, whose time contains the orphan's: the
// call whose context did not reach the orphan's service. kNone when there is none.
std::size_t LikelyCallerInTrace(const TraceView& view, std::size_t orphan) {
  const SpanNode& target = view.node(orphan);
  std::size_t best = kNone;
  for (std::size_t index = 0; index < view.size(); ++index) {
    const SpanNode& node = view.node(index);
    const model::SpanKind kind = node.span->kind;
    if ((kind != model::SpanKind::kClient && kind != model::SpanKind::kProducer) || !node.children.empty()) continue;
    const bool contains = node.start <= target.start && node.end >= target.end;
    if (contains && (best == kNone || node.Duration() < view.node(best).Duration())) best = index;
  }
  return best;
}

void FindOrphans(const Context& context, bool split, std::vector<Finding>* out) {
  const TraceView& view = context.view;
  std::map<model::SpanId, std::vector<std::size_t>> by_missing_parent;
  for (std::size_t orphan : view.orphans()) {
    if (split && orphan == view.top()) continue;  // reported as the split trace
    by_missing_parent[view.node(orphan).span->parent_span_id].push_back(orphan);
  }
  std::size_t caller_searches = 10;  // each is a pass over the trace
  for (const auto& [missing, orphans] : by_missing_parent) {
    const std::size_t first = orphans.front();
    const SpanNode& node = view.node(first);
    std::uint64_t duration = 0;
    for (std::size_t orphan : orphans) duration += view.node(orphan).Duration();
    std::string headline = std::to_string(orphans.size()) + " span(s) of " + std::string(node.service) + " (" +
                           node.span->name + ") name parent " + ShortId(missing) +
                           ", which is not in this trace: trace context was lost on the way to " +
                           std::string(node.service) + ", or the parent's spans never arrived";
    Finding finding{FindingKind::kOrphans, "", duration, 0, {}};
    const std::size_t caller = caller_searches > 0 ? LikelyCallerInTrace(view, first) : kNone;
    caller_searches -= caller_searches > 0 ? 1 : 0;
    if (caller != kNone) {
      headline += "; likely caller: " + DescribeSpan(view, caller) + " (span " + view.node(caller).span->span_id.ToHex() +
                  ", no child span)";
      finding.evidence.push_back(context.Cite(caller, 0, "likely caller: a call without a child span around the orphan"));
    }
    finding.headline = std::move(headline);
    for (std::size_t orphan : orphans) {
      finding.evidence.push_back(context.Cite(orphan, view.node(orphan).Duration(), "parent " + ShortId(missing) + " missing"));
    }
    out->push_back(std::move(finding));
  }
}

// What a caller's span would say about the callee.
std::vector<std::pair<std::string, std::string>> PeerAttributes(const SpanNode& top) {
  std::vector<std::pair<std::string, std::string>> attributes = {{"peer.service", std::string(top.service)}};
  if (!top.host.empty()) attributes.emplace_back("server.address", std::string(top.host));
  for (std::string_view key : {"server.address", "http.route", "url.path", "rpc.service", "rpc.method",
                               "messaging.destination.name"}) {
    const std::string_view value = StringAttribute(*top.span, {key});
    if (!value.empty()) attributes.emplace_back(std::string(key), std::string(value));
  }
  return attributes;
}

// How well `span` (of another trace) fits as the caller of the split trace's top.
CandidateParent Score(const model::Span& span, std::string_view service, const ParentSearch& search,
                      const SpanNode& top, std::uint64_t tolerance) {
  CandidateParent candidate{span.trace_id, span.span_id, std::string(service), span.name, 0, {}};
  const auto matched = [&](int points, std::string what) {
    candidate.score += points;
    candidate.reason += (candidate.reason.empty() ? "" : ", ") + what;
  };
  if (span.span_id == search.missing_parent) matched(100, "its span ID is the missing parent");
  const bool is_call = span.kind == model::SpanKind::kClient || span.kind == model::SpanKind::kProducer;
  const bool contains = span.start_time_unix_nano <= top.start + tolerance && span.end_time_unix_nano + tolerance >= top.end;
  if (candidate.score == 0 && (!is_call || !contains)) return candidate;
  if (contains) matched(1, "its time contains the call");
  for (const auto& [key, value] : search.peer_attributes) {
    const std::string_view theirs = StringAttribute(span, {key});
    if (!theirs.empty() && (theirs == value || NormalizePath(theirs) == NormalizePath(value))) matched(3, key + "=" + value);
  }
  if (span.name == top.span->name) matched(2, "same operation name");
  return candidate;
}

void FindCandidates(const Context& context, const ParentSearch& search, std::vector<CandidateParent>* candidates) {
  const SpanNode& top = context.view.node(context.view.top());
  const std::uint64_t tolerance = top.Duration() / 10 + 100'000'000;
  for (const model::TraceBatch& batch : context.options.parent_source->FindCandidates(search)) {
    for (const model::ResourceSpans& resource_spans : batch.resource_spans) {
      const std::string_view service = ServiceOf(resource_spans.resource);
      for (const model::ScopeSpans& scope_spans : resource_spans.scope_spans) {
        for (const model::Span& span : scope_spans.spans) {
          if (span.trace_id == search.trace_id) continue;
          CandidateParent candidate = Score(span, service, search, top, tolerance);
          if (candidate.score >= 4) candidates->push_back(std::move(candidate));  // time and one attribute at least
        }
      }
    }
  }
  std::sort(candidates->begin(), candidates->end(),
            [](const CandidateParent& a, const CandidateParent& b) { return a.score > b.score; });
  if (candidates->size() > 5) candidates->resize(5);
}

void FindSplitTrace(const Context& context, std::vector<CandidateParent>* candidates, std::vector<Finding>* out) {
  const std::size_t top_index = context.view.top();
  const SpanNode& top = context.view.node(top_index);
  ParentSearch search{top.span->trace_id,
                      top.span->parent_span_id,
                      std::string(top.service),
                      top.span->name,
                      top.start > context.options.split_window_nanos ? top.start - context.options.split_window_nanos : 0,
                      top.end,
                      PeerAttributes(top)};
  if (context.options.parent_source) FindCandidates(context, search, candidates);
  std::string headline = "split trace: " + std::string(top.service) + " " + top.span->name + " (" +
                         model::SpanKindName(top.span->kind) + ") was called by span " + ShortId(top.span->parent_span_id) +
                         ", which is not in this trace: the caller's trace context did not reach " +
                         std::string(top.service) + " (or it started a new trace)";
  if (!candidates->empty()) {
    const CandidateParent& best = candidates->front();
    headline += "; likeliest caller: " + best.service + " " + best.operation + " in trace " + best.trace_id.ToHex() +
                " (" + best.reason + ")";
  } else if (!context.options.parent_source) {
    headline += "; search the store for its caller to join the two halves";
  }
  out->push_back({FindingKind::kSplitTrace, std::move(headline), top.Duration(), 0,
                  {context.Cite(top_index, top.Duration(), "remote parent " + ShortId(top.span->parent_span_id) + " missing")}});
}

}  // namespace

void FindBrokenPropagation(const Context& context, std::vector<CandidateParent>* candidates, std::vector<Finding>* out) {
  const TraceView& view = context.view;
  const bool split = view.roots().empty() && IsRemoteEntry(*view.node(view.top()).span);
  if (split) FindSplitTrace(context, candidates, out);
  FindOrphans(context, split, out);
}

}  // namespace hoptrace::analysis::internal
