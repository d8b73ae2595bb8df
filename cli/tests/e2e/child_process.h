#pragma once
// Real child processes for the end-to-end tests: posix_spawn with stdout and stderr sent to files (a
// pipe nobody drains could stall the child), bounded waits, and a temporary directory that cleans up.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace hoptrace::cli::e2e {

class TempDir {
 public:
  TempDir();  // a fresh directory under $TMPDIR (or /tmp)
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// How a finished child ended.
struct ExitStatus {
  int code = -1;   // exit code, or -1 when killed by a signal
  int signal = 0;  // the signal that killed it, or 0
  bool Succeeded() const { return code == 0; }
  std::string Describe() const;
};

class ChildProcess {
 public:
  // Starts argv[0] (searched on PATH when it has no '/') with stdout and stderr written to the
  // given files. Returns nullopt with `error` when it cannot be started.
  static std::optional<ChildProcess> Start(const std::vector<std::string>& argv,
                                           const std::filesystem::path& stdout_file,
                                           const std::filesystem::path& stderr_file, std::string* error);
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ~ChildProcess();  // a child still running is killed (SIGKILL) and reaped

  pid_t pid() const { return pid_; }
  bool Signal(int signal) const;
  // The exit status once the child has ended, or nullopt when it still runs after `timeout`.
  std::optional<ExitStatus> Wait(std::chrono::milliseconds timeout);
  // Whether it has ended (reaps it if so).
  bool HasExited();

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  void KillAndReap();
  pid_t pid_ = -1;  // -1 once reaped
  std::optional<ExitStatus> status_;
};

struct RunResult {
  bool timed_out = false;
  ExitStatus status;
  std::string out;
  std::string err;
};

// Runs a command to completion (killed after `timeout`) and returns what it printed.
RunResult RunToCompletion(const std::vector<std::string>& argv, const std::filesystem::path& scratch_dir,
                          std::chrono::milliseconds timeout);

std::string ReadFileOrEmpty(const std::filesystem::path& file);

// The full path of `program` on PATH, or nullopt.
std::optional<std::filesystem::path> FindOnPath(const std::string& program);

// Calls `done` every `interval` until it returns true or `timeout` has passed; returns its last answer.
bool PollUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout,
               std::chrono::milliseconds interval = std::chrono::milliseconds(20));

}  // namespace hoptrace::cli::e2e
