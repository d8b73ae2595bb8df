#include "http_receiver.h"

#include <algorithm>
#include <cctype>

#include "bounded_inflate.h"

namespace hoptrace::collector::internal {
namespace {

std::string Lower(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

// For errors the HTTP server answers itself: the outcome they amount to, and a metrics reason.
OutcomeCode OutcomeOfServerError(unsigned status) {
  switch (status) {
    case 413:
      return OutcomeCode::kPayloadTooLarge;
    case 500:
      return OutcomeCode::kInternal;
    default:
      return OutcomeCode::kInvalidArgument;
  }
}

const char* ReasonOfServerError(unsigned status) {
  switch (status) {
    case 404:
      return "not_found";
    case 405:
      return "method_not_allowed";
    case 408:
      return "timeout";
    case 413:
      return "too_large";
    case 431:
      return "header_too_large";
    case 500:
      return "internal";
    default:
      return "malformed";
  }
}

}  // namespace

std::string MediaType(std::string_view content_type) {
  return Lower(Trim(content_type.substr(0, content_type.find(';'))));
}

Outcome RefuseMediaType(Ingestor& ingestor, std::string_view media_type, std::string_view accepted) {
  return ingestor.Refuse(OutcomeCode::kUnsupportedMediaType,
                         "unsupported Content-Type '" + std::string(media_type) + "'; this receiver takes " +
                             std::string(accepted));
}

std::unique_ptr<Receiver> MakeHttpReceiver(HttpProtocol protocol, SpanSink& sink, metrics::Registry& registry,
                                           ReceiverOptions options) {
  return std::make_unique<HttpReceiver>(std::move(protocol), sink, registry, std::move(options));
}

HttpReceiver::HttpReceiver(HttpProtocol protocol, SpanSink& sink, metrics::Registry& registry,
                           ReceiverOptions options)
    : protocol_(std::move(protocol)),
      options_(std::move(options)),
      metrics_(registry, protocol_.name),
      ingestor_(sink, metrics_, options_.limits) {}

HttpReceiver::~HttpReceiver() { Stop(); }

bool HttpReceiver::Start(std::string* error) {
  if (server_) {
    if (error) *error = protocol_.name + " receiver already started";
    return false;
  }
  http::Router router;
  router.Post(protocol_.path, [this](http::Request& request) { return Handle(request); });
  http::ServerOptions server_options{
      .bind_address = options_.bind_address,
      .port = options_.port.value_or(protocol_.default_port),
      .worker_threads = options_.worker_threads,
      .max_body_bytes = options_.limits.max_body_bytes,
      .read_timeout = options_.read_timeout,
      .idle_timeout = options_.idle_timeout,
      .error_responder = [this](const http::Request& request, unsigned status,
                                std::string_view message) { return RespondToServerError(request, status, message); },
      .observer =
          [this](const http::ExchangeRecord& record) {
            metrics_.RequestDone(std::to_string(record.status), record.request_body_bytes, record.duration);
          },
  };
  server_ = std::make_unique<http::Server>(std::move(server_options), std::move(router));
  std::string server_error;
  if (!server_->Start(&server_error)) {
    if (error) *error = protocol_.name + " receiver: " + server_error;
    return false;
  }
  return true;
}

void HttpReceiver::Stop() {
  if (server_) server_->Stop();
}

std::uint16_t HttpReceiver::port() const { return server_ ? server_->port() : 0; }

http::Response HttpReceiver::Handle(http::Request& request) {
  const Outcome outcome = Process(request);
  return Respond(request, HttpStatusOf(outcome.code), outcome);
}

Outcome HttpReceiver::Process(const http::Request& request) {
  const std::string media_type = MediaType(request.Header("Content-Type"));
  const std::string encoding = Lower(Trim(request.Header("Content-Encoding")));
  std::string_view body = request.body;
  std::string inflated;
  if (encoding == "gzip") {
    std::string error;
    switch (InflateBounded(request.body, options_.limits.max_decompressed_bytes, &inflated, &error)) {
      case InflateResult::kOk:
        body = inflated;
        break;
      case InflateResult::kTooLarge:
        return ingestor_.Refuse(OutcomeCode::kPayloadTooLarge,
                      "gzip body decompresses to more than the limit of " +
                          std::to_string(options_.limits.max_decompressed_bytes) + " bytes");
      case InflateResult::kCorrupt:
        return ingestor_.Refuse(OutcomeCode::kInvalidArgument, "invalid gzip body: " + error);
    }
  } else if (!encoding.empty() && encoding != "identity") {
    return ingestor_.Refuse(OutcomeCode::kUnsupportedMediaType,
                  "unsupported Content-Encoding '" + encoding + "'; use gzip or identity");
  }
  return protocol_.ingest(media_type, body, ingestor_);
}

http::Response HttpReceiver::Respond(const http::Request& request, unsigned status, const Outcome& outcome) const {
  http::Response response = protocol_.respond(request, status, outcome);
  if (outcome.retryable()) response.SetHeader("Retry-After", std::to_string(options_.retry_after.count()));
  return response;
}

http::Response HttpReceiver::RespondToServerError(const http::Request& request, unsigned status,
                                                  std::string_view message) {
  metrics_.RequestRefused(ReasonOfServerError(status));
  return Respond(request, status, Outcome::Error(OutcomeOfServerError(status), std::string(message)));
}

}  // namespace hoptrace::collector::internal
