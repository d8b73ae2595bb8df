#pragma once
// The query role's HTTP API (Jaeger's port 16686 layout), registered on an http::Router:
//
//   GET /api/services                              Jaeger: service names
//   GET /api/services/{service}/operations         Jaeger: operation names (legacy UI call)
//   GET /api/operations?service=&spanKind=         Jaeger: [{"name","spanKind"}]
//   GET /api/traces?service=&operation=&tags=...   Jaeger search: summaries, then each full trace
//   GET /api/traces/{traceID}                      Jaeger: one trace; 404 in Jaeger's error shape
//   GET /api/dependencies?endTs=&lookback=         Jaeger: [{"parent","child","callCount"}]
//   GET /api/v2/traces/{traceID}                   Tempo-style: the trace as OTLP JSON
//   GET /api/v2/traces/{traceID}/analysis          the trace's diagnosis (analysis/diagnosis_json.h)
//   GET /api/search?q=&start=&end=&limit=          native search with the query language
//   GET /api/v2/hotspots?service=&operation=&...   aggregate critical path and attribute comparison (hotspots_api.h)
//   GET /api/v2/dependencies?start=&end=&limit=    the UI's service graph (service_graph_api.h)
//   GET /metrics, /healthz, /readyz
//
// Every API request is timed in hoptrace_query_duration_seconds{endpoint}; requests answered with a
// 4xx count in hoptrace_query_rejected_total{endpoint} and store failures (exceptions) in
// hoptrace_query_failed_total{endpoint}, answered in the endpoint's error shape: 503 with Retry-After
// for a store whose database is unreachable (store::StoreError, transient), else 500.

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "hoptrace/http/message.h"
#include "hoptrace/http/router.h"
#include "hoptrace/metrics/registry.h"
#include "hoptrace/store/store.h"

namespace hoptrace::query {

class HttpApi {
 public:
  struct Options {
    // Whether /readyz answers 200 (e.g. false while the store replays its WAL). Null: always ready.
    std::function<bool()> ready;
  };

  // `store` and `registry` must outlive the API and the server it is registered on.
  HttpApi(store::Store& store, metrics::Registry& registry, Options options);
  HttpApi(store::Store& store, metrics::Registry& registry) : HttpApi(store, registry, Options{}) {}
  ~HttpApi();
  HttpApi(const HttpApi&) = delete;
  HttpApi& operator=(const HttpApi&) = delete;

  // Adds the routes above. The handlers refer to this object, which must outlive the router's server.
  void RegisterRoutes(http::Router& router);

 private:
  struct Endpoint;
  // Wraps `handle` with timing, counters and a 500 on exceptions, in Jaeger's or the native error shape.
  http::Handler Instrument(std::string_view endpoint, bool jaeger_errors,
                           std::function<http::Response(const http::Request&)> handle);

  http::Response Services(const http::Request& request);
  http::Response OperationNames(const http::Request& request);
  http::Response Operations(const http::Request& request);
  http::Response SearchTraces(const http::Request& request);
  http::Response Trace(const http::Request& request);
  http::Response Dependencies(const http::Request& request);
  std::variant<model::TraceBatch, http::Response> StoredTrace(const http::Request& request);
  http::Response TraceOtlp(const http::Request& request);
  http::Response TraceAnalysis(const http::Request& request);
  http::Response Search(const http::Request& request);

  store::Store& store_;
  metrics::Registry& registry_;
  Options options_;
  std::vector<std::unique_ptr<Endpoint>> endpoints_;
};

}  // namespace hoptrace::query
