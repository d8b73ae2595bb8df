#include "serve.h"

#include <pthread.h>
#include <sys/resource.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <vector>

#include "hoptrace/collector/receiver.h"
#include "hoptrace/collector/span_sink.h"
#include "hoptrace/http/server.h"
#include "hoptrace/metrics/process_metrics.h"
#include "hoptrace/metrics/registry.h"
#include "hoptrace/query/duration.h"
#include "hoptrace/query/http_api.h"
#include "hoptrace/store/embedded_store.h"
#include "hoptrace/ui/ui_routes.h"
#include "tail_sampling_stage.h"

namespace hoptrace::cli {
namespace {

// Below this the head would be cut for every few requests.
constexpr std::uint64_t kMinHeadBytes = 1 << 20;

// Every serve setting by its flag name, which is also its key in the YAML file.
struct Setting {
  std::string* text = nullptr;
  std::uint16_t* port = nullptr;
  std::uint64_t* number = nullptr;
};

std::map<std::string, Setting> Settings(ServeConfig& config) {
  return {
      {"data-dir", {&config.data_dir}},
      {"bind", {&config.bind_address}},
      {"fsync", {&config.fsync}},
      {"retention-age", {&config.retention_age}},
      {"otlp-grpc-port", {nullptr, &config.otlp_grpc_port}},
      {"otlp-http-port", {nullptr, &config.otlp_http_port}},
      {"zipkin-port", {nullptr, &config.zipkin_port}},
      {"query-port", {nullptr, &config.query_port}},
      {"retention-max-bytes", {nullptr, nullptr, &config.retention_max_bytes}},
      {"compaction-target-bytes", {nullptr, nullptr, &config.compaction_target_bytes}},
      {"compaction-max-spans", {nullptr, nullptr, &config.compaction_max_spans}},
      {"compaction-fanout", {nullptr, nullptr, &config.compaction_fanout}},
      {"head-max-bytes", {nullptr, nullptr, &config.head_max_bytes}},
      {"trace-idle", {&config.trace_idle}},
      {"head-full-wait", {&config.head_full_wait}},
      {"max-body-bytes", {nullptr, nullptr, &config.max_body_bytes}},
      {"max-decompressed-bytes", {nullptr, nullptr, &config.max_decompressed_bytes}},
      {"max-spans-per-request", {nullptr, nullptr, &config.max_spans_per_request}},
      {"max-attributes-per-span", {nullptr, nullptr, &config.max_attributes_per_span}},
      {"max-attribute-value-length", {nullptr, nullptr, &config.max_attribute_value_length}},
      {"max-queued-requests", {nullptr, nullptr, &config.max_queued_requests}},
      {"role", {&config.router.role}},
      {"route-to", {&config.router.route_to}},
      {"route-dns", {&config.router.route_dns}},
      {"route-dns-interval", {&config.router.route_dns_interval}},
      {"store", {&config.store}},
      {"clickhouse-url", {&config.clickhouse.urls}},
      {"clickhouse-cluster", {&config.clickhouse.cluster}},
      {"clickhouse-database", {&config.clickhouse.database}},
      {"clickhouse-max-backlog-bytes", {nullptr, nullptr, &config.clickhouse.max_backlog_bytes}},
  };
}

std::string Where(const YAML::Node& node) { return "line " + std::to_string(node.Mark().line + 1); }

bool ApplySetting(const std::string& key, const YAML::Node& value, Setting setting, std::string* error) {
  try {
    if (setting.text) *setting.text = value.as<std::string>();
    if (setting.port) *setting.port = value.as<std::uint16_t>();
    if (setting.number) *setting.number = value.as<std::uint64_t>();
    return true;
  } catch (const YAML::Exception&) {
    *error = Where(value) + ": " + key + ": expected " +
             (setting.text ? "a string" : setting.port ? "a port number (0-65535)" : "a non-negative integer");
    return false;
  }
}

std::optional<store::FsyncPolicy> ParseFsync(std::string_view text) {
  if (text == "always") return store::FsyncPolicy::kEveryWrite;
  if (text == "interval") return store::FsyncPolicy::kInterval;
  if (text == "never") return store::FsyncPolicy::kNever;
  return std::nullopt;
}

collector::ReceiverOptions ReceiverOptionsFor(const ServeConfig& config, std::uint16_t port) {
  collector::ReceiverOptions options;
  options.bind_address = config.bind_address;
  options.port = port;
  options.limits.max_body_bytes = config.max_body_bytes;
  options.limits.max_decompressed_bytes = config.max_decompressed_bytes;
  options.limits.max_spans_per_request = config.max_spans_per_request;
  options.limits.max_attributes_per_span = config.max_attributes_per_span;
  options.limits.max_attribute_value_length = config.max_attribute_value_length;
  options.max_queued_requests = config.max_queued_requests;
  return options;
}

sigset_t BlockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // every thread started after this inherits it
  return signals;
}

}  // namespace

