#include "hoptrace/sdk/config/environment.h"

#include <charconv>
#include <cstdlib>
#include <iostream>

#include "hoptrace/sdk/exporters/console/console_exporter.h"
#include "hoptrace/sdk/propagation/composite.h"

namespace hoptrace::sdk::config {
namespace {

namespace otlp = exporters::otlp;

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

// Reads variables and collects warnings; every getter falls back to the default on bad input.
class Reader {
 public:
  Reader(const EnvironmentLookup& lookup, std::vector<std::string>& warnings)
      : lookup_(lookup), warnings_(warnings) {}

  std::optional<std::string> Get(std::string_view name) const {
    auto value = lookup_(name);
    if (value && Trim(*value).empty()) return std::nullopt;  // empty means unset, per the spec
    return value;
  }

  std::string String(std::string_view name, std::string_view fallback = {}) const {
    auto value = Get(name);
    return value ? std::string(Trim(*value)) : std::string(fallback);
  }

  // The first of `names` that is set (e.g. the signal-specific variable before the generic one).
  std::string FirstString(std::initializer_list<std::string_view> names) const {
    for (auto name : names) {
      if (auto value = Get(name)) return std::string(Trim(*value));
    }
    return {};
  }

  std::optional<std::uint64_t> Unsigned(std::string_view name) const {
    auto value = Get(name);
    if (!value) return std::nullopt;
    const std::string_view text = Trim(*value);
    std::uint64_t parsed = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), parsed);
    if (error != std::errc() || end != text.data() + text.size()) {
      Warn(name, *value, "expected a non-negative integer");
      return std::nullopt;
    }
    return parsed;
  }

  void Size(std::string_view name, std::size_t& target) const {
    if (auto value = Unsigned(name)) target = static_cast<std::size_t>(*value);
  }
  void Millis(std::string_view name, std::chrono::milliseconds& target) const {
    if (auto value = Unsigned(name)) target = std::chrono::milliseconds(*value);
  }

  bool Bool(std::string_view name) const {
    auto value = Get(name);
    if (!value) return false;
    const std::string lowered = Lower(Trim(*value));
    if (lowered == "true") return true;
    if (lowered != "false") Warn(name, *value, "expected true or false");
    return false;
  }

  void Warn(std::string_view name, std::string_view value, std::string_view problem) const {
    warnings_.push_back(std::string(name) + "=\"" + std::string(value) + "\": " + std::string(problem) +
                        "; using the default");
  }

 private:
  const EnvironmentLookup& lookup_;
  std::vector<std::string>& warnings_;
};

model::Resource ReadResource(const Reader& env, std::string_view default_service_name) {
  model::Resource resource = DefaultResource(default_service_name);
  const std::string attributes = env.String("OTEL_RESOURCE_ATTRIBUTES");
  if (!attributes.empty()) {
    if (auto pairs = otlp::ParseOtlpHeaders(attributes)) {
      for (const auto& [key, value] : *pairs) model::SetAttribute(resource.attributes, key, std::string_view(value));
    } else {
      env.Warn("OTEL_RESOURCE_ATTRIBUTES", attributes, "expected key=value pairs separated by commas");
    }
  }
  const std::string service_name = env.String("OTEL_SERVICE_NAME");
  if (!service_name.empty()) model::SetAttribute(resource.attributes, model::kServiceNameKey, std::string_view(service_name));
  return resource;
}

double ReadSamplerRatio(const Reader& env) {
  auto text = env.Get("OTEL_TRACES_SAMPLER_ARG");
  if (!text) return 1.0;
  const std::string_view trimmed = Trim(*text);
  double ratio = 0;
  auto [end, error] = std::from_chars(trimmed.data(), trimmed.data() + trimmed.size(), ratio);
  if (error != std::errc() || end != trimmed.data() + trimmed.size() || ratio < 0.0 || ratio > 1.0) {
    env.Warn("OTEL_TRACES_SAMPLER_ARG", *text, "expected a ratio between 0 and 1");
    return 1.0;
  }
  return ratio;
}

