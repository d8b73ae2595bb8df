#include "engine/trace_summary.h"

#include <algorithm>

namespace hoptrace::store::engine {

std::string ServiceOf(const model::Resource& resource) {
  const model::AttributeValue* value = model::FindAttribute(resource.attributes, model::kServiceNameKey);
  const auto* text = value ? std::get_if<std::string>(value) : nullptr;
  return text ? *text : std::string();
}

SummaryBuilder::SummaryBuilder(const model::TraceId& trace_id) {
  hit_.summary.trace_id = trace_id;
  hit_.summary.start_unix_nano = UINT64_MAX;
}

void SummaryBuilder::Add(const model::Span& span, const std::string& service) {
  TraceSummary& summary = hit_.summary;
  ++summary.span_count;
  if (span.status.code == model::StatusCode::kError) ++summary.error_count;
  if (!service.empty()) services_.insert(service);
  summary.start_unix_nano = std::min(summary.start_unix_nano, span.start_time_unix_nano);
  end_ = std::max(end_, span.end_time_unix_nano);
  // The root: a span without parent wins over any other; among equals, the earliest.
  const bool better_root = (span.IsRoot() && !hit_.root_found) ||
                           (span.IsRoot() == hit_.root_found && span.start_time_unix_nano < root_start_);
  if (better_root) {
    hit_.root_found = span.IsRoot();
    root_start_ = span.start_time_unix_nano;
    summary.root_service = service;
    summary.root_name = span.name;
  }
}

void SummaryBuilder::Add(const model::TraceBatch& trace) {
  for (const model::ResourceSpans& resource_spans : trace.resource_spans) {
    const std::string service = ServiceOf(resource_spans.resource);
    for (const model::ScopeSpans& scope_spans : resource_spans.scope_spans) {
      for (const model::Span& span : scope_spans.spans) Add(span, service);
    }
  }
}

block::TraceHit SummaryBuilder::Finish() && {
  TraceSummary& summary = hit_.summary;
  if (summary.span_count == 0) summary.start_unix_nano = 0;
  summary.duration_nanos = end_ > summary.start_unix_nano ? end_ - summary.start_unix_nano : 0;
  summary.services.assign(services_.begin(), services_.end());
  std::sort(summary.matched_spans.begin(), summary.matched_spans.end());
  summary.matched_spans.erase(std::unique(summary.matched_spans.begin(), summary.matched_spans.end()),
                              summary.matched_spans.end());
  return std::move(hit_);
}

}  // namespace hoptrace::store::engine
