#pragma once
// `hoptrace serve`: receivers (OTLP gRPC/HTTP, Zipkin), the embedded store and the query API in one
// process, like Jaeger's all-in-one.

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "clickhouse_store_config.h"
#include "router_role.h"

namespace hoptrace::collector {
class Receiver;
class SpanSink;
}  // namespace hoptrace::collector
namespace hoptrace::metrics {
class Registry;
}  // namespace hoptrace::metrics
namespace hoptrace::store {
struct EmbeddedStoreOptions;
enum class FsyncPolicy : std::uint8_t;
}  // namespace hoptrace::store
namespace hoptrace::http {
class Server;
}  // namespace hoptrace::http

namespace hoptrace::collector::sampling {
struct TailSamplingConfig;
}  // namespace hoptrace::collector::sampling

namespace hoptrace::cli {

struct ServeConfig {
  std::string config_file;  // YAML; flags given on the command line win over it
  std::string data_dir = "./hoptrace-data";
  std::string bind_address = "127.0.0.1";
  std::uint16_t otlp_grpc_port = 4317;
  std::uint16_t otlp_http_port = 4318;
  std::uint16_t zipkin_port = 9411;
  std::uint16_t query_port = 16686;
  std::string fsync = "always";        // always | interval | never
  std::string retention_age = "168h";  // Go duration; 0 keeps everything
  std::uint64_t retention_max_bytes = 0;
  std::uint64_t compaction_target_bytes = 256ull << 20;  // 0: no compaction
  std::uint64_t compaction_max_spans = 100'000;          // a full cut's size: full cut blocks are final
  std::uint64_t compaction_fanout = 4;
  // The head of recent spans: cut into a block at this many bytes (writes wait, then are refused, at
  // twice it), trace by trace once a trace is idle this long; a write finding the head full waits this long.
  std::uint64_t head_max_bytes = 128ull << 20;
  std::string trace_idle = "10s";     // Go duration
  std::string head_full_wait = "1s";  // Go duration; 0 refuses at once
  std::uint64_t max_body_bytes = 8ull << 20;
  std::uint64_t max_decompressed_bytes = 32ull << 20;
  std::uint64_t max_spans_per_request = 50'000;
  std::uint64_t max_attributes_per_span = 128;
  std::uint64_t max_attribute_value_length = 16 * 1024;
  std::uint64_t max_queued_requests = 64;  // OTLP/gRPC Export calls in progress (0: no limit)
  // The config file's `tail_sampling:` section (collector/sampling/README.md); null: no tail sampling.
  std::shared_ptr<const collector::sampling::TailSamplingConfig> tail_sampling;
  RouterConfig router;  // --role router (command line only)
  std::string store = "embedded";  // embedded | clickhouse
  ClickHouseConfig clickhouse;     // --store clickhouse
};

// Adds the subcommand; `config` receives the flags.
CLI::App* AddServeCommand(CLI::App& app, ServeConfig& config);

// Applies the YAML file named by config.config_file to the fields whose flags were not given.
// Returns false with `error` naming the line and the problem.
bool ApplyConfigFile(const CLI::App& serve, ServeConfig& config, std::string* error);

// Shared with the router role: the three receivers feeding `sink`; starting them and then `server`
// (false with the line to print); then printing where they listen (`routes`: what the server
// answers), waiting for a stop signal and stopping them (requests in flight are answered).
std::vector<std::unique_ptr<collector::Receiver>> MakeReceivers(collector::SpanSink& sink, metrics::Registry& registry,
                                                               const ServeConfig& config);
bool StartListening(const std::vector<std::unique_ptr<collector::Receiver>>& receivers, http::Server& server,
                    std::string* error);
void ServeUntilStopped(const ServeConfig& config, const std::vector<std::unique_ptr<collector::Receiver>>& receivers,
                       http::Server& server, std::string_view routes, const sigset_t& stop_signals);

// Raises the soft limit on open files to the hard one: each block keeps its file open and each
// connection takes one, and 1024 (a shell's usual soft limit) is about 100 M spans of full cut
// blocks. Go servers (Tempo, Jaeger) get the same from their runtime. False, with *error, when the
// limit cannot be read or set.
bool RaiseOpenFileLimit(std::string* error);

// The embedded store's options from the serve settings (durations parsed and checked); false with
// *error naming the setting when one is out of range.
bool EmbeddedStoreOptionsOf(const ServeConfig& config, store::FsyncPolicy fsync,
                            std::chrono::nanoseconds retention_age, store::EmbeddedStoreOptions* options,
                            std::string* error);

// Runs until SIGINT/SIGTERM. Returns the process exit code.
int RunServe(const CLI::App& serve, ServeConfig config);

}  // namespace hoptrace::cli
