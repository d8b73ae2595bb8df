#pragma once
// Real clickhouse-server processes for tests and benchmarks: each in its own directory (config,
// data, logs) on free loopback ports; a two-shard cluster is two of them with a remote_servers
// section naming both. Needs /usr/sbin/clickhouse-server (scripts/setup.sh installs it).
//
// A port picked free is released before the server binds it, so a parallel test may take it first:
// then this server exits at start while /ping would reach the other one. Each launch therefore names
// its server with a macro of its own and waits for that name, and a start on picked ports that exits
// is tried again on fresh ones. A stopped server's ports stay reserved until it restarts on them.

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace hoptrace::http::testing {
class ReservedLocalPort;
}

namespace hoptrace::store::testing {

// Whether clickhouse-server is installed (tests skip, with a message, when it is not).
bool ClickHouseInstalled();

class ClickHouseServer {
 public:
  struct Ports {
    int http = 0;
    int tcp = 0;
  };
  // Writes the config into `dir` and starts the server; `remote_servers` is the inner XML of a
  // <remote_servers> element (empty: none). Waits until this server answers with its own name. Ports
  // left 0 are picked free (again, up to a few times, when the server exits at start).
  static std::unique_ptr<ClickHouseServer> Start(const std::filesystem::path& dir, Ports ports,
                                                 const std::string& remote_servers, std::string* error);
  ~ClickHouseServer();

  std::string url() const { return "http://127.0.0.1:" + std::to_string(ports_.http); }
  const Ports& ports() const { return ports_; }

  // SIGTERM, then SIGKILL after a few seconds; the data stays. Each port is reserved the moment the
  // server lets it go, so that no parallel test's server takes it before Restart.
  void Stop();
  bool Restart(std::string* error);  // the same config, data and ports

 private:
  friend struct ClickHouseCluster;
  enum class Launched { kReady, kExitedAtStart, kNoAnswer };

  ClickHouseServer(std::filesystem::path dir, Ports ports);
  // One start on the ports given; `launched` says whether fresh ports could help.
  static std::unique_ptr<ClickHouseServer> StartOn(const std::filesystem::path& dir, Ports ports,
                                                   const std::string& remote_servers, Launched* launched,
                                                   std::string* error);
  Launched Launch(std::string* error);
  void Terminate(bool reserve_ports);  // SIGTERM, then SIGKILL after a few seconds
  void ReserveFreedPorts();

  std::filesystem::path dir_;
  Ports ports_;
  std::string instance_;  // the macro this server answers with
  pid_t pid_ = -1;
  std::vector<std::unique_ptr<http::testing::ReservedLocalPort>> reserved_ports_;  // while stopped
};

// Two servers in `dir`/shard1 and `dir`/shard2 forming cluster `name`, one shard each.
struct ClickHouseCluster {
  std::string name;
  std::vector<std::unique_ptr<ClickHouseServer>> shards;
  static std::unique_ptr<ClickHouseCluster> Start(const std::filesystem::path& dir, const std::string& name,
                                                  std::string* error);
  std::vector<std::string> urls() const;
};

}  // namespace hoptrace::store::testing
