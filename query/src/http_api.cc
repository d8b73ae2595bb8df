#include "hoptrace/query/http_api.h"

#include <algorithm>
#include <chrono>
#include <exception>

#include "hoptrace/analysis/diagnosis_json.h"
#include "hoptrace/http/url.h"
#include "hoptrace/query/analysis_api.h"
#include "hoptrace/query/hotspots_api.h"
#include "hoptrace/query/jaeger_api.h"
#include "hoptrace/query/native_api.h"
#include "hoptrace/query/service_graph_api.h"
#include "hoptrace/store/store_error.h"

namespace hoptrace::query {
namespace {

constexpr std::string_view kTraceNotFound = "trace not found";
constexpr int kStoreRetryAfterSeconds = 5;

std::uint64_t NowUnixNano() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

http::Response JaegerError(unsigned status, std::string_view message) {
  return http::Response::Json(status, JaegerErrorJson(status, message));
}

http::Response NativeError(unsigned status, std::string message) {
  return http::Response::Json(status, NativeErrorJson({.message = std::move(message)}));
}

// A store that could not answer: 503 with Retry-After when trying again may help (its database is
// down), else 500; the message says what the store said.
http::Response StoreErrorResponse(const store::StoreError& error, bool jaeger_errors) {
  const unsigned status = error.transient() ? 503 : 500;
  const std::string message = std::string("the trace store could not answer: ") + error.what();
  http::Response response = jaeger_errors ? JaegerError(status, message) : NativeError(status, message);
  if (error.transient()) response.SetHeader("Retry-After", std::to_string(kStoreRetryAfterSeconds));
  return response;
}

// The request's query parameters; nullopt (with `error`) when an escape is malformed.
std::optional<ParamList> Params(const http::Request& request, std::string* error) {
  auto params = http::QueryParams::Parse(request.query, error);
  if (!params) return std::nullopt;
  return params->items();
}

}  // namespace

struct HttpApi::Endpoint {
  metrics::Histogram& duration;
  metrics::Counter& rejected;
  metrics::Counter& failed;
};

HttpApi::HttpApi(store::Store& store, metrics::Registry& registry, Options options)
    : store_(store), registry_(registry), options_(std::move(options)) {}

HttpApi::~HttpApi() = default;

http::Handler HttpApi::Instrument(std::string_view endpoint_name, bool jaeger_errors,
                                  std::function<http::Response(const http::Request&)> handle) {
  const metrics::Labels labels = {{"endpoint", std::string(endpoint_name)}};
  endpoints_.push_back(std::make_unique<Endpoint>(Endpoint{
      registry_.GetHistogram("hoptrace_query_duration_seconds", "Query API request latency.", labels),
      registry_.GetCounter("hoptrace_query_rejected_total", "Query API requests answered with a 4xx status.", labels),
      registry_.GetCounter("hoptrace_query_failed_total", "Query API requests that failed inside the store.", labels)}));
  Endpoint& endpoint = *endpoints_.back();
  return [&endpoint, jaeger_errors, handle = std::move(handle)](http::Request& request) {
    const auto start = std::chrono::steady_clock::now();
    http::Response response;
    try {
      response = handle(request);
    } catch (const store::StoreError& e) {
      endpoint.failed.Increment();
      response = StoreErrorResponse(e, jaeger_errors);
    } catch (const std::exception& e) {
      endpoint.failed.Increment();
      const std::string message = std::string("query failed: ") + e.what();
      response = jaeger_errors ? JaegerError(500, message) : NativeError(500, message);
    }
    if (response.status >= 400 && response.status < 500) endpoint.rejected.Increment();
    endpoint.duration.Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    return response;
  };
}

void HttpApi::RegisterRoutes(http::Router& router) {
  const auto bind = [this](http::Response (HttpApi::*method)(const http::Request&)) {
    return [this, method](const http::Request& request) { return (this->*method)(request); };
  };
  router.Get("/api/services", Instrument("services", true, bind(&HttpApi::Services)));
  router.Get("/api/services/{service}/operations", Instrument("service_operations", true, bind(&HttpApi::OperationNames)));
  router.Get("/api/operations", Instrument("operations", true, bind(&HttpApi::Operations)));
  router.Get("/api/traces", Instrument("find_traces", true, bind(&HttpApi::SearchTraces)));
  router.Get("/api/traces/{traceID}", Instrument("get_trace", true, bind(&HttpApi::Trace)));
  router.Get("/api/dependencies", Instrument("dependencies", true, bind(&HttpApi::Dependencies)));
  router.Get("/api/v2/traces/{traceID}", Instrument("get_trace_otlp", false, bind(&HttpApi::TraceOtlp)));
  router.Get("/api/v2/traces/{traceID}/analysis", Instrument("trace_analysis", false, bind(&HttpApi::TraceAnalysis)));
  router.Get("/api/search", Instrument("search", false, bind(&HttpApi::Search)));
  router.Get("/api/v2/hotspots", Instrument("hotspots", false, [this](const http::Request& r) { return HotspotsResponse(store_, r, NowUnixNano()); }));
  router.Get("/api/v2/dependencies", Instrument("service_graph", false, [this](const http::Request& request) {
    return ServiceGraphResponse(store_, request);
  }));

  router.Get("/metrics", [this](http::Request&) {
    return http::Response::Make(200, "text/plain; version=0.0.4; charset=utf-8", registry_.Render());
  });
  router.Get("/healthz", [](http::Request&) { return http::Response::Text(200, "ok\n"); });
  router.Get("/readyz", [this](http::Request&) {
    const bool ready = !options_.ready || options_.ready();
    return http::Response::Text(ready ? 200 : 503, ready ? "ready\n" : "not ready\n");
  });
}

http::Response HttpApi::Services(const http::Request&) {
  return http::Response::Json(200, JaegerServicesJson(store_.Services()));
}

http::Response HttpApi::OperationNames(const http::Request& request) {
  return http::Response::Json(200, JaegerOperationNamesJson(store_.Operations(request.PathParam("service"))));
}

http::Response HttpApi::Operations(const http::Request& request) {
  std::string error;
  const auto params = Params(request, &error);
  if (!params) return JaegerError(400, error);
  const std::string_view service = FindParam(*params, "service").value_or("");
  if (service.empty()) return JaegerError(400, "parameter 'service' is required");
  std::optional<model::SpanKind> kind;
  if (!ParseJaegerSpanKind(FindParam(*params, "spanKind").value_or(""), &kind, &error)) {
    return JaegerError(400, "unable to parse param 'spanKind': " + error);
  }
  std::vector<store::Operation> operations = store_.Operations(service);
  if (kind) std::erase_if(operations, [&](const store::Operation& operation) { return operation.kind != *kind; });
  return http::Response::Json(200, JaegerOperationsJson(operations));
}

http::Response HttpApi::SearchTraces(const http::Request& request) {
  std::string error;
  const auto params = Params(request, &error);
  JaegerSearchParams search;
  if (!params || !ParseJaegerSearchParams(*params, NowUnixNano(), &search, &error)) return JaegerError(400, error);

  std::vector<model::TraceBatch> traces;
  std::vector<model::TraceId> missing;
  if (!search.trace_ids.empty()) {
    for (const model::TraceId& id : search.trace_ids) {
      if (auto trace = store_.GetTrace(id, search.request.range)) {
        traces.push_back(std::move(*trace));
      } else {
        missing.push_back(id);
      }
    }
  } else {
    // As Jaeger does: find the matching traces, then load each one whole (not only the spans in range).
    for (const store::TraceSummary& summary : store_.Search(search.request)) {
      if (auto trace = store_.GetTrace(summary.trace_id)) traces.push_back(std::move(*trace));
    }
  }
  return http::Response::Json(200, JaegerTracesJson(traces, missing));
}

http::Response HttpApi::Trace(const http::Request& request) {
  const std::string_view id_text = request.PathParam("traceID");
  const auto id = ParseJaegerTraceId(id_text);
  if (!id) return JaegerError(400, "cannot parse traceID: \"" + std::string(id_text) + "\" is not 1 to 32 hex digits");
  auto trace = store_.GetTrace(*id);
  if (!trace) return JaegerError(404, kTraceNotFound);
  return http::Response::Json(200, JaegerTracesJson({std::move(*trace)}));
}

http::Response HttpApi::Dependencies(const http::Request& request) {
  std::string error;
  const auto params = Params(request, &error);
  JaegerDependencyParams dependency_params;
  if (!params || !ParseJaegerDependencyParams(*params, NowUnixNano(), &dependency_params, &error)) {
    return JaegerError(400, error);
  }
  std::vector<store::DependencyLink> links = store_.Dependencies(dependency_params.range);
  if (const std::string& service = dependency_params.service; !service.empty()) {
    std::erase_if(links, [&](const store::DependencyLink& link) { return link.parent != service && link.child != service; });
  }
  return http::Response::Json(200, JaegerDependenciesJson(links));
}

// The stored trace named by the path's {traceID}, or the native error answer.
std::variant<model::TraceBatch, http::Response> HttpApi::StoredTrace(const http::Request& request) {
  const std::string_view id_text = request.PathParam("traceID");
  const auto id = ParseJaegerTraceId(id_text);
  if (!id) return NativeError(400, "invalid trace ID \"" + std::string(id_text) + "\": expected 1 to 32 hex digits");
  auto trace = store_.GetTrace(*id);
  if (!trace) return NativeError(404, std::string(kTraceNotFound));
  return std::move(*trace);
}

http::Response HttpApi::TraceOtlp(const http::Request& request) {
  auto trace = StoredTrace(request);
  if (auto* error = std::get_if<http::Response>(&trace)) return std::move(*error);
  return http::Response::Json(200, TraceOtlpJson(std::get<model::TraceBatch>(trace)));
}

http::Response HttpApi::TraceAnalysis(const http::Request& request) {
  auto trace = StoredTrace(request);
  if (auto* error = std::get_if<http::Response>(&trace)) return std::move(*error);
  StoreParentSource parents(store_);
  const analysis::Diagnosis diagnosis =
      analysis::Diagnose(std::get<model::TraceBatch>(trace), {.parent_source = &parents});
  return http::Response::Json(200, analysis::DiagnosisToJson(diagnosis));
}

http::Response HttpApi::Search(const http::Request& request) {
  NativeSearchError error;
  const auto params = Params(request, &error.message);
  NativeSearchParams search;
  if (!params || !ParseNativeSearchParams(*params, &search, &error)) {
    return http::Response::Json(400, NativeErrorJson(error));
  }
  return http::Response::Json(200, SearchResultsJson(store_.Search(search.request)));
}

}  // namespace hoptrace::query
