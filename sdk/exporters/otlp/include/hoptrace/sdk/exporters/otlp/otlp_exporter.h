#pragma once
// The OTLP span exporter: OTLP/HTTP (protobuf or JSON) over Boost.Beast, or OTLP/gRPC.
//
// Export converts the records to one ExportTraceServiceRequest and sends it, retrying transient
// failures (HTTP 429/502/503/504, gRPC UNAVAILABLE/RESOURCE_EXHAUSTED, connection errors) with
// exponential backoff until `timeout` runs out. It never throws and never waits longer than
// `timeout`; Shutdown interrupts a backoff sleep and the request in flight.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "hoptrace/sdk/exporters/otlp/http_client.h"  // HttpHeaders
#include "hoptrace/sdk/exporters/otlp/retry.h"
#include "hoptrace/sdk/span_exporter.h"

namespace hoptrace::sdk::exporters::otlp {

enum class OtlpProtocol { kHttpProtobuf, kHttpJson, kGrpc };
enum class OtlpCompression { kNone, kGzip };

// A plain struct so configuration code (OTEL_EXPORTER_OTLP_* variables) can fill it in.
struct OtlpExporterOptions {
  // Empty: DefaultEndpoint(protocol). For HTTP the full URL including the path; for gRPC
  // http://host:port (plain text), https://host:port (TLS with the system roots) or host:port.
  // The HTTP transport supports http:// only.
  std::string endpoint;
  OtlpProtocol protocol = OtlpProtocol::kHttpProtobuf;
  HttpHeaders headers;  // sent as HTTP headers or gRPC metadata
  std::chrono::milliseconds timeout{10000};  // one Export, retries included (OTEL_EXPORTER_OTLP_TIMEOUT)
  std::chrono::milliseconds connect_timeout{5000};  // further bounded by what remains of `timeout`
  OtlpCompression compression = OtlpCompression::kNone;
  RetryPolicy retry;
  // Receives one line per failed export or partial success. Null: written to std::clog.
  std::function<void(std::string_view)> log;
};

struct OtlpExporterStats {
  std::uint64_t exports = 0;         // Export calls that sent something
  std::uint64_t requests = 0;        // attempts, retries included
  std::uint64_t retries = 0;
  std::uint64_t failed_exports = 0;  // Export calls that returned kFailure
  std::uint64_t spans_sent = 0;      // spans in successful exports, rejected ones included
  std::uint64_t rejected_spans = 0;  // partial success: spans the receiver refused
};

// One way of delivering a request (HTTP or gRPC). Internal; see src/.
class OtlpTransport;

class OtlpExporter final : public SpanExporter {
 public:
  explicit OtlpExporter(OtlpExporterOptions options);
  ~OtlpExporter() override;

  ExportResult Export(std::span<const SpanRecordPtr> records) override;
  bool ForceFlush(std::chrono::milliseconds timeout) override;  // nothing is buffered here
  void Shutdown(std::chrono::milliseconds timeout) override;

  OtlpExporterStats stats() const;
  const OtlpExporterOptions& options() const { return options_; }
  // Empty when the options are usable; otherwise why every Export will fail (e.g. an https://
  // endpoint for the HTTP transport).
  const std::string& configuration_error() const { return configuration_error_; }

 private:
  ExportResult ExportOrThrow(std::span<const SpanRecordPtr> records);
  void Log(std::string_view message) const;

  OtlpExporterOptions options_;
  std::string configuration_error_;
  std::unique_ptr<OtlpTransport> transport_;  // null when configuration_error_ is set
  InterruptibleSleeper sleeper_;
  std::atomic<bool> shut_down_{false};

  std::atomic<std::uint64_t> exports_{0};
  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> retries_{0};
  std::atomic<std::uint64_t> failed_exports_{0};
  std::atomic<std::uint64_t> spans_sent_{0};
  std::atomic<std::uint64_t> rejected_spans_{0};
};

std::unique_ptr<OtlpExporter> MakeOtlpExporter(const OtlpExporterOptions& options);

// ---- Helpers for configuration from OTEL_EXPORTER_OTLP_* environment variables ----

// http://localhost:4318/v1/traces for HTTP, http://localhost:4317 for gRPC.
std::string DefaultEndpoint(OtlpProtocol protocol);

// The spec's endpoint rule: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as is; otherwise the generic
// OTEL_EXPORTER_OTLP_ENDPOINT gets "/v1/traces" appended for HTTP (and is used as is for gRPC);
// with neither, DefaultEndpoint(protocol).
std::string ResolveTracesEndpoint(std::string_view traces_endpoint, std::string_view generic_endpoint,
                                  OtlpProtocol protocol);

// "http/protobuf", "http/json", "grpc".
std::optional<OtlpProtocol> ParseOtlpProtocol(std::string_view text);
// "gzip", "none" (or empty).
std::optional<OtlpCompression> ParseOtlpCompression(std::string_view text);
// OTEL_EXPORTER_OTLP_HEADERS: "key1=value1,key2=value2" with percent-encoded values (W3C Baggage
// syntax). Whitespace around keys and values is trimmed. Returns nullopt on a malformed entry.
std::optional<HttpHeaders> ParseOtlpHeaders(std::string_view text);

}  // namespace hoptrace::sdk::exporters::otlp
