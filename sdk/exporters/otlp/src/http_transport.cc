// OTLP/HTTP: POST the encoded request (protobuf or JSON, optionally gzipped) and classify the
// status code the way the OTLP specification asks.
#include <google/protobuf/util/json_util.h>

#include <algorithm>

#include "hoptrace/otlp/json_convert.h"
#include "hoptrace/sdk/exporters/otlp/gzip.h"
#include "otlp_transport.h"

namespace hoptrace::sdk::exporters::otlp {
namespace {

constexpr std::size_t kMaxErrorBodyInLog = 256;

bool IsRetryableStatus(unsigned status) {
  return status == 429 || status == 502 || status == 503 || status == 504;
}

std::string Excerpt(std::string_view body) {
  std::string text(body.substr(0, kMaxErrorBodyInLog));
  // Error bodies may be binary (a protobuf google.rpc.Status): keep the log line printable.
  std::replace_if(text.begin(), text.end(), [](unsigned char c) { return c < 0x20 || c >= 0x7f; }, '.');
  return text;
}

class HttpTransport final : public OtlpTransport {
 public:
  HttpTransport(HttpUrl url, const OtlpExporterOptions& options)
      : json_(options.protocol == OtlpProtocol::kHttpJson),
        gzip_(options.compression == OtlpCompression::kGzip),
        client_(std::move(url), options.connect_timeout) {
    headers_.emplace_back("Content-Type", json_ ? "application/json" : "application/x-protobuf");
    if (gzip_) headers_.emplace_back("Content-Encoding", "gzip");
    headers_.insert(headers_.end(), options.headers.begin(), options.headers.end());
  }

  Attempt Prepare(const model::TraceBatch& batch) override {
    std::string body = json_ ? hoptrace::otlp::ToJson(batch) : hoptrace::otlp::SerializeExportRequest(batch);
    if (gzip_) body = GzipCompress(body);
    return [this, body = std::move(body)](Clock::time_point deadline) { return Send(body, deadline); };
  }

  void Cancel() override { client_.Cancel(); }

 private:
  AttemptOutcome Send(const std::string& body, Clock::time_point deadline) {
    std::string error;
    std::optional<HttpResponse> response = client_.Post(headers_, body, deadline, &error);
    // No response at all (refused, reset, timed out) is transient: the collector may be restarting.
    if (!response) return AttemptOutcome::Retryable(std::move(error));
    return Classify(*response);
  }

  AttemptOutcome Classify(const HttpResponse& response) const {
    if (response.status >= 200 && response.status < 300) {
      AttemptOutcome outcome = AttemptOutcome::Success();
      if (!response.body.empty()) ReadPartialSuccess(DecodeResponse(response.body), &outcome);
      return outcome;
    }
    std::string error = "HTTP " + std::to_string(response.status);
    if (!response.body.empty()) error += ": " + Excerpt(response.body);
    if (!IsRetryableStatus(response.status)) return AttemptOutcome::Permanent(std::move(error));
    AttemptOutcome outcome = AttemptOutcome::Retryable(std::move(error));
    outcome.retry_after = ParseRetryAfter(response.Header("Retry-After"), std::chrono::system_clock::now());
    return outcome;
  }

  // A body that does not decode is treated as a full success: the status code already said so.
  hoptrace::otlp::ExportResponse DecodeResponse(const std::string& body) const {
    hoptrace::otlp::ExportResponse response;
    if (json_) {
      google::protobuf::util::JsonParseOptions options;
      options.ignore_unknown_fields = true;
      if (!google::protobuf::util::JsonStringToMessage(body, &response, options).ok()) response.Clear();
    } else if (!response.ParseFromString(body)) {
      response.Clear();
    }
    return response;
  }

  const bool json_;
  const bool gzip_;
  HttpHeaders headers_;
  HttpClient client_;
};

}  // namespace

std::unique_ptr<OtlpTransport> MakeHttpTransport(const OtlpExporterOptions& options, std::string* error) {
  std::optional<HttpUrl> url = HttpUrl::Parse(options.endpoint, error);
  if (!url) return nullptr;
  if (url->scheme == "https") {
    *error = "https:// endpoints are not supported by the OTLP/HTTP exporter (no TLS); use http:// or grpc";
    return nullptr;
  }
  return std::make_unique<HttpTransport>(std::move(*url), options);
}

}  // namespace hoptrace::sdk::exporters::otlp
