#pragma once
// `hoptrace serve --role router`: the receivers (OTLP gRPC/HTTP, Zipkin) in front of the trace-ID
// router (collector/routing), which forwards every span over OTLP/gRPC to the sampler node that owns
// its trace; /metrics, /healthz and /readyz on the query port. No store.

#include <CLI/CLI.hpp>
#include <signal.h>

#include <string>

namespace hoptrace::cli {

struct ServeConfig;

struct RouterConfig {
  std::string role = "all";             // all | router
  std::string route_to;                 // host:port,host:port
  std::string route_dns;                // name:port, every address of the name is a node
  std::string route_dns_interval = "30s";  // Go duration
};

// Adds --role, --route-to, --route-dns and --route-dns-interval to `serve`.
void AddRouterFlags(CLI::App& serve, RouterConfig& config);

// Runs the router role until one of `stop_signals` arrives. Returns the process exit code.
int RunRouter(const ServeConfig& config, const sigset_t& stop_signals);

}  // namespace hoptrace::cli
