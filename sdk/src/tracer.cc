#include "hoptrace/sdk/tracer.h"

#include "hoptrace/sdk/context.h"
#include "hoptrace/sdk/tracer_provider.h"
#include "id_generator.h"
#include "span_limits.h"

namespace hoptrace::sdk {
namespace {

void FillRecord(model::Span& span, const SpanContext& context, const SpanContext& parent, std::string_view name,
                const StartSpanOptions& options) {
  span.trace_id = context.trace_id();
  span.span_id = context.span_id();
  span.parent_span_id = parent.IsValid() ? parent.span_id() : model::SpanId();
  internal::AssignTraceState(span.trace_state, context.trace_state());
  span.flags = context.trace_flags();
  if (parent.IsValid()) {
    span.flags |= model::kSpanFlagHasIsRemote | (parent.IsRemote() ? model::kSpanFlagIsRemote : 0);
  }
  if (span.name != name) span.name.assign(name);  // recycled records often carry the same name
  span.kind = options.kind;
  span.start_time_unix_nano = options.start_time_unix_nano != 0 ? options.start_time_unix_nano : NowUnixNanos();
  span.end_time_unix_nano = 0;
  span.dropped_attributes_count = 0;
  span.dropped_events_count = 0;
  span.dropped_links_count = 0;
  span.status.code = model::StatusCode::kUnset;
}

}  // namespace

Span Tracer::StartSpan(std::string_view name, const StartSpanOptions& options) {
  const SpanContext& parent = options.parent ? *options.parent : CurrentContext();
  const bool has_parent = parent.IsValid();
  const TraceId trace_id = has_parent ? parent.trace_id() : internal::NewTraceId();
  const SpanId span_id = internal::NewSpanId();

  const SamplingDecision decision =
      provider_->is_shut_down()
          ? SamplingDecision::kDrop
          : provider_->sampler().ShouldSample(SamplingParameters{parent, trace_id, name, options.kind});
  // Other trace-flag bits are inherited from the parent; the sampled bit is this span's decision.
  const std::uint32_t flags = (parent.trace_flags() & ~model::kTraceFlagSampled & 0xffu) |
                              (decision == SamplingDecision::kRecordAndSample ? model::kTraceFlagSampled : 0);
  SpanContext context(trace_id, span_id, static_cast<std::uint8_t>(flags), /*is_remote=*/false,
                      has_parent ? parent.trace_state() : TraceState());
  if (decision == SamplingDecision::kDrop) return Span(std::move(context), nullptr, provider_);

  SpanRecordPtr record = provider_->AcquireRecord();
  record->scope = &scope_;
  model::Span& span = record->span;
  FillRecord(span, context, parent, name, options);
  const SpanLimits& limits = provider_->limits();
  for (const auto& [key, value] : options.attributes) {
    internal::SetLimitedAttribute(span.attributes, span.dropped_attributes_count, key, value, limits.attribute_count,
                                  limits);
  }
  for (const LinkSpec& link : options.links) {
    if (link.context.IsValid()) internal::AddLimitedLink(span, link.context, link.attributes, limits);
  }
  if (provider_->processor_) provider_->processor_->OnStart(*record);
  return Span(std::move(context), std::move(record), provider_);
}

}  // namespace hoptrace::sdk
