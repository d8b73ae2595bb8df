#pragma once
// The part the OTLP/HTTP and Zipkin receivers share: an http::Server with one POST route, undoing
// Content-Encoding within the limits, ingesting, metrics, Retry-After. A protocol supplies how to
// ingest a body and how to shape answers.

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "hoptrace/collector/receiver.h"
#include "hoptrace/http/server.h"
#include "ingest.h"

namespace hoptrace::collector::internal {

struct HttpProtocol {
  std::string name;  // metrics label
  std::uint16_t default_port = 0;
  std::string path;  // the POST route
  // Hands `body` (already decompressed) of media type `media_type` (lower case, no parameters) to
  // the ingestor: IngestProtobuf, or IngestModel once decoded, or Refuse when it cannot be decoded.
  std::function<Outcome(std::string_view media_type, std::string_view body, Ingestor& ingestor)> ingest;
  // The answer for `outcome`, normally with status `status` (HttpStatusOf the outcome, or the status of
  // an error the server answers itself: 404, 405, 413 while reading, ...).
  std::function<http::Response(const http::Request& request, unsigned status, const Outcome& outcome)> respond;
};

// "Application/JSON; charset=utf-8" → "application/json".
std::string MediaType(std::string_view content_type);

// Refuses a body of `media_type`, which the protocol does not take; `accepted` names what it takes.
Outcome RefuseMediaType(Ingestor& ingestor, std::string_view media_type, std::string_view accepted);

class HttpReceiver final : public Receiver {
 public:
  HttpReceiver(HttpProtocol protocol, SpanSink& sink, metrics::Registry& registry, ReceiverOptions options);
  ~HttpReceiver() override;

  bool Start(std::string* error) override;
  void Stop() override;
  std::uint16_t port() const override;
  std::string_view protocol() const override { return protocol_.name; }

 private:
  http::Response Handle(http::Request& request);
  Outcome Process(const http::Request& request);
  http::Response Respond(const http::Request& request, unsigned status, const Outcome& outcome) const;
  http::Response RespondToServerError(const http::Request& request, unsigned status, std::string_view message);

  const HttpProtocol protocol_;
  const ReceiverOptions options_;
  ReceiverMetrics metrics_;
  Ingestor ingestor_;
  std::unique_ptr<http::Server> server_;
};

// The OTLP/HTTP and Zipkin factories: a receiver serving `protocol`.
std::unique_ptr<Receiver> MakeHttpReceiver(HttpProtocol protocol, SpanSink& sink, metrics::Registry& registry,
                                           ReceiverOptions options);

}  // namespace hoptrace::collector::internal
