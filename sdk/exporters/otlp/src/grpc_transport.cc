// OTLP/gRPC: TraceService/Export through the generated stub, one ClientContext per attempt.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cctype>
#include <mutex>

#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "otlp_transport.h"

namespace hoptrace::sdk::exporters::otlp {
namespace {

using TraceService = ::opentelemetry::proto::collector::trace::v1::TraceService;

// Our retry loop owns retries; gRPC's would multiply the attempts and hide them from the counters.
// Reconnect backoff is capped so a collector that comes back is found again within seconds
// (gRPC's default cap is two minutes).
constexpr int kMaxReconnectBackoffMs = 5000;

// The OTLP specification's retryable codes, plus RESOURCE_EXHAUSTED (the spec retries it only
// with RetryInfo; we do not decode RetryInfo and treat it as throttling).
bool IsRetryable(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DATA_LOSS:
      return true;
    default:
      return false;
  }
}

std::string Lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// "http://host:port" → plain text, "https://host:port" → TLS, "host:port" → plain text.
// A path after host:port is ignored: gRPC routes by service name.
struct GrpcTarget {
  std::string address;
  bool tls = false;
};

GrpcTarget ParseGrpcTarget(std::string_view endpoint) {
  GrpcTarget target;
  if (endpoint.starts_with("https://")) {
    target.tls = true;
    endpoint.remove_prefix(8);
  } else if (endpoint.starts_with("http://")) {
    endpoint.remove_prefix(7);
  }
  target.address = std::string(endpoint.substr(0, endpoint.find('/')));
  return target;
}

class GrpcTransport final : public OtlpTransport {
 public:
  GrpcTransport(const GrpcTarget& target, const OtlpExporterOptions& options)
      : gzip_(options.compression == OtlpCompression::kGzip) {
    grpc::ChannelArguments arguments;
    arguments.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
    arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, kMaxReconnectBackoffMs);
    arguments.SetUserAgentPrefix("hoptrace-otlp-cpp/0.1");
    auto credentials = target.tls ? grpc::SslCredentials(grpc::SslCredentialsOptions())
                                  : grpc::InsecureChannelCredentials();
    stub_ = TraceService::NewStub(grpc::CreateCustomChannel(target.address, credentials, arguments));
    // gRPC metadata keys must be lower case.
    for (const auto& [key, value] : options.headers) metadata_.emplace_back(Lowercase(key), value);
  }

  Attempt Prepare(const model::TraceBatch& batch) override {
    auto request = std::make_shared<hoptrace::otlp::ExportRequest>();
    hoptrace::otlp::ToProto(batch, request.get());
    return [this, request](Clock::time_point deadline) { return Send(*request, deadline); };
  }

  void Cancel() override {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
    if (in_flight_ != nullptr) in_flight_->TryCancel();
  }

 private:
  AttemptOutcome Send(const hoptrace::otlp::ExportRequest& request, Clock::time_point deadline) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + (deadline - Clock::now()));
    if (gzip_) context.set_compression_algorithm(GRPC_COMPRESS_GZIP);
    for (const auto& [key, value] : metadata_) context.AddMetadata(key, value);
    {
      std::lock_guard lock(mutex_);
      if (cancelled_) return AttemptOutcome::Permanent("gRPC export cancelled: exporter shut down");
      in_flight_ = &context;
    }
    hoptrace::otlp::ExportResponse response;
    const grpc::Status status = stub_->Export(&context, request, &response);
    {
      std::lock_guard lock(mutex_);
      in_flight_ = nullptr;
    }
    if (status.ok()) {
      AttemptOutcome outcome = AttemptOutcome::Success();
      ReadPartialSuccess(response, &outcome);
      return outcome;
    }
    std::string error = "gRPC status " + std::to_string(status.error_code()) + ": " + status.error_message();
    return IsRetryable(status.error_code()) ? AttemptOutcome::Retryable(std::move(error))
                                            : AttemptOutcome::Permanent(std::move(error));
  }

  const bool gzip_;
  std::unique_ptr<TraceService::Stub> stub_;
  std::vector<std::pair<std::string, std::string>> metadata_;
  std::mutex mutex_;
  grpc::ClientContext* in_flight_ = nullptr;  // guarded by mutex_
  bool cancelled_ = false;                    // guarded by mutex_
};

}  // namespace

std::unique_ptr<OtlpTransport> MakeGrpcTransport(const OtlpExporterOptions& options, std::string* error) {
  const GrpcTarget target = ParseGrpcTarget(options.endpoint);
  if (target.address.empty()) {
    *error = "gRPC endpoint '" + options.endpoint + "' has no host:port";
    return nullptr;
  }
  return std::make_unique<GrpcTransport>(target, options);
}

}  // namespace hoptrace::sdk::exporters::otlp
