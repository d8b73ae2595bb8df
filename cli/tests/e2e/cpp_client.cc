#include "cpp_client.h"

#include <gtest/gtest.h>

#include "hoptrace/sdk/in_memory_exporter.h"
#include "hoptrace/sdk/span_processor.h"
#include "hoptrace/sdk/tracer_provider.h"

namespace hoptrace::cli::e2e {
namespace {

using model::SpanKind;
using sdk::exporters::otlp::OtlpProtocol;

// The same shape as send_trace.mjs records: a SERVER root, a CLIENT child failing with a child of its
// own, an INTERNAL child; every attribute type, events, a link with a tracestate.
void RecordCheckoutTrace(sdk::TracerProvider& provider) {
  sdk::Tracer& tracer = provider.GetTracer("hoptrace-e2e", "0.1.0");
  const sdk::SpanContext linked(model::TraceId::FromHighLow(0x0af7651916cd43dd, 0x8448eb211c80319c),
                                model::SpanId::FromHighLow(0, 0xb7ad6b7169203331), model::kTraceFlagSampled,
                                /*is_remote=*/true, *sdk::TraceState::Parse("vendor=abc,other=1"));
  const sdk::LinkSpec links[] = {
      {linked, {{"link.reason", std::string_view("retry-of")}, {"link.attempt", std::int64_t{2}}}}};
  sdk::Span root =
      tracer.StartSpan("GET /checkout", {.kind = SpanKind::kServer,
                                         .parent = sdk::SpanContext::Invalid(),
                                         .attributes = {{"http.request.method", std::string_view("GET")}},
                                         .links = links});
  const std::string_view tags[] = {"a", "grüße \"quoted\" \\ \n", ""};
  const bool flags[] = {true, false};
  const std::int64_t ports[] = {80, 443, -1};
  const double ratios[] = {0.25, -2.5};
  root.SetAttributes({{"http.response.status_code", std::int64_t{200}},
                      {"cache.hit", true},
                      {"load", 0.75},
                      {"big.int", std::int64_t{9'223'372'036'854'775'807}},
                      {"tiny.double", -1.5e-300},
                      {"tags", std::span<const std::string_view>(tags)},
                      {"flags", std::span<const bool>(flags)},
                      {"ports", std::span<const std::int64_t>(ports)},
                      {"ratios", std::span<const double>(ratios)}});
  root.AddEvent(
      "request.received",
      {{"bytes", std::int64_t{512}}, {"client", std::string_view("curl")}, {"gzip", false}, {"ratio", 0.5}});
  {
    sdk::Span query =
        tracer.StartSpan("SELECT orders", {.kind = SpanKind::kClient, .parent = root.context()});
    tracer.StartSpan("decode row", {.kind = SpanKind::kInternal, .parent = query.context()}).End();
    query.RecordException("std::runtime_error", "connection reset by peer");
    query.SetStatus(model::StatusCode::kError, "connection reset by peer");
  }
  sdk::Span render = tracer.StartSpan("render receipt", {.parent = root.context()});
  render.AddEvent("cache.miss");
  render.End();
  root.End();
}

}  // namespace

void SendCheckoutTrace(const CppExporter& exporter, const ServeProcess& serve, SentTrace* sent) {
  sdk::exporters::otlp::OtlpExporterOptions options;
  options.protocol = exporter.protocol;
  options.endpoint = exporter.protocol == OtlpProtocol::kGrpc ? serve.OtlpGrpcUrl() : serve.OtlpHttpUrl();
  options.timeout = std::chrono::seconds(20);
  auto otlp = std::make_unique<sdk::exporters::otlp::OtlpExporter>(options);
  const sdk::exporters::otlp::OtlpExporter& network = *otlp;  // owned by the provider from here on
  auto memory = std::make_unique<sdk::InMemorySpanExporter>();
  const auto recorded = memory->store();

  sdk::TracerProviderOptions provider_options;
  provider_options.resource = sdk::DefaultResource(std::string("cpp-e2e-") + exporter.name);
  model::SetAttribute(provider_options.resource.attributes, "host.cpu.count", std::int64_t{2});
  if (exporter.batch) {
    provider_options.processors.push_back(std::make_unique<sdk::BatchSpanProcessor>(std::move(otlp)));
  } else {
    provider_options.processors.push_back(std::make_unique<sdk::SimpleSpanProcessor>(std::move(otlp)));
  }
  provider_options.processors.push_back(std::make_unique<sdk::SimpleSpanProcessor>(std::move(memory)));
  sdk::TracerProvider provider(std::move(provider_options));
  RecordCheckoutTrace(provider);
  provider.ForceFlush(std::chrono::seconds(30));
  const auto stats = network.stats();
  ASSERT_GT(stats.exports, 0u);
  ASSERT_EQ(stats.failed_exports, 0u) << serve.Output();
  ASSERT_EQ(stats.rejected_spans, 0u);
  *sent = FromExportedSpans(recorded->Spans());
}

}  // namespace hoptrace::cli::e2e
