#include "clickhouse_server.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <fstream>
#include <random>
#include <thread>

#include "held_port.h"
#include "hoptrace/http/client.h"

namespace hoptrace::store::testing {
namespace fs = std::filesystem;
namespace {

constexpr const char* kServerBinary = "/usr/sbin/clickhouse-server";
// The macro naming each launch's server, read back by the readiness check (system.macros: 18.16 has
// neither getMacro() nor display_name).
constexpr const char* kInstanceMacro = "hoptrace_test_instance";
// Starts on picked ports before giving up; each failed one costs about a second.
constexpr int kPortAttempts = 5;

std::string NewInstanceName() {
  std::random_device random;
  return std::to_string(::getpid()) + "-" + std::to_string(random()) + "-" + std::to_string(random());
}

void WriteConfig(const fs::path& dir, ClickHouseServer::Ports ports, const std::string& remote_servers,
                 const std::string& instance) {
  const std::string root = dir.string();
  std::ofstream(dir / "users.xml") << R"(<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage><log_queries>1</log_queries></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks>
    <profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
)";
  std::ofstream(dir / "config.xml") << "<?xml version=\"1.0\"?>\n<yandex>\n"
      << "  <logger><level>warning</level><log>" << root << "/server.log</log><errorlog>" << root
      << "/server.err.log</errorlog><console>0</console></logger>\n"
      << "  <listen_host>127.0.0.1</listen_host>\n"
      << "  <http_port>" << ports.http << "</http_port>\n  <tcp_port>" << ports.tcp << "</tcp_port>\n"
      << "  <path>" << root << "/data/</path>\n  <tmp_path>" << root << "/tmp/</tmp_path>\n"
      << "  <user_files_path>" << root << "/user_files/</user_files_path>\n"
      << "  <format_schema_path>" << root << "/format_schemas/</format_schema_path>\n"
      << "  <users_config>" << root << "/users.xml</users_config>\n"
      << "  <default_profile>default</default_profile>\n  <default_database>default</default_database>\n"
      << "  <mark_cache_size>268435456</mark_cache_size>\n  <mlock_executable>false</mlock_executable>\n"
      << "  <remote_servers>" << remote_servers << "</remote_servers>\n"
      << "  <macros><" << kInstanceMacro << ">" << instance << "</" << kInstanceMacro << "></macros>\n"
      // Every query's rows and bytes read, for benchmarks and for profiling a slow query.
      << "  <query_log><database>system</database><table>query_log</table>"
      << "<flush_interval_milliseconds>1000</flush_interval_milliseconds></query_log>\n"
      << "</yandex>\n";
}

// Whether the server answering on `url` is the one named `instance`.
bool AnswersAs(const std::string& url, const std::string& instance) {
  http::Client client(url, std::chrono::milliseconds(500));
  std::string error;
  const std::string query =
      std::string("SELECT substitution FROM system.macros WHERE macro = '") + kInstanceMacro + "'";
  const auto response = client.Post("/", query, "text/plain", &error);
  return response && response->status == 200 && response->body == instance + "\n";
}

// Free TCP ports on 127.0.0.1, released on return: another process may take one before the server
// binds it (see the header).
std::vector<int> FreePorts(std::size_t count) {
  std::deque<http::testing::ClosedLocalPort> held;  // until all are chosen, so none is handed out twice
  std::vector<int> ports;
  for (std::size_t i = 0; i < count; ++i) ports.push_back(held.emplace_back().port());
  return ports;
}

}  // namespace

bool ClickHouseInstalled() { return ::access(kServerBinary, X_OK) == 0; }

std::unique_ptr<ClickHouseServer> ClickHouseServer::Start(const fs::path& dir, Ports ports,
                                                          const std::string& remote_servers, std::string* error) {
  const bool pick_ports = ports.http == 0 || ports.tcp == 0;
  Launched launched = Launched::kExitedAtStart;
  for (int attempt = 0; attempt < kPortAttempts && launched == Launched::kExitedAtStart; ++attempt) {
    if (pick_ports) {
      const std::vector<int> free = FreePorts(2);
      ports = {free[0], free[1]};
    }
    auto server = StartOn(dir, ports, remote_servers, &launched, error);
    if (server || !pick_ports) return server;
  }
  return nullptr;
}

ClickHouseServer::ClickHouseServer(fs::path dir, Ports ports) : dir_(std::move(dir)), ports_(ports) {}

