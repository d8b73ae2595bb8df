#include "clickhouse_server.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "hoptrace/http/client.h"

namespace hoptrace::store::testing {
namespace fs = std::filesystem;
namespace {

constexpr const char* kServerBinary = "/usr/sbin/clickhouse-server";

void WriteConfig(const fs::path& dir, ClickHouseServer::Ports ports, const std::string& remote_servers) {
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
      // Every query's rows and bytes read, for benchmarks and for profiling a slow query.
      << "  <query_log><database>system</database><table>query_log</table>"
      << "<flush_interval_milliseconds>1000</flush_interval_milliseconds></query_log>\n"
      << "</yandex>\n";
}

bool Answers(const std::string& url) {
  http::Client client(url, std::chrono::milliseconds(500));
  std::string error;
  const auto response = client.Get("/ping", &error);
  return response && response->status == 200;
}

}  // namespace

bool ClickHouseInstalled() { return ::access(kServerBinary, X_OK) == 0; }

std::vector<int> FreePorts(std::size_t count) {
  std::vector<int> sockets, ports;
  for (std::size_t i = 0; i < count; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      if (fd >= 0) ::close(fd);
      continue;
    }
    sockets.push_back(fd);  // held until all are chosen, so the same port is not handed out twice
    ports.push_back(ntohs(address.sin_port));
  }
  for (const int fd : sockets) ::close(fd);
  return ports;
}

std::unique_ptr<ClickHouseServer> ClickHouseServer::Start(const fs::path& dir, Ports ports,
                                                          const std::string& remote_servers, std::string* error) {
  fs::create_directories(dir);
  if (ports.http == 0 || ports.tcp == 0) {
    const std::vector<int> free = FreePorts(2);
    if (free.size() < 2) {
      *error = "no free ports";
      return nullptr;
    }
    ports = {free[0], free[1]};
  }
  WriteConfig(dir, ports, remote_servers);
  std::unique_ptr<ClickHouseServer> server(new ClickHouseServer(dir, ports));
  if (!server->Launch(error)) return nullptr;
  return server;
}

bool ClickHouseServer::Launch(std::string* error) {
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
    return false;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (Answers(url())) return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      *error = "clickhouse-server exited at start; see " + output;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  *error = "clickhouse-server did not answer within 30 s; see " + output;
  Stop();
  return false;
}

void ClickHouseServer::Stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  for (int i = 0; i < 200; ++i) {  // 10 s
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

bool ClickHouseServer::Restart(std::string* error) {
  Stop();
  return Launch(error);
}

ClickHouseServer::~ClickHouseServer() { Stop(); }

std::unique_ptr<ClickHouseCluster> ClickHouseCluster::Start(const fs::path& dir, const std::string& name,
                                                            std::string* error) {
  const std::vector<int> ports = FreePorts(4);
  if (ports.size() < 4) {
    *error = "no free ports";
    return nullptr;
  }
  std::string shards;
  for (int i = 0; i < 2; ++i) {
    shards += "<shard><replica><host>127.0.0.1</host><port>" + std::to_string(ports[2 * i + 1]) +
              "</port></replica></shard>";
  }
  auto cluster = std::make_unique<ClickHouseCluster>();
  cluster->name = name;
  for (int i = 0; i < 2; ++i) {
    auto server = ClickHouseServer::Start(dir / ("shard" + std::to_string(i + 1)), {ports[2 * i], ports[2 * i + 1]},
                                          "<" + name + ">" + shards + "</" + name + ">", error);
    if (!server) return nullptr;
    cluster->shards.push_back(std::move(server));
  }
  return cluster;
}

std::vector<std::string> ClickHouseCluster::urls() const {
  std::vector<std::string> urls;
  for (const auto& shard : shards) urls.push_back(shard->url());
  return urls;
}

}  // namespace hoptrace::store::testing
