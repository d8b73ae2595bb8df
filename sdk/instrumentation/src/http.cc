#include "hoptrace/sdk/instrumentation/http.h"


#include <algorithm>
#include <array>
#include <memory>
#include <string>

#include "hoptrace/sdk/instrumentation/url.h"

namespace hoptrace::sdk {
namespace {

using model::SpanKind;

// The methods of RFC 9110 and RFC 5789, the only ones the conventions allow as attribute values
// and in span names, so that arbitrary client input cannot explode their cardinality.
constexpr std::array<std::string_view, 9> kKnownMethods = {"CONNECT", "DELETE", "GET",   "HEAD", "OPTIONS",
                                                           "PATCH",   "POST",   "TRACE", "PUT"};
constexpr std::string_view kOtherMethod = "_OTHER";

bool IsKnownMethod(std::string_view method) {
  return std::find(kKnownMethods.begin(), kKnownMethods.end(), method) != kKnownMethods.end();
}

// http.request.method, plus http.request.method_original for an unknown method.
void SetMethodAttributes(Span& span, std::string_view method) {
  if (IsKnownMethod(method)) {
    span.SetAttribute("http.request.method", method);
  } else {
    span.SetAttribute("http.request.method", kOtherMethod);
    span.SetAttribute("http.request.method_original", method);
  }
}

// "{method} {target}", with "HTTP" standing in for an unknown method.
std::string SpanName(std::string_view method, std::string_view target) {
  std::string name(IsKnownMethod(method) ? method : std::string_view("HTTP"));
  if (!target.empty()) name.append(1, ' ').append(target);
  return name;
}

void SetIfPresent(Span& span, std::string_view key, std::string_view value) {
  if (!value.empty()) span.SetAttribute(key, value);
}

void SetServerAddress(Span& span, std::string_view address, std::uint16_t port) {
  SetIfPresent(span, "server.address", address);
  if (port != 0) span.SetAttribute("server.port", std::int64_t{port});
}

// The exception's dynamic type, readable ("std::runtime_error"), for exception.type and error.type.
bool IsError(int status_code, SpanKind kind) {
  if (status_code < 100 || status_code >= 500) return true;
  return kind == SpanKind::kClient && status_code >= 400;
}

}  // namespace

void HttpSpan::Finish(int status_code) {
  span_.SetAttribute("http.response.status_code", std::int64_t{status_code});
  if (IsError(status_code, kind_)) {
    // The conventions: error.type is the status code; the description stays empty, the code says it.
    span_.SetAttribute("error.type", std::string_view(std::to_string(status_code)));
    span_.SetStatus(model::StatusCode::kError);
  }
  span_.End();
}

void HttpSpan::FinishWithError(std::string_view error_type, std::string_view message) {
  span_.RecordException(error_type, message);
  span_.SetAttribute("error.type", error_type);
  span_.SetStatus(model::StatusCode::kError, message);
  span_.End();
}

void HttpSpan::FinishWithError(const std::exception& error) {
  FinishWithError(std::string_view(ExceptionTypeName(error)), error.what());
}

HttpSpan StartHttpServerSpan(Tracer& tracer, const TextMapPropagator& propagator,
                             const HttpServerRequest& request) {
  const SpanContext parent = request.headers ? propagator.Extract(*request.headers) : SpanContext::Invalid();
  Span span = tracer.StartSpan(SpanName(request.method, request.route),
                               {.kind = SpanKind::kServer, .parent = parent});
  SetMethodAttributes(span, request.method);
  const std::string_view target = request.target.substr(0, request.target.find('#'));
  const std::size_t question = target.find('?');
  span.SetAttribute("url.path", target.substr(0, question));
  if (question != std::string_view::npos) {
    span.SetAttribute("url.query", std::string_view(RedactQuery(target.substr(question + 1))));
  }
  SetIfPresent(span, "url.scheme", request.scheme);
  SetIfPresent(span, "http.route", request.route);
  SetServerAddress(span, request.server_address, request.server_port);
  SetIfPresent(span, "client.address", request.client_address);
  if (request.headers) {
    if (const auto user_agent = request.headers->Get("user-agent")) {
      span.SetAttribute("user_agent.original", *user_agent);
    }
  }
  return HttpSpan(std::move(span), SpanKind::kServer);
}

HttpSpan StartHttpClientSpan(Tracer& tracer, const TextMapPropagator& propagator,
                             const HttpClientRequest& request) {
  Span span =
      tracer.StartSpan(SpanName(request.method, {}), {.kind = SpanKind::kClient, .parent = request.parent});
  SetMethodAttributes(span, request.method);
  span.SetAttribute("url.full", std::string_view(RedactUrl(request.url)));
  if (const auto url = ParseHttpUrl(request.url)) SetServerAddress(span, url->host, url->port);
  // Injected even when the span is not recording: downstream services must learn the decision.
  if (request.headers) propagator.Inject(span.context(), *request.headers);
  return HttpSpan(std::move(span), SpanKind::kClient);
}

}  // namespace hoptrace::sdk
