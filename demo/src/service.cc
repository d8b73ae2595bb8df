#include "service.h"

#include <pthread.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "hoptrace/http/client.h"
#include "hoptrace/http/server.h"
#include "hoptrace/sdk/context.h"
#include "hoptrace/sdk/propagation/carriers.h"

namespace hoptrace::demo {
namespace {

// Long enough for the nine-second checkout at real time, short enough that a hung peer is noticed.
constexpr auto kCallTimeout = std::chrono::seconds(30);

thread_local Scenario current_scenario = Scenario::kNormal;

[[noreturn]] void Usage(std::string_view service, std::string_view problem) {
  std::cerr << service << ": " << problem << "\nusage: " << service
            << " [--port N] [--time-scale X] [--peer NAME=http://HOST:PORT]... [--NAME VALUE]...\n";
  std::exit(2);
}

std::uint16_t ParsePort(std::string_view service, const std::string& text) {
  char* end = nullptr;
  const long port = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || port < 0 || port > 65535) Usage(service, "bad --port " + text);
  return static_cast<std::uint16_t>(port);
}

double ParseTimeScale(std::string_view service, const std::string& text) {
  char* end = nullptr;
  const double scale = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(scale > 0) || scale > 100) Usage(service, "bad --time-scale " + text);
  return scale;
}

sigset_t StopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  return signals;
}

}  // namespace

Scenario CurrentScenario() { return current_scenario; }

ScenarioScope::ScenarioScope(Scenario scenario) : previous_(current_scenario) { current_scenario = scenario; }
ScenarioScope::~ScenarioScope() { current_scenario = previous_; }

http::Headers ScenarioHeaders() {
  return {{std::string(kScenarioHeader), std::string(ScenarioName(CurrentScenario()))}};
}

std::string JsonString(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

Service::Service(std::string name, int argc, char** argv) : name_(std::move(name)) {
  // Stop signals are blocked in every thread (the SDK's and the server's too) and taken by Run().
  const sigset_t signals = StopSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  for (int i = 1; i < argc; i += 2) {
    const std::string_view flag = argv[i];
    if (!flag.starts_with("--") || i + 1 >= argc) Usage(name_, "expected --NAME VALUE pairs");
    const std::string value = argv[i + 1];
    if (flag == "--port") {
      port_ = ParsePort(name_, value);
    } else if (flag == "--time-scale") {
      time_scale_ = ParseTimeScale(name_, value);
    } else if (flag == "--peer") {
      const std::size_t equals = value.find('=');
      if (equals == std::string::npos) Usage(name_, "--peer wants NAME=URL, got " + value);
      peers_[value.substr(0, equals)] = value.substr(equals + 1);
    } else {
      flags_[std::string(flag.substr(2))] = value;
    }
  }
  sdk_ = sdk::config::ConfigureFromEnvironment(name_);
  tracer_ = &sdk_.provider->GetTracer("hoptrace-demo/" + name_);
  PlainRoute("GET", "/healthz", [](http::Request&) { return http::Response::Text(200, "ok\n"); });
  PlainRoute("GET", "/stats", [this](http::Request&) {
    return http::Response::Json(200, "{\"bad_requests\":" + std::to_string(bad_requests_.load()) + "}");
  });
}

Service::~Service() = default;

const std::string& Service::flag(std::string_view name) const {
  static const std::string kEmpty;
  const auto it = flags_.find(name);
  return it == flags_.end() ? kEmpty : it->second;
}

void Service::SleepScaled(std::chrono::milliseconds real_time) const {
  std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(static_cast<double>(real_time.count()) * time_scale_));
}

void Service::PlainRoute(std::string_view method, std::string_view route, http::Handler handler) {
  router_.Add(method, route, std::move(handler));
}

void Service::Route(std::string_view method, std::string_view route, TracedHandler handler) {
  router_.Add(method, route, [this, route = std::string(route), handler = std::move(handler)](http::Request& request) {
    const sdk::HeaderCarrier<const http::Headers> incoming(request.headers);
    sdk::HttpSpan span = sdk::StartHttpServerSpan(*tracer_, propagator(),
                                                  {.method = request.method,
                                                   .target = request.target,
                                                   .route = route,
                                                   .headers = &incoming,
                                                   .server_address = "127.0.0.1",
                                                   .server_port = port_,
                                                   .client_address = request.remote_address});
    RequestContext context{ParseScenario(request.Header(kScenarioHeader)).value_or(Scenario::kNormal), &span};
    span.span().SetAttribute("demo.scenario", ScenarioName(context.scenario));
    const sdk::Scope scope(span.context());
    const ScenarioScope scenario(context.scenario);
    try {
      http::Response response = handler(request, context);
      span.Finish(static_cast<int>(response.status));
      return response;
    } catch (const std::exception& error) {
      span.FinishWithError(error);
      return http::Response::Text(500, name_ + ": " + error.what() + "\n");
    }
  });
}

CallResult Service::Send(std::string_view peer, std::string_view method, std::string_view target, std::string_view body,
                         const http::Headers& headers) {
  const auto it = peers_.find(peer);
  if (it == peers_.end()) return {0, {}, name_ + " has no --peer " + std::string(peer)};
  http::Client client(it->second, kCallTimeout);
  std::string error;
  const auto response = client.Send(method, target, body, body.empty() ? "" : "application/json", headers, &error);
  if (!response) return {0, {}, error};
  return {response->status, response->body, {}};
}

CallResult Service::Call(std::string_view peer, std::string_view method, std::string_view target, std::string_view body,
                         Propagation propagation, const http::Headers& extra, std::string_view url_template) {
  http::Headers headers = ScenarioHeaders();
  headers.insert(headers.end(), extra.begin(), extra.end());
  sdk::HeaderCarrier<http::Headers> outgoing(headers);
  const auto base = peers_.find(peer);
  const std::string url = (base == peers_.end() ? std::string("http://") + std::string(peer) : base->second) + std::string(target);
  sdk::HttpSpan span = sdk::StartHttpClientSpan(
      *tracer_, propagator(),
      {.method = method, .url = url, .headers = propagation == Propagation::kInject ? &outgoing : nullptr});
  span.span().SetAttribute("peer.service", peer);
  if (!url_template.empty()) {
    span.span().SetAttribute("url.template", url_template);
    span.span().UpdateName(std::string(method) + " " + std::string(url_template));
  }
  CallResult result = Send(peer, method, target, body, headers);
  if (result.status == 0) {
    span.FinishWithError("connection_error", result.error);
  } else {
    span.Finish(static_cast<int>(result.status));
  }
  return result;
}

int Service::Run() {
  http::ServerOptions options;
  options.port = port_;
  options.worker_threads = 16;  // handlers block on downstream calls, some of them slow on purpose
  options.server_name = name_;
  http::Server server(options, std::move(router_));
  std::string error;
  if (!server.Start(&error)) {
    std::cerr << name_ << ": cannot listen on 127.0.0.1:" << port_ << ": " << error << std::endl;
    return 1;
  }
  port_ = server.port();
  std::cout << name_ << " listening on 127.0.0.1:" << port_ << std::endl;
  const sigset_t signals = StopSignals();
  int signal = 0;
  sigwait(&signals, &signal);
  server.Stop();
  if (on_stop_) on_stop_();
  sdk_.provider->Shutdown(std::chrono::seconds(5));  // flushes the spans still queued
  std::cout << name_ << " stopped (signal " << signal << ", " << bad_requests_.load() << " bad requests)" << std::endl;
  return 0;
}

}  // namespace hoptrace::demo
