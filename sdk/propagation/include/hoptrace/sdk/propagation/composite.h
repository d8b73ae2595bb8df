#pragma once
// Several propagators as one, and the OTEL_PROPAGATORS setting.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hoptrace/sdk/propagation/text_map.h"

namespace hoptrace::sdk {

// OpenTelemetry's composite propagator: Inject runs every propagator in order; Extract runs them
// in order and each valid result replaces the previous one, so the last propagator that finds a
// valid context wins.
class CompositePropagator final : public TextMapPropagator {
 public:
  explicit CompositePropagator(std::vector<std::shared_ptr<const TextMapPropagator>> propagators);

  void Inject(const SpanContext& context, TextMapCarrier& carrier) const override;
  SpanContext Extract(const TextMapCarrier& carrier) const override;
  // The union of the members' fields, first occurrence order.
  std::vector<std::string_view> Fields() const override;

 private:
  std::vector<std::shared_ptr<const TextMapPropagator>> propagators_;
};

struct PropagatorSelection {
  std::shared_ptr<const TextMapPropagator> propagator;  // never null
  std::vector<std::string> warnings;                    // names that were ignored, and why
};

// Builds the propagator for an OTEL_PROPAGATORS value: a comma-separated list of
// tracecontext, b3 (single header), b3multi, baggage, none; case-insensitive, spaces ignored,
// duplicates collapsed. Empty means the OpenTelemetry default "tracecontext,baggage".
// hoptrace has no baggage yet: "baggage" is accepted and ignored with a warning (silently for the
// default). "none" alone selects a propagator that does nothing; unknown names are warnings.
PropagatorSelection PropagatorFromNames(std::string_view names);

}  // namespace hoptrace::sdk
