#include "child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

extern char** environ;

namespace hoptrace::cli::e2e {

TempDir::TempDir() {
  const char* tmpdir = std::getenv("TMPDIR");
  std::string pattern =
      std::string(tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp") + "/hoptrace-e2e-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr)
    throw std::runtime_error("mkdtemp: " + std::string(std::strerror(errno)));
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string ExitStatus::Describe() const {
  return signal != 0 ? "killed by signal " + std::to_string(signal) : "exit code " + std::to_string(code);
}

namespace {

// The child starts with default signal handling and nothing blocked, whatever the test runner set.
struct SpawnAttributes {
  posix_spawnattr_t attributes;
  SpawnAttributes() {
    posix_spawnattr_init(&attributes);
    sigset_t none;
    sigemptyset(&none);
    sigset_t all;
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &all);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  }
  ~SpawnAttributes() { posix_spawnattr_destroy(&attributes); }
};

struct FileActions {
  posix_spawn_file_actions_t actions;
  FileActions() { posix_spawn_file_actions_init(&actions); }
  ~FileActions() { posix_spawn_file_actions_destroy(&actions); }
};

ExitStatus FromWaitStatus(int status) {
  if (WIFSIGNALED(status)) return {.code = -1, .signal = WTERMSIG(status)};
  return {.code = WEXITSTATUS(status), .signal = 0};
}

}  // namespace

std::optional<ChildProcess> ChildProcess::Start(const std::vector<std::string>& argv,
                                                const std::filesystem::path& stdout_file,
                                                const std::filesystem::path& stderr_file,
                                                std::string* error) {
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  FileActions files;
  constexpr int kFlags = O_WRONLY | O_CREAT | O_TRUNC;  // no O_CLOEXEC: these are the child's own fds
  posix_spawn_file_actions_addopen(&files.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&files.actions, STDOUT_FILENO, stdout_file.c_str(), kFlags, 0644);
  posix_spawn_file_actions_addopen(&files.actions, STDERR_FILENO, stderr_file.c_str(), kFlags, 0644);
  SpawnAttributes attributes;
  pid_t pid = -1;
  const int result =
      posix_spawnp(&pid, args[0], &files.actions, &attributes.attributes, args.data(), environ);
  if (result != 0) {
    *error = "cannot start " + argv[0] + ": " + std::strerror(result);
    return std::nullopt;
  }
  return ChildProcess(pid);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), status_(other.status_) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    KillAndReap();
    pid_ = std::exchange(other.pid_, -1);
    status_ = other.status_;
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  KillAndReap();
}

void ChildProcess::KillAndReap() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

bool ChildProcess::Signal(int signal) const {
  return pid_ > 0 && ::kill(pid_, signal) == 0;
}

bool ChildProcess::HasExited() {
  if (pid_ > 0) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      status_ = FromWaitStatus(status);
      pid_ = -1;
    }
  }
  return status_.has_value();
}

std::optional<ExitStatus> ChildProcess::Wait(std::chrono::milliseconds timeout) {
  PollUntil([this] { return HasExited(); }, timeout, std::chrono::milliseconds(10));
  return status_;
}

RunResult RunToCompletion(const std::vector<std::string>& argv, const std::filesystem::path& scratch_dir,
                          std::chrono::milliseconds timeout) {
  static std::atomic<int> runs{0};
  const std::string stem = (scratch_dir / ("run-" + std::to_string(runs++))).string();
  RunResult result;
  std::string error;
  auto child = ChildProcess::Start(argv, stem + ".stdout", stem + ".stderr", &error);
  if (!child) {
    result.err = error;
    return result;
  }
  if (auto status = child->Wait(timeout)) {
    result.status = *status;
  } else {
    result.timed_out = true;
    child->Signal(SIGKILL);
    result.status = child->Wait(std::chrono::seconds(10)).value_or(ExitStatus{});
  }
  result.out = ReadFileOrEmpty(stem + ".stdout");
  result.err = ReadFileOrEmpty(stem + ".stderr");
  return result;
}

std::string ReadFileOrEmpty(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<std::filesystem::path> FindOnPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::istringstream directories(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
  for (std::string directory; std::getline(directories, directory, ':');) {
    const std::filesystem::path candidate =
        std::filesystem::path(directory.empty() ? "." : directory) / program;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

bool PollUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout,
               std::chrono::milliseconds interval) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(interval);
  }
}

}  // namespace hoptrace::cli::e2e