std::shared_ptr<const Sampler> ReadSampler(const Reader& env) {
  const std::string name = Lower(env.String("OTEL_TRACES_SAMPLER", "parentbased_always_on"));
  if (name == "always_on") return AlwaysOnSampler();
  if (name == "always_off") return AlwaysOffSampler();
  if (name == "traceidratio") return TraceIdRatioBasedSampler(ReadSamplerRatio(env));
  if (name == "parentbased_always_off") return ParentBasedSampler(AlwaysOffSampler());
  if (name == "parentbased_traceidratio") return ParentBasedSampler(TraceIdRatioBasedSampler(ReadSamplerRatio(env)));
  if (name != "parentbased_always_on") {
    env.Warn("OTEL_TRACES_SAMPLER", name,
             "expected always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off or "
             "parentbased_traceidratio");
  }
  return ParentBasedSampler(AlwaysOnSampler());
}

TracesExporter ReadExporterKind(const Reader& env) {
  const std::string name = Lower(env.String("OTEL_TRACES_EXPORTER", "otlp"));
  if (name == "otlp") return TracesExporter::kOtlp;
  if (name == "console") return TracesExporter::kConsole;
  if (name == "none") return TracesExporter::kNone;
  env.Warn("OTEL_TRACES_EXPORTER", name, "expected otlp, console or none");
  return TracesExporter::kOtlp;
}

otlp::OtlpExporterOptions ReadOtlpOptions(const Reader& env) {
  otlp::OtlpExporterOptions options;
  const std::string protocol = env.FirstString({"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"});
  if (!protocol.empty()) {
    if (auto parsed = otlp::ParseOtlpProtocol(protocol)) {
      options.protocol = *parsed;
    } else {
      env.Warn("OTEL_EXPORTER_OTLP_PROTOCOL", protocol, "expected grpc, http/protobuf or http/json");
    }
  }
  options.endpoint = otlp::ResolveTracesEndpoint(env.String("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
                                                 env.String("OTEL_EXPORTER_OTLP_ENDPOINT"), options.protocol);
  // Generic headers first, then the traces-specific ones override by name.
  for (std::string_view name : {"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS"}) {
    const std::string text = env.String(name);
    if (text.empty()) continue;
    if (auto headers = otlp::ParseOtlpHeaders(text)) {
      for (auto& header : *headers) {
        std::erase_if(options.headers, [&](const auto& existing) { return existing.first == header.first; });
        options.headers.push_back(std::move(header));
      }
    } else {
      env.Warn(name, text, "expected key=value pairs separated by commas");
    }
  }
  env.Millis("OTEL_EXPORTER_OTLP_TIMEOUT", options.timeout);
  env.Millis("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", options.timeout);
  const std::string compression =
      env.FirstString({"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "OTEL_EXPORTER_OTLP_COMPRESSION"});
  if (!compression.empty()) {
    if (auto parsed = otlp::ParseOtlpCompression(compression)) {
      options.compression = *parsed;
    } else {
      env.Warn("OTEL_EXPORTER_OTLP_COMPRESSION", compression, "expected gzip or none");
    }
  }
  return options;
}

BatchSpanProcessorOptions ReadBatchOptions(const Reader& env) {
  BatchSpanProcessorOptions options;
  env.Millis("OTEL_BSP_SCHEDULE_DELAY", options.schedule_delay);
  env.Millis("OTEL_BSP_EXPORT_TIMEOUT", options.export_timeout);
  env.Size("OTEL_BSP_MAX_QUEUE_SIZE", options.max_queue_size);
  env.Size("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", options.max_export_batch_size);
  if (options.max_queue_size == 0) {
    env.Warn("OTEL_BSP_MAX_QUEUE_SIZE", "0", "must be at least 1");
    options.max_queue_size = BatchSpanProcessorOptions{}.max_queue_size;
  }
  if (options.max_export_batch_size == 0 || options.max_export_batch_size > options.max_queue_size) {
    env.Warn("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", std::to_string(options.max_export_batch_size),
             "must be between 1 and OTEL_BSP_MAX_QUEUE_SIZE");
    options.max_export_batch_size = std::min(BatchSpanProcessorOptions{}.max_export_batch_size, options.max_queue_size);
  }
  return options;
}

SpanLimits ReadLimits(const Reader& env) {
  SpanLimits limits;
  // The general attribute limits apply to spans, events and links; the span-specific ones override.
  env.Size("OTEL_ATTRIBUTE_COUNT_LIMIT", limits.attribute_count);
  limits.attributes_per_event = limits.attributes_per_link = limits.attribute_count;
  env.Size("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", limits.attribute_value_length);
  env.Size("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", limits.attribute_count);
  env.Size("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", limits.attribute_value_length);
  env.Size("OTEL_SPAN_EVENT_COUNT_LIMIT", limits.event_count);
  env.Size("OTEL_SPAN_LINK_COUNT_LIMIT", limits.link_count);
  env.Size("OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", limits.attributes_per_event);
  env.Size("OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", limits.attributes_per_link);
  return limits;
}

std::unique_ptr<SpanExporter> MakeExporter(SdkSettings& settings) {
  switch (settings.exporter) {
    case TracesExporter::kOtlp: {
      auto exporter = otlp::MakeOtlpExporter(settings.otlp);
      if (!exporter->configuration_error().empty()) settings.warnings.push_back(exporter->configuration_error());
      return exporter;
    }
    case TracesExporter::kConsole:
      return std::make_unique<exporters::console::ConsoleSpanExporter>(stdout);
    case TracesExporter::kNone:
      return nullptr;
  }
  return nullptr;
}

}  // namespace

EnvironmentLookup ProcessEnvironment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    return value ? std::optional<std::string>(value) : std::nullopt;
  };
}