std::vector<std::unique_ptr<collector::Receiver>> MakeReceivers(collector::SpanSink& sink, metrics::Registry& registry,
                                                               const ServeConfig& config) {
  std::vector<std::unique_ptr<collector::Receiver>> receivers;
  receivers.push_back(collector::MakeOtlpGrpcReceiver(sink, registry, ReceiverOptionsFor(config, config.otlp_grpc_port)));
  receivers.push_back(collector::MakeOtlpHttpReceiver(sink, registry, ReceiverOptionsFor(config, config.otlp_http_port)));
  receivers.push_back(collector::MakeZipkinReceiver(sink, registry, ReceiverOptionsFor(config, config.zipkin_port)));
  return receivers;
}

bool StartListening(const std::vector<std::unique_ptr<collector::Receiver>>& receivers, http::Server& server,
                    std::string* error) {
  for (const auto& receiver : receivers) {
    if (!receiver->Start(error)) return false;  // the receiver names itself
  }
  if (server.Start(error)) return true;
  *error = "query API: " + *error;
  return false;
}

void ServeUntilStopped(const ServeConfig& config, const std::vector<std::unique_ptr<collector::Receiver>>& receivers,
                       http::Server& server, std::string_view routes, const sigset_t& stop_signals) {
  for (const auto& receiver : receivers) {
    std::cout << "  " << receiver->protocol() << " receiver on " << config.bind_address << ":" << receiver->port()
              << "\n";
  }
  std::cout << "  query API on http://" << config.bind_address << ":" << server.port() << "  (" << routes << ")\n"
            << "Ctrl-C to stop." << std::endl;
  int signal = 0;
  sigwait(&stop_signals, &signal);
  std::cout << "hoptrace serve: stopping (signal " << signal << ")" << std::endl;
  for (const auto& receiver : receivers) receiver->Stop();  // no new spans; requests in flight are answered
  server.Stop();
}

CLI::App* AddServeCommand(CLI::App& app, ServeConfig& config) {
  CLI::App* serve = app.add_subcommand(
      "serve",
      "Receive spans (OTLP gRPC/HTTP, Zipkin), store them durably on local disk and answer queries "
      "(Jaeger-compatible API and UI port). Stops cleanly on Ctrl-C.");
  serve->add_option("--config", config.config_file, "YAML file with any of the settings below (flags win)")
      ->check(CLI::ExistingFile);
  serve->add_option("--data-dir", config.data_dir, "Directory of the embedded store")->capture_default_str();
  serve->add_option("--bind", config.bind_address,
                    "Address every port binds to (loopback by default; 0.0.0.0 to accept remote senders)")
      ->capture_default_str();
  serve->add_option("--otlp-grpc-port", config.otlp_grpc_port, "OTLP/gRPC receiver")->capture_default_str();
  serve->add_option("--otlp-http-port", config.otlp_http_port, "OTLP/HTTP receiver (POST /v1/traces)")
      ->capture_default_str();
  serve->add_option("--zipkin-port", config.zipkin_port, "Zipkin v2 JSON receiver (POST /api/v2/spans)")
      ->capture_default_str();
  serve->add_option("--query-port", config.query_port, "Query API (Jaeger-compatible) and /metrics")
      ->capture_default_str();
  serve->add_option("--fsync", config.fsync,
                    "When acknowledged spans reach the disk: always (before answering; survives power loss), "
                    "interval (every second; survives a crash), never")
      ->check(CLI::IsMember({"always", "interval", "never"}))
      ->capture_default_str();
  serve->add_option("--retention-age", config.retention_age, "Delete blocks older than this (e.g. 72h; 0: keep)")
      ->capture_default_str();
  serve->add_option("--retention-max-bytes", config.retention_max_bytes,
                    "Delete the oldest blocks while the store is larger (0: no limit)")
      ->capture_default_str();
  serve->add_option("--compaction-target-bytes", config.compaction_target_bytes,
                    "Compaction merges blocks up to this size (0: no compaction)")
      ->capture_default_str();
  serve
      ->add_option("--compaction-max-spans", config.compaction_max_spans,
                   "... and up to this many spans (the default, a full cut's size, keeps full cut blocks as "
                   "cut; 1000000 merges them four at a time: 4x fewer blocks, same bytes, more CPU)")
      ->capture_default_str();
  serve->add_option("--compaction-fanout", config.compaction_fanout,
                    "Blocks of similar size merged at a time (size-tiered: a span is rewritten once per tier)")
      ->check(CLI::Range(2, 64))
      ->capture_default_str();
  serve
      ->add_option("--head-max-bytes", config.head_max_bytes,
                   "Memory for recent spans before they are cut into a block; at twice it writes wait, then "
                   "are refused (429 / RESOURCE_EXHAUSTED)")
      ->check(CLI::Range(std::uint64_t{kMinHeadBytes}, std::uint64_t{1} << 40))
      ->capture_default_str();
  serve
      ->add_option("--trace-idle", config.trace_idle,
                   "A trace that received no span for this long is complete and cut into a block (e.g. 10s)")
      ->capture_default_str();
  serve
      ->add_option(
          "--head-full-wait", config.head_full_wait,
          "How long a write that finds the head full waits for room before it is refused (0: at once)")
      ->capture_default_str();
  serve->add_option("--max-body-bytes", config.max_body_bytes, "Largest request body accepted")->capture_default_str();
  serve->add_option("--max-decompressed-bytes", config.max_decompressed_bytes,
                    "Largest body after gzip decompression (gzip bombs are refused)")
      ->capture_default_str();
  serve->add_option("--max-spans-per-request", config.max_spans_per_request, "More spans: the request is refused")
      ->capture_default_str();
  serve->add_option("--max-attributes-per-span", config.max_attributes_per_span,
                    "Extra attributes are dropped and counted")
      ->capture_default_str();
  serve->add_option("--max-attribute-value-length", config.max_attribute_value_length,
                    "Longer string values are truncated and counted")
      ->capture_default_str();
  serve
      ->add_option("--max-queued-requests", config.max_queued_requests,
                   "OTLP/gRPC Export calls in progress; more are answered RESOURCE_EXHAUSTED at once "
                   "(0: no limit)")
      ->capture_default_str();
  AddRouterFlags(*serve, config.router);
  serve->add_option("--store", config.store, "embedded (local disk) or clickhouse (see --clickhouse-*)")
      ->check(CLI::IsMember({"embedded", "clickhouse"}))
      ->capture_default_str();
  AddClickHouseFlags(*serve, config.clickhouse, /*backlog=*/true);
  return serve;
}

