#pragma once
// A Tracer starts spans for one instrumentation scope (a library or a component of a service).

#include <optional>
#include <span>
#include <string_view>

#include "hoptrace/model/span.h"
#include "hoptrace/sdk/span.h"

namespace hoptrace::sdk {

struct LinkSpec {
  SpanContext context;
  KeyValues attributes;
};

struct StartSpanOptions {
  model::SpanKind kind = model::SpanKind::kInternal;
  // Parent of the new span. Unset: the thread's current context. An invalid context: a new root.
  std::optional<SpanContext> parent;
  std::uint64_t start_time_unix_nano = 0;  // 0: now
  KeyValues attributes;
  std::span<const LinkSpec> links;
};

class Tracer {
 public:
  Span StartSpan(std::string_view name, const StartSpanOptions& options = {});
  const model::InstrumentationScope& scope() const { return scope_; }

 private:
  friend class TracerProvider;
  Tracer(TracerProvider* provider, model::InstrumentationScope scope)
      : provider_(provider), scope_(std::move(scope)) {}

  TracerProvider* provider_;
  model::InstrumentationScope scope_;
};

}  // namespace hoptrace::sdk
