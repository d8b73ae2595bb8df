// Store::WriteOtlp's default: decode the scanned spans into the model and Write them.

#include "hoptrace/otlp/wire.h"
#include "hoptrace/store/store.h"

namespace hoptrace::store {

bool DecodeOtlpSpans(const OtlpSpans& spans, model::TraceBatch* out) {
  const otlp::wire::ScannedRequest& scan = spans.scan;
  // Where each of the request's resources and scopes went in `out` (-1: not yet).
  std::vector<std::ptrdiff_t> resource_slot(scan.resources.size(), -1);
  std::vector<std::ptrdiff_t> scope_slot(scan.scopes.size(), -1);
  for (const otlp::wire::SpanRef& span : scan.spans) {
    const otlp::wire::ScopeRef& scope = scan.scopes[span.scope];
    std::ptrdiff_t& resource_index = resource_slot[scope.resource];
    if (resource_index < 0) {
      const otlp::wire::ResourceRef& resource = scan.resources[scope.resource];
      resource_index = static_cast<std::ptrdiff_t>(out->resource_spans.size());
      model::ResourceSpans& added = out->resource_spans.emplace_back();
      added.schema_url = resource.schema_url;
      if (!otlp::wire::DecodeResource(resource.encoded, &added.resource)) return false;
    }
    model::ResourceSpans& resource_spans = out->resource_spans[static_cast<std::size_t>(resource_index)];
    std::ptrdiff_t& scope_index = scope_slot[span.scope];
    if (scope_index < 0) {
      scope_index = static_cast<std::ptrdiff_t>(resource_spans.scope_spans.size());
      model::ScopeSpans& added = resource_spans.scope_spans.emplace_back();
      added.schema_url = scope.schema_url;
      if (!otlp::wire::DecodeScope(scope.encoded, &added.scope)) return false;
    }
    model::ScopeSpans& scope_spans = resource_spans.scope_spans[static_cast<std::size_t>(scope_index)];
    if (!otlp::wire::DecodeSpan(span.encoded, &scope_spans.spans.emplace_back())) return false;
  }
  return true;
}

Status Store::WriteOtlp(const OtlpSpans& spans) {
  model::TraceBatch batch;
  if (!DecodeOtlpSpans(spans, &batch)) {
    return Status::Error(Status::Code::kInvalidArgument, "a scanned OTLP span does not decode");
  }
  return Write(batch);
}

}  // namespace hoptrace::store