std::unique_ptr<ClickHouseServer> ClickHouseServer::StartOn(const fs::path& dir, Ports ports,
                                                            const std::string& remote_servers, Launched* launched,
                                                            std::string* error) {
  fs::create_directories(dir);
  std::unique_ptr<ClickHouseServer> server(new ClickHouseServer(dir, ports));
  server->instance_ = NewInstanceName();
  WriteConfig(dir, ports, remote_servers, server->instance_);
  *launched = server->Launch(error);
  if (*launched != Launched::kReady) return nullptr;
  return server;
}

ClickHouseServer::Launched ClickHouseServer::Launch(std::string* error) {
  const std::string config = "--config-file=" + (dir_ / "config.xml").string();
  const std::string output = (dir_ / "stdout.log").string();
  pid_ = ::fork();
  if (pid_ == 0) {
    const int fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    ::execl(kServerBinary, kServerBinary, config.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  if (pid_ < 0) {
    *error = "fork failed";
    return Launched::kNoAnswer;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (AnswersAs(url(), instance_)) return Launched::kReady;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      *error = "clickhouse-server exited at start (its port taken?); see " + output + " and " +
               (dir_ / "server.err.log").string();
      return Launched::kExitedAtStart;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  *error = "clickhouse-server did not answer within 30 s; see " + output;
  Terminate(/*reserve_ports=*/false);
  return Launched::kNoAnswer;
}

void ClickHouseServer::Stop() {
  Terminate(/*reserve_ports=*/true);
}

void ClickHouseServer::Terminate(bool reserve_ports) {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  // Polled often: the shorter the time between the server closing a port and this reserving it,
  // the smaller the chance that another process binds it in between.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (pid_ > 0 && std::chrono::steady_clock::now() < deadline) {
    if (reserve_ports) ReserveFreedPorts();
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) pid_ = -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  if (reserve_ports) ReserveFreedPorts();
}

void ClickHouseServer::ReserveFreedPorts() {
  for (const int port : {ports_.http, ports_.tcp}) {
    const bool reserved = std::any_of(reserved_ports_.begin(), reserved_ports_.end(),
                                      [&](const auto& reservation) { return reservation->port() == port; });
    if (reserved) continue;
    auto reservation = http::testing::ReservedLocalPort::TryReserve(static_cast<std::uint16_t>(port));
    if (reservation) reserved_ports_.push_back(std::move(reservation));
  }
}

bool ClickHouseServer::Restart(std::string* error) {
  Stop();
  if (reserved_ports_.size() < 2) {
    *error = "a port of the stopped clickhouse-server was taken before it could be reserved";
    reserved_ports_.clear();
    return false;
  }
  const Launched launched = Launch(error);  // the server binds beside the reservations (SO_REUSEADDR)
  reserved_ports_.clear();
  return launched == Launched::kReady;
}

ClickHouseServer::~ClickHouseServer() {
  Terminate(/*reserve_ports=*/false);
}

// Each shard's config names both shards' ports, so a shard that loses its port restarts the cluster
// on fresh ones.
std::unique_ptr<ClickHouseCluster> ClickHouseCluster::Start(const fs::path& dir, const std::string& name,
                                                            std::string* error) {
  auto cluster = std::make_unique<ClickHouseCluster>();
  cluster->name = name;
  ClickHouseServer::Launched launched = ClickHouseServer::Launched::kExitedAtStart;
  for (int attempt = 0; attempt < kPortAttempts && launched == ClickHouseServer::Launched::kExitedAtStart;
       ++attempt) {
    const std::vector<int> ports = FreePorts(4);
    std::string shards;
    for (int i = 0; i < 2; ++i) {
      shards += "<shard><replica><host>127.0.0.1</host><port>" + std::to_string(ports[2 * i + 1]) +
                "</port></replica></shard>";
    }
    cluster->shards.clear();
    for (int i = 0; i < 2; ++i) {
      auto server = ClickHouseServer::StartOn(dir / ("shard" + std::to_string(i + 1)),
                                              {ports[2 * i], ports[2 * i + 1]},
                                              "<" + name + ">" + shards + "</" + name + ">", &launched, error);
      if (!server) break;
      cluster->shards.push_back(std::move(server));
    }
    if (cluster->shards.size() == 2) return cluster;
  }
  return nullptr;
}

std::vector<std::string> ClickHouseCluster::urls() const {
  std::vector<std::string> urls;
  for (const auto& shard : shards) urls.push_back(shard->url());
  return urls;
}

}  // namespace hoptrace::store::testing
