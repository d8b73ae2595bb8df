#include "hoptrace/sdk/tracer_provider.h"

#include "span_record_pool.h"
#include "thread_index.h"

namespace hoptrace::sdk {
namespace {

std::unique_ptr<SpanProcessor> CombineProcessors(std::vector<std::unique_ptr<SpanProcessor>> processors) {
  if (processors.empty()) return nullptr;
  if (processors.size() == 1) return std::move(processors.front());
  return std::make_unique<MultiSpanProcessor>(std::move(processors));
}

}  // namespace

model::Resource DefaultResource(std::string_view service_name) {
  model::Resource resource;
  model::SetAttribute(resource.attributes, "service.name",
                      service_name.empty() ? std::string_view("unknown_service") : service_name);
  model::SetAttribute(resource.attributes, "telemetry.sdk.name", std::string_view("hoptrace"));
  model::SetAttribute(resource.attributes, "telemetry.sdk.language", std::string_view("cpp"));
  model::SetAttribute(resource.attributes, "telemetry.sdk.version", std::string_view("0.1.0"));
  return resource;
}

TracerProvider::TracerProvider(TracerProviderOptions options)
    : resource_(std::move(options.resource)),
      sampler_(options.sampler ? std::move(options.sampler) : ParentBasedSampler(AlwaysOnSampler())),
      limits_(options.limits),
      pool_(std::make_unique<SpanRecordPool>(options.record_pool_size, internal::DefaultStripeCount())),
      processor_(CombineProcessors(std::move(options.processors))) {}

TracerProvider::~TracerProvider() { Shutdown(); }

Tracer& TracerProvider::GetTracer(std::string_view name, std::string_view version) {
  std::lock_guard lock(tracers_mutex_);
  for (const auto& tracer : tracers_) {
    if (tracer->scope().name == name && tracer->scope().version == version) return *tracer;
  }
  model::InstrumentationScope scope;
  scope.name = name;
  scope.version = version;
  tracers_.push_back(std::unique_ptr<Tracer>(new Tracer(this, std::move(scope))));
  return *tracers_.back();
}

bool TracerProvider::ForceFlush(std::chrono::milliseconds timeout) {
  return processor_ ? processor_->ForceFlush(timeout) : true;
}

void TracerProvider::Shutdown(std::chrono::milliseconds timeout) {
  if (shut_down_.exchange(true)) return;
  if (processor_) processor_->Shutdown(timeout);
}

SpanRecordPtr TracerProvider::AcquireRecord() {
  SpanRecordPtr record = pool_->Acquire();
  record->resource = &resource_;
  return record;
}

void TracerProvider::OnEnd(SpanRecordPtr record) {
  // Record-only spans (sampled flag 0) are visible to OnStart but never exported.
  const bool sampled = (record->span.flags & model::kTraceFlagSampled) != 0;
  if (processor_ && sampled && !is_shut_down()) processor_->OnEnd(std::move(record));
}

}  // namespace hoptrace::sdk
