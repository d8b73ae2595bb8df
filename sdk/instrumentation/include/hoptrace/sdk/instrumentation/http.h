#pragma once
// HTTP server and client spans following the OpenTelemetry HTTP semantic conventions: span names,
// attributes, status from the response code, and context propagation through the headers.
//
//   HttpSpan server = StartHttpServerSpan(tracer, propagator, {.method = "GET", .target = "/orders/7",
//                                                              .route = "/orders/{id}", .headers = &in});
//   Scope scope(server.context());  // work on this thread nests under the request
//   ...
//   server.Finish(200);

#include <cstdint>
#include <exception>
#include <optional>
#include <string_view>

#include "hoptrace/sdk/propagation/text_map.h"
#include "hoptrace/sdk/span.h"
#include "hoptrace/sdk/tracer.h"

namespace hoptrace::sdk {

struct HttpServerRequest {
  std::string_view method;  // as received, e.g. "GET"
  std::string_view target;  // the request target: path and optional query, e.g. "/orders/7?full=1"
  std::string_view route;   // the matched route template, e.g. "/orders/{id}"; empty when unknown
  const TextMapCarrier* headers = nullptr;  // incoming headers: propagation and User-Agent
  std::string_view scheme = "http";
  std::string_view server_address;  // host the request was addressed to (Host header or config)
  std::uint16_t server_port = 0;    // 0: unknown
  std::string_view client_address;  // peer address, or the originating client behind a proxy
};

struct HttpClientRequest {
  std::string_view method;
  std::string_view url;               // absolute http(s) URL
  TextMapCarrier* headers = nullptr;  // outgoing headers: the context is injected here
  // Parent of the span; unset: the thread's current context.
  std::optional<SpanContext> parent;
};

// A SERVER or CLIENT span for one HTTP request. Move-only; ends the span when destroyed if no
// Finish call did.
class HttpSpan {
 public:
  HttpSpan(HttpSpan&&) noexcept = default;
  HttpSpan& operator=(HttpSpan&&) noexcept = default;

  const SpanContext& context() const { return span_.context(); }
  Span& span() { return span_; }

  // Records the response status code and ends the span. 5xx (and codes outside 100-599) are errors;
  // 4xx is an error for a CLIENT span only, since a server answering 4xx worked as intended.
  void Finish(int status_code);
  // Ends a request that got no response (connection refused, timeout, the handler threw): an
  // "exception" event, Error status and `error.type`.
  void FinishWithError(std::string_view error_type, std::string_view message);
  void FinishWithError(const std::exception& error);

 private:
  friend HttpSpan StartHttpServerSpan(Tracer&, const TextMapPropagator&, const HttpServerRequest&);
  friend HttpSpan StartHttpClientSpan(Tracer&, const TextMapPropagator&, const HttpClientRequest&);
  HttpSpan(Span span, model::SpanKind kind) : span_(std::move(span)), kind_(kind) {}

  Span span_;
  model::SpanKind kind_;
};

// Extracts the caller's context from the request headers and starts a SERVER span as its child,
// named "{method} {route}" (or "{method}" without a route).
HttpSpan StartHttpServerSpan(Tracer& tracer, const TextMapPropagator& propagator,
                             const HttpServerRequest& request);

// Starts a CLIENT span named "{method}" and injects its context into the outgoing headers.
HttpSpan StartHttpClientSpan(Tracer& tracer, const TextMapPropagator& propagator,
                             const HttpClientRequest& request);

}  // namespace hoptrace::sdk
