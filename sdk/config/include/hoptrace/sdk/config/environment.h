#pragma once
// Builds the SDK from the standard OpenTelemetry environment variables, so a service configured
// for any OpenTelemetry SDK behaves the same with hoptrace:
//   OTEL_SDK_DISABLED, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES,
//   OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG, OTEL_PROPAGATORS, OTEL_TRACES_EXPORTER,
//   OTEL_EXPORTER_OTLP_[TRACES_]{ENDPOINT,PROTOCOL,HEADERS,TIMEOUT,COMPRESSION},
//   OTEL_BSP_{SCHEDULE_DELAY,EXPORT_TIMEOUT,MAX_QUEUE_SIZE,MAX_EXPORT_BATCH_SIZE},
//   OTEL_[SPAN_]ATTRIBUTE_{COUNT,VALUE_LENGTH}_LIMIT, OTEL_SPAN_{EVENT,LINK}_COUNT_LIMIT,
//   OTEL_{EVENT,LINK}_ATTRIBUTE_COUNT_LIMIT.
// An invalid value is never fatal: it produces a warning naming the variable, and the default is used.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hoptrace/sdk/exporters/otlp/otlp_exporter.h"
#include "hoptrace/sdk/propagation/text_map.h"
#include "hoptrace/sdk/tracer_provider.h"

namespace hoptrace::sdk::config {

// Looks a variable up; nullopt when unset. Tests pass a map, programs the process environment.
using EnvironmentLookup = std::function<std::optional<std::string>(std::string_view name)>;
EnvironmentLookup ProcessEnvironment();

enum class TracesExporter { kOtlp, kConsole, kNone };

// Everything the variables say, parsed and validated, before anything is built.
struct SdkSettings {
  bool disabled = false;
  model::Resource resource;
  std::shared_ptr<const Sampler> sampler;
  std::shared_ptr<const TextMapPropagator> propagator;
  TracesExporter exporter = TracesExporter::kOtlp;
  exporters::otlp::OtlpExporterOptions otlp;
  BatchSpanProcessorOptions batch;
  SpanLimits limits;
  std::vector<std::string> warnings;  // one line per ignored or invalid value
};

// `default_service_name` is service.name unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES names one.
SdkSettings ReadSettings(const EnvironmentLookup& lookup, std::string_view default_service_name = {});

struct ConfiguredSdk {
  std::unique_ptr<TracerProvider> provider;
  std::shared_ptr<const TextMapPropagator> propagator;
  std::vector<std::string> warnings;
};

// Reads the settings and builds a provider with a BatchSpanProcessor and the chosen exporter.
// Warnings are also written to stderr when `log_warnings`.
ConfiguredSdk ConfigureFromEnvironment(std::string_view default_service_name = {},
                                       const EnvironmentLookup& lookup = ProcessEnvironment(),
                                       bool log_warnings = true);

}  // namespace hoptrace::sdk::config