SdkSettings ReadSettings(const EnvironmentLookup& lookup, std::string_view default_service_name) {
  SdkSettings settings;
  const Reader env(lookup, settings.warnings);
  settings.disabled = env.Bool("OTEL_SDK_DISABLED");
  settings.resource = ReadResource(env, default_service_name);
  settings.sampler = ReadSampler(env);
  PropagatorSelection propagation = PropagatorFromNames(env.String("OTEL_PROPAGATORS"));
  settings.propagator = std::move(propagation.propagator);
  for (auto& warning : propagation.warnings) settings.warnings.push_back("OTEL_PROPAGATORS: " + warning);
  settings.exporter = ReadExporterKind(env);
  settings.otlp = ReadOtlpOptions(env);
  settings.batch = ReadBatchOptions(env);
  settings.limits = ReadLimits(env);
  return settings;
}

ConfiguredSdk ConfigureFromEnvironment(std::string_view default_service_name, const EnvironmentLookup& lookup,
                                       bool log_warnings) {
  SdkSettings settings = ReadSettings(lookup, default_service_name);

  TracerProviderOptions options;
  options.resource = std::move(settings.resource);
  options.limits = settings.limits;
  if (settings.disabled) {
    // A disabled SDK records nothing but still passes incoming context on.
    options.sampler = AlwaysOffSampler();
  } else {
    options.sampler = settings.sampler;
    if (auto exporter = MakeExporter(settings)) {
      options.processors.push_back(std::make_unique<BatchSpanProcessor>(std::move(exporter), settings.batch));
    }
  }
  if (log_warnings) {
    for (const auto& warning : settings.warnings) std::cerr << "hoptrace: " << warning << '\n';
  }
  return {std::make_unique<TracerProvider>(std::move(options)), std::move(settings.propagator),
          std::move(settings.warnings)};
}

}  // namespace hoptrace::sdk::config
