#include "hoptrace/sdk/exporters/otlp/otlp_exporter.h"

#include <algorithm>
#include <exception>
#include <iostream>

#include "otlp_transport.h"

namespace hoptrace::sdk::exporters::otlp {
namespace {

std::unique_ptr<OtlpTransport> MakeTransport(const OtlpExporterOptions& options, std::string* error) {
  return options.protocol == OtlpProtocol::kGrpc ? MakeGrpcTransport(options, error)
                                                 : MakeHttpTransport(options, error);
}

OtlpExporterOptions WithDefaults(OtlpExporterOptions options) {
  if (options.endpoint.empty()) options.endpoint = DefaultEndpoint(options.protocol);
  return options;
}

}  // namespace

void ReadPartialSuccess(const hoptrace::otlp::ExportResponse& response, AttemptOutcome* outcome) {
  if (!response.has_partial_success()) return;
  outcome->rejected_spans =
      static_cast<std::uint64_t>(std::max<std::int64_t>(0, response.partial_success().rejected_spans()));
  outcome->partial_success_message = response.partial_success().error_message();
}

OtlpExporter::OtlpExporter(OtlpExporterOptions options) : options_(WithDefaults(std::move(options))) {
  transport_ = MakeTransport(options_, &configuration_error_);
  if (!transport_) Log("unusable configuration: " + configuration_error_);
}

OtlpExporter::~OtlpExporter() = default;

ExportResult OtlpExporter::Export(std::span<const SpanRecordPtr> records) {
  // The SpanExporter contract forbids throwing into the processor; encoding may still run out of memory.
  try {
    return ExportOrThrow(records);
  } catch (const std::exception& error) {
    failed_exports_.fetch_add(1);
    Log(std::string("export failed: ") + error.what());
    return ExportResult::kFailure;
  }
}

ExportResult OtlpExporter::ExportOrThrow(std::span<const SpanRecordPtr> records) {
  if (shut_down_.load()) return ExportResult::kFailure;
  if (records.empty()) return ExportResult::kSuccess;
  if (!transport_) {
    failed_exports_.fetch_add(1);
    return ExportResult::kFailure;
  }
  const Clock::time_point deadline = Clock::now() + options_.timeout;
  const model::TraceBatch batch = ToTraceBatch(records);
  const std::size_t span_count = batch.SpanCount();
  const Attempt send = transport_->Prepare(batch);
  exports_.fetch_add(1);

  const RetryResult result =
      RunWithRetries(options_.retry, deadline, sleeper_, [&](Clock::time_point attempt_deadline) {
        requests_.fetch_add(1);
        return send(attempt_deadline);
      });
  retries_.fetch_add(static_cast<std::uint64_t>(result.attempts - 1));

  if (!result.last.ok()) {
    failed_exports_.fetch_add(1);
    Log("export of " + std::to_string(span_count) + " spans failed: " + result.last.error);
    return ExportResult::kFailure;
  }
  spans_sent_.fetch_add(span_count);
  if (result.last.rejected_spans > 0 || !result.last.partial_success_message.empty()) {
    rejected_spans_.fetch_add(result.last.rejected_spans);
    Log("receiver rejected " + std::to_string(result.last.rejected_spans) + " of " + std::to_string(span_count) +
        " spans: " + result.last.partial_success_message);
  }
  return ExportResult::kSuccess;
}

bool OtlpExporter::ForceFlush(std::chrono::milliseconds /*timeout*/) { return true; }

void OtlpExporter::Shutdown(std::chrono::milliseconds /*timeout*/) {
  // Export may be running on the processor's thread: wake it from a backoff sleep and abort its
  // request, so shutting down never waits for a collector that is not answering.
  if (shut_down_.exchange(true)) return;
  sleeper_.Interrupt();
  if (transport_) transport_->Cancel();
}

OtlpExporterStats OtlpExporter::stats() const {
  return {.exports = exports_.load(),
          .requests = requests_.load(),
          .retries = retries_.load(),
          .failed_exports = failed_exports_.load(),
          .spans_sent = spans_sent_.load(),
          .rejected_spans = rejected_spans_.load()};
}

void OtlpExporter::Log(std::string_view message) const {
  if (options_.log) {
    options_.log(message);
  } else {
    std::clog << "[hoptrace] OTLP exporter (" << options_.endpoint << "): " << message << '\n';
  }
}

std::unique_ptr<OtlpExporter> MakeOtlpExporter(const OtlpExporterOptions& options) {
  return std::make_unique<OtlpExporter>(options);
}

}  // namespace hoptrace::sdk::exporters::otlp
