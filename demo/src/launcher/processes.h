#pragma once
// The demo's child processes: started in one process group of their own (so the terminal's Ctrl-C
// reaches only the launcher, which then stops them in order), each killed by the kernel if the
// launcher dies (PR_SET_PDEATHSIG), output to a log file, stopped with SIGTERM then SIGKILL after a
// timeout. Their pids are written to a pid file so a later run can clean up after a crashed one.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace hoptrace::demo {

struct ProcessSpec {
  std::string name;
  std::vector<std::string> argv;         // argv[0] is the program's path
  std::vector<std::string> environment;  // "NAME=value" added to the launcher's own environment
  std::filesystem::path log;             // stdout and stderr
};

class ProcessGroup {
 public:
  explicit ProcessGroup(std::filesystem::path pid_file) : pid_file_(std::move(pid_file)) {}
  ~ProcessGroup() { StopAll(); }
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  // Starts the process; false with `error` when it cannot be started.
  bool Start(const ProcessSpec& spec, std::string* error);
  // The port in the first "<marker>127.0.0.1:<port>" its log shows, waiting up to `timeout`;
  // nullopt (with the log's tail in `error`) when it exited or never printed one.
  std::optional<std::uint16_t> WaitForPort(const std::string& name, const std::string& marker, std::chrono::milliseconds timeout,
                                           std::string* error);
  // The exit code of the named process once it has ended by itself (-1 when killed by a signal), or
  // nullopt when it still runs after `timeout`.
  std::optional<int> WaitForExit(const std::string& name, std::chrono::milliseconds timeout);
  // SIGTERM to the named process, SIGKILL after `timeout`.
  void Stop(const std::string& name, std::chrono::milliseconds timeout);
  // Every process, last started first.
  void StopAll(std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  struct Child {
    std::string name;
    pid_t pid;
    std::filesystem::path log;
  };
  std::vector<Child>::iterator Find(const std::string& name);
  void WritePidFile() const;

  std::filesystem::path pid_file_;
  pid_t group_ = 0;  // the process group, the first child's pid
  std::vector<Child> children_;
};

// Stops what a previous run left behind (its pid file names the processes; only those still running
// a hoptrace program are signalled) and removes the pid file.
void CleanUpStaleRun(const std::filesystem::path& pid_file);

// The last `bytes` of a file, for error messages.
std::string TailOf(const std::filesystem::path& file, std::size_t bytes = 2000);

}  // namespace hoptrace::demo
