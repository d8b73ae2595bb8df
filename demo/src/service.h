#pragma once
// What every demo service shares: flags, the SDK (configured from the OTEL_* variables the launcher
// sets), the project's HTTP server with traced routes, traced calls to the other services, and a
// clean stop on SIGINT/SIGTERM (spans flushed before exit).
//
//   Service service("payments", argc, argv);
//   service.Route("POST", "/payments", [&](const http::Request& request, RequestContext& context) {
//     const CallResult score = service.Call("fraud-api", "POST", "/score", body);  // CLIENT span, injected
//     ...
//   });
//   return service.Run();

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "hoptrace/http/message.h"
#include "hoptrace/http/router.h"
#include "hoptrace/sdk/config/environment.h"
#include "hoptrace/sdk/instrumentation/http.h"
#include "scenario.h"

namespace hoptrace::demo {

// The request being handled on this thread, for the handler.
struct RequestContext {
  Scenario scenario = Scenario::kNormal;
  sdk::HttpSpan* server_span = nullptr;
};

using TracedHandler = std::function<http::Response(const http::Request& request, RequestContext& context)>;

struct CallResult {
  unsigned status = 0;  // 0: no response (see error)
  std::string body;
  std::string error;
  bool ok() const { return status >= 200 && status < 300; }
};

enum class Propagation { kInject, kForget };

class Service {
 public:
  // Parses --port, --time-scale and --peer NAME=URL (repeatable); exits with a usage line on bad flags.
  Service(std::string name, int argc, char** argv);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  const std::string& name() const { return name_; }
  sdk::Tracer& tracer() { return *tracer_; }
  const sdk::TextMapPropagator& propagator() const { return *sdk_.propagator; }
  const std::string& flag(std::string_view name) const;  // an extra --NAME VALUE flag, empty when absent

  // Sleeps `real_time` scaled by --time-scale (so tests can run the nine-second checkout in 0.45 s).
  void SleepScaled(std::chrono::milliseconds real_time) const;

  // A route whose handler runs inside a SERVER span continuing the caller's trace (extract → start
  // child → make current). A throwing handler answers 500 and records the exception; bad input is
  // counted (see CountBadRequest) and answered 400 by the handler itself.
  void Route(std::string_view method, std::string_view route, TracedHandler handler);
  // A route without a span (health checks, the queue broker's own endpoints).
  void PlainRoute(std::string_view method, std::string_view route, http::Handler handler);

  // Calls peer `peer` from a CLIENT span (child of the current context) and injects the span's
  // context into the request, unless told to forget. The current scenario and `extra` headers
  // travel along. With a `url_template` (e.g. "/stock") the span is named "{method} {url.template}",
  // as the HTTP conventions ask when the template is known; otherwise "{method}".
  CallResult Call(std::string_view peer, std::string_view method, std::string_view target, std::string_view body,
                  Propagation propagation = Propagation::kInject, const http::Headers& extra = {},
                  std::string_view url_template = {});
  // The raw call without a span, for callers that make their own span (database, messaging).
  CallResult Send(std::string_view peer, std::string_view method, std::string_view target, std::string_view body,
                  const http::Headers& headers);

  // Bad input seen by this service (GET /stats shows it).
  void CountBadRequest() { bad_requests_.fetch_add(1, std::memory_order_relaxed); }
  // Called from Run() once the server has stopped, before the SDK flushes (stop worker threads here).
  void OnStop(std::function<void()> stop) { on_stop_ = std::move(stop); }
  // Binds, prints "<name> listening on 127.0.0.1:<port>", serves until SIGINT/SIGTERM; the exit code.
  int Run();

 private:
  std::string name_;
  std::uint16_t port_ = 0;
  double time_scale_ = 1.0;
  std::map<std::string, std::string, std::less<>> peers_;
  std::map<std::string, std::string, std::less<>> flags_;
  sdk::config::ConfiguredSdk sdk_;
  sdk::Tracer* tracer_ = nullptr;
  http::Router router_;
  std::atomic<std::uint64_t> bad_requests_{0};
  std::function<void()> on_stop_;
};

// The scenario of the request this thread is handling (normal outside a request).
Scenario CurrentScenario();
// Makes `scenario` current on this thread until destruction (background work restores it so).
class ScenarioScope {
 public:
  explicit ScenarioScope(Scenario scenario);
  ~ScenarioScope();
  ScenarioScope(const ScenarioScope&) = delete;
  ScenarioScope& operator=(const ScenarioScope&) = delete;

 private:
  Scenario previous_;
};

// The x-demo-scenario header of the current scenario, to start a request's headers with.
http::Headers ScenarioHeaders();

// JSON string literal for `text` (quotes included).
std::string JsonString(std::string_view text);

}  // namespace hoptrace::demo
