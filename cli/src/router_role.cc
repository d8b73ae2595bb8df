#include "router_role.h"

#include <iostream>
#include <memory>
#include <optional>
#include <vector>

#include "hoptrace/collector/receiver.h"
#include "hoptrace/collector/routing/membership.h"
#include "hoptrace/collector/routing/router.h"
#include "hoptrace/http/server.h"
#include "hoptrace/metrics/process_metrics.h"
#include "hoptrace/metrics/registry.h"
#include "hoptrace/query/duration.h"
#include "serve.h"

namespace hoptrace::cli {
namespace {

using collector::routing::DnsMembership;
using collector::routing::Router;

http::Router MonitoringRoutes(const metrics::Registry& registry, const Router& router) {
  http::Router routes;
  routes.Get("/metrics", [&registry](http::Request&) {
    return http::Response::Make(200, "text/plain; version=0.0.4; charset=utf-8", registry.Render());
  });
  routes.Get("/healthz", [](http::Request&) { return http::Response::Text(200, "ok\n"); });
  routes.Get("/readyz", [&router](http::Request&) {
    const bool ready = !router.nodes().empty();
    return http::Response::Text(ready ? 200 : 503, ready ? "ready\n" : "not ready: no node to route to\n");
  });
  return routes;
}

// The membership the flags ask for: a static list set once, or a DNS name kept up to date.
class Membership {
 public:
  bool Start(const RouterConfig& config, Router& router, metrics::Registry& registry, std::string* error) {
    if (config.route_to.empty() == config.route_dns.empty()) {
      *error = "--role router needs exactly one of --route-to host:port,... and --route-dns name:port";
      return false;
    }
    if (!config.route_to.empty()) {
      auto nodes = collector::routing::ParseNodeList(config.route_to, error);
      if (!nodes) return false;
      router.SetNodes(std::move(*nodes));
      description_ = "nodes " + config.route_to;
      return true;
    }
    const auto name = collector::routing::ParseHostPort(config.route_dns, error);
    const auto interval = query::ParseGoDuration(config.route_dns_interval);
    if (!name) return false;
    if (!interval || *interval <= 0) {
      *error = "--route-dns-interval must be a positive duration such as 30s";
      return false;
    }
    dns_ = std::make_unique<DnsMembership>(
        router, *name, std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::nanoseconds(*interval)),
        registry);
    std::string resolve_error;
    if (!dns_->Start(&resolve_error)) {
      std::cerr << "hoptrace serve: " << resolve_error << " (retrying every " << config.route_dns_interval << ")\n";
    }
    description_ = "every address of " + config.route_dns + ", resolved every " + config.route_dns_interval;
    return true;
  }
  const std::string& description() const { return description_; }

 private:
  std::unique_ptr<DnsMembership> dns_;
  std::string description_;
};

}  // namespace

void AddRouterFlags(CLI::App& serve, RouterConfig& config) {
  serve.add_option("--role", config.role,
                   "all: receivers, store and query API; router: receivers forwarding every span to the node that "
                   "owns its trace (--route-to or --route-dns), no store")
      ->check(CLI::IsMember({"all", "router"}))
      ->capture_default_str();
  serve.add_option("--route-to", config.route_to, "Router: the nodes (OTLP/gRPC host:port, comma-separated)");
  serve.add_option("--route-dns", config.route_dns,
                   "Router: a DNS name:port; every address the name resolves to is a node");
  serve.add_option("--route-dns-interval", config.route_dns_interval, "Router: how often --route-dns is resolved")
      ->capture_default_str();
}

int RunRouter(const ServeConfig& config, const sigset_t& stop_signals) {
  metrics::Registry registry;
  metrics::RegisterProcessMetrics(registry);
  Router router(registry);
  Membership membership;
  std::string error;
  if (!membership.Start(config.router, router, registry, &error)) {
    std::cerr << "hoptrace serve: " << error << "\n";
    return 2;
  }

  const auto receivers = MakeReceivers(router, registry, config);
  http::ServerOptions monitoring_options;
  monitoring_options.bind_address = config.bind_address;
  monitoring_options.port = config.query_port;
  http::Server monitoring(monitoring_options, MonitoringRoutes(registry, router));
  if (!StartListening(receivers, monitoring, &error)) {
    std::cerr << "hoptrace serve: " << error << "\n";
    return 1;
  }

  std::cout << "hoptrace serve: router to " << membership.description() << "\n";
  // Stopping lets requests in flight finish their delivery.
  ServeUntilStopped(config, receivers, monitoring, "/metrics, /healthz, /readyz: a router stores nothing",
                    stop_signals);
  return 0;
}

}  // namespace hoptrace::cli