bool ApplyConfigFile(const CLI::App& serve, ServeConfig& config, std::string* error) {
  if (config.config_file.empty()) return true;
  YAML::Node root;
  try {
    root = YAML::LoadFile(config.config_file);
  } catch (const YAML::Exception& e) {
    *error = config.config_file + ": line " + std::to_string(e.mark.line + 1) + ": " + e.msg;
    return false;
  }
  if (!root.IsMap()) {
    *error = config.config_file + ": expected a mapping of setting: value";
    return false;
  }
  // Read everything into a copy first: a file with an error changes nothing.
  ServeConfig staged = config;
  auto settings = Settings(staged);
  for (const auto& entry : root) {
    const std::string key = entry.first.as<std::string>();
    if (key == kTailSamplingKey) {
      if (!ParseTailSamplingSection(entry.second, &staged.tail_sampling, error)) {
        *error = config.config_file + ": tail_sampling: " + *error;
        return false;
      }
      continue;
    }
    auto setting = settings.find(key);
    if (setting == settings.end()) {
      *error = config.config_file + ": " + Where(entry.first) + ": unknown setting '" + key + "'";
      return false;
    }
    if (serve.count("--" + key) > 0) continue;  // the command line wins
    if (!ApplySetting(key, entry.second, setting->second, error)) {
      *error = config.config_file + ": " + *error;
      return false;
    }
  }
  config = staged;
  return true;
}

bool EmbeddedStoreOptionsOf(const ServeConfig& config, store::FsyncPolicy fsync,
                            std::chrono::nanoseconds retention_age, store::EmbeddedStoreOptions* options,
                            std::string* error) {
  const auto trace_idle = query::ParseGoDuration(config.trace_idle);
  const auto head_full_wait = query::ParseGoDuration(config.head_full_wait);
  if (!trace_idle || *trace_idle <= 0) {
    *error = "--trace-idle must be a positive duration such as 10s, not '" + config.trace_idle + "'";
    return false;
  }
  if (!head_full_wait || *head_full_wait < 0) {
    *error = "--head-full-wait must be a duration such as 1s (0: refuse at once), not '" +
             config.head_full_wait + "'";
    return false;
  }
  if (config.head_max_bytes < kMinHeadBytes) {
    *error = "--head-max-bytes must be at least " + std::to_string(kMinHeadBytes) + " (1 MiB)";
    return false;
  }
  using std::chrono::duration_cast;
  options->data_dir = config.data_dir;
  options->fsync = fsync;
  options->retention_age = duration_cast<std::chrono::seconds>(retention_age);
  options->retention_max_bytes = config.retention_max_bytes;
  options->compaction_target_bytes = config.compaction_target_bytes;
  options->compaction_max_spans = config.compaction_max_spans;
  options->compaction_fanout = config.compaction_fanout;
  options->head_max_bytes = config.head_max_bytes;
  options->trace_idle = duration_cast<std::chrono::milliseconds>(std::chrono::nanoseconds(*trace_idle));
  options->head_full_wait =
      duration_cast<std::chrono::milliseconds>(std::chrono::nanoseconds(*head_full_wait));
  return true;
}

