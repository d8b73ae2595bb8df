#pragma once
// A real `hoptrace serve` child process for the backend benchmarks: pinned to one CPU with
// `taskset -c N`, every port ephemeral on 127.0.0.1, stderr (the store's log) to a file.

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace hoptrace::bench {

struct ServeOptions {
  std::string binary;    // the hoptrace executable
  std::string data_dir;
  std::string fsync = "always";
  int cpu = 1;           // taskset -c <cpu>
  std::string log_path;  // the server's stderr
  std::vector<std::string> extra_flags;
};

class ServerProcess {
 public:
  // Starts the server and waits (at most `startup_timeout`) until it has printed its ports.
  // Null with `error` when it cannot be started or does not come up.
  static std::unique_ptr<ServerProcess> Start(const ServeOptions& options, std::string* error,
                                              std::chrono::seconds startup_timeout = std::chrono::seconds(60));
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // SIGTERM, then waits for a clean exit; SIGKILL after `timeout`. Returns true on exit status 0.
  bool Stop(std::chrono::seconds timeout = std::chrono::seconds(60));
  // SIGKILL now (from any thread); Stop still reaps it.
  void Kill();

  pid_t pid() const { return pid_; }
  std::uint16_t otlp_http_port() const { return otlp_http_port_; }
  std::uint16_t otlp_grpc_port() const { return otlp_grpc_port_; }
  std::uint16_t query_port() const { return query_port_; }

  // VmHWM from /proc/PID/status: the peak resident set so far (0 when unreadable).
  std::uint64_t PeakRssBytes() const { return StatusBytes("VmHWM:"); }
  std::uint64_t RssBytes() const { return StatusBytes("VmRSS:"); }
  // User + system CPU time the process has used so far, from /proc/PID/stat.
  double CpuSeconds() const;

 private:
  ServerProcess() = default;
  bool ReadPorts(std::chrono::seconds timeout, std::string* error);
  std::uint64_t StatusBytes(std::string_view field) const;

  std::mutex reap_mutex_;  // a pid is never signalled after it has been reaped
  std::atomic<pid_t> pid_{-1};
  int stdout_fd_ = -1;  // kept open until exit: the server prints on stop too
  std::uint16_t otlp_http_port_ = 0;
  std::uint16_t otlp_grpc_port_ = 0;
  std::uint16_t query_port_ = 0;
};

}  // namespace hoptrace::bench