bool RaiseOpenFileLimit(std::string* error) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    *error = std::string("cannot read the limit on open files: ") + std::strerror(errno);
    return false;
  }
  if (limit.rlim_cur >= limit.rlim_max) return true;
  const rlim_t soft = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    *error =
        "cannot raise the limit on open files from " + std::to_string(soft) + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

int RunServe(const CLI::App& serve, ServeConfig config) {
  std::string error;
  if (!ApplyConfigFile(serve, config, &error)) {
    std::cerr << "hoptrace serve: " << error << "\n";
    return 2;
  }
  const auto fsync = ParseFsync(config.fsync);
  const auto retention_age = query::ParseGoDuration(config.retention_age);
  if (!fsync || !retention_age || *retention_age < 0) {
    std::cerr << "hoptrace serve: " << (!fsync ? "--fsync must be always, interval or never"
                                                : "--retention-age must be a duration such as 72h")
              << "\n";
    return 2;
  }
  if (config.router.role != "all" && config.router.role != "router") {
    std::cerr << "hoptrace serve: role must be all or router, not '" << config.router.role << "'\n";
    return 2;
  }
  if (config.router.role == "router" && config.tail_sampling) {
    std::cerr << "hoptrace serve: a router forwards every span to the samplers; put tail_sampling in the "
                 "samplers' config, not the router's\n";
    return 2;
  }
  if (!RaiseOpenFileLimit(&error)) std::clog << "hoptrace serve: " << error << " (going on with it)\n";
  const sigset_t stop_signals = BlockStopSignals();
  if (config.router.role == "router") return RunRouter(config, stop_signals);

  metrics::Registry registry;
  metrics::RegisterProcessMetrics(registry);
  std::unique_ptr<store::Store> store;
  std::string store_description;  // for the startup line
  if (config.store == "clickhouse") {
    store = OpenClickHouseStore(config.clickhouse, config.data_dir, *fsync == store::FsyncPolicy::kEveryWrite,
                                std::chrono::nanoseconds(*retention_age), registry, &store_description, &error);
    if (!store) {
      std::cerr << "hoptrace serve: " << error << "\n";
      return 1;
    }
  } else {
    store::EmbeddedStoreOptions store_options;
    if (!EmbeddedStoreOptionsOf(config, *fsync, std::chrono::nanoseconds(*retention_age), &store_options,
                                &error)) {
      std::cerr << "hoptrace serve: " << error << "\n";
      return 2;
    }
    store_options.metrics = &registry;
    store_options.log = [](std::string_view line) { std::clog << "store: " << line << std::endl; };
    std::unique_ptr<store::EmbeddedStore> embedded;
    if (store::Status status = store::EmbeddedStore::Open(store_options, &embedded); !status.ok()) {
      std::cerr << "hoptrace serve: cannot open the store in " << config.data_dir << ": " << status.message() << "\n";
      return 1;
    }
    const auto& recovery = embedded->recovery();
    store_description = "store " + config.data_dir + " (" + std::to_string(recovery.blocks) + " blocks, " +
                        std::to_string(recovery.spans_replayed) + " spans replayed from the WAL)";
    store = std::move(embedded);
  }

  collector::StoreSink sink(*store);
  std::unique_ptr<TailSamplingStage> sampling;  // between the receivers and the store, when configured
  if (config.tail_sampling && !(sampling = TailSamplingStage::Start(*config.tail_sampling, sink, registry, &error))) {
    std::cerr << "hoptrace serve: tail_sampling: " << error << "\n";
    return 2;
  }
  const auto receivers = MakeReceivers(sampling ? sampling->sink() : sink, registry, config);

  query::HttpApi api(*store, registry);
  http::Router router;
  api.RegisterRoutes(router);
  ui::RegisterRoutes(router, registry);  // the web UI at /, below the API routes
  http::ServerOptions query_options;
  query_options.bind_address = config.bind_address;
  query_options.port = config.query_port;
  query_options.worker_threads = 4;
  http::Server query_server(query_options, std::move(router));

  if (!StartListening(receivers, query_server, &error)) {
    std::cerr << "hoptrace serve: " << error << "\n";
    return 1;
  }

  std::cout << "hoptrace serve: " << store_description << "\n";
  if (sampling) std::cout << "  " << sampling->Describe() << "\n";
  ServeUntilStopped(config, receivers, query_server, "UI /, /api/traces, /api/search, /metrics", stop_signals);
  if (sampling) sampling->Shutdown();  // after the receivers, before the store: writes the kept traces
  return 0;
}

}  // namespace hoptrace::cli
