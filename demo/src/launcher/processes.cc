#include "processes.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace hoptrace::demo {
namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(50);

// In the child, between fork and exec: only async-signal-safe calls.
[[noreturn]] void ExecChild(const std::vector<char*>& argv, const std::vector<char*>& environment, int log_fd, pid_t group) {
  setpgid(0, group);
  prctl(PR_SET_PDEATHSIG, SIGTERM);  // the launcher died (even by SIGKILL): go too
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_UNBLOCK, &all, nullptr);  // the launcher blocks its stop signals; the child must not inherit that
  dup2(log_fd, STDOUT_FILENO);
  dup2(log_fd, STDERR_FILENO);
  const int null_fd = open("/dev/null", O_RDONLY);
  if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
  execve(argv[0], argv.data(), environment.data());
  _exit(127);
}

// Reaps the child if it has exited; true when it is gone.
bool HasExited(pid_t pid) {
  int status = 0;
  const pid_t result = waitpid(pid, &status, WNOHANG);
  return result == pid || (result < 0 && errno == ECHILD);
}

bool WaitForPidExit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!HasExited(pid)) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(kPollInterval);
  }
  return true;
}

std::string ReadFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Whether pid runs a hoptrace program (so a recycled pid of something else is left alone).
bool RunsHoptrace(pid_t pid) {
  const std::string command_line = ReadFile("/proc/" + std::to_string(pid) + "/cmdline");
  return command_line.find("hoptrace") != std::string::npos;
}

}  // namespace

std::string TailOf(const std::filesystem::path& file, std::size_t bytes) {
  const std::string text = ReadFile(file);
  return text.size() > bytes ? text.substr(text.size() - bytes) : text;
}

bool ProcessGroup::Start(const ProcessSpec& spec, std::string* error) {
  const int log_fd = open(spec.log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    *error = "cannot write " + spec.log.string() + ": " + std::strerror(errno);
    return false;
  }
  // Everything exec needs is built before fork: the child may only make async-signal-safe calls.
  std::vector<std::string> environment_strings;
  for (char** variable = environ; *variable != nullptr; ++variable) environment_strings.emplace_back(*variable);
  environment_strings.insert(environment_strings.end(), spec.environment.begin(), spec.environment.end());
  std::vector<char*> environment;
  for (auto& variable : environment_strings) environment.push_back(variable.data());
  environment.push_back(nullptr);
  std::vector<std::string> argv_strings = spec.argv;
  std::vector<char*> argv;
  for (auto& argument : argv_strings) argv.push_back(argument.data());
  argv.push_back(nullptr);

  const pid_t pid = fork();
  if (pid < 0) {
    close(log_fd);
    *error = std::string("fork: ") + std::strerror(errno);
    return false;
  }
  if (pid == 0) ExecChild(argv, environment, log_fd, group_);
  close(log_fd);
  setpgid(pid, group_ == 0 ? pid : group_);  // also here: whichever of parent and child runs first
  if (group_ == 0) group_ = pid;
  children_.push_back({spec.name, pid, spec.log});
  WritePidFile();
  return true;
}

std::optional<std::uint16_t> ProcessGroup::WaitForPort(const std::string& name, const std::string& marker,
                                                       std::chrono::milliseconds timeout, std::string* error) {
  const auto child = Find(name);
  if (child == children_.end()) {
    *error = "no process named " + name;
    return std::nullopt;
  }
  const std::string prefix = marker + "127.0.0.1:";
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string log = ReadFile(child->log);
    if (const std::size_t at = log.find(prefix); at != std::string::npos) {
      const std::size_t end = log.find_first_not_of("0123456789", at + prefix.size());
      if (end != std::string::npos) return static_cast<std::uint16_t>(std::stoul(log.substr(at + prefix.size(), end - at - prefix.size())));
    }
    if (HasExited(child->pid)) {
      *error = name + " exited during startup; its log (" + child->log.string() + ") ends:\n" + TailOf(child->log);
      return std::nullopt;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  *error = name + " did not start listening within " + std::to_string(timeout.count()) + " ms; its log ends:\n" + TailOf(child->log);
  return std::nullopt;
}

std::vector<ProcessGroup::Child>::iterator ProcessGroup::Find(const std::string& name) {
  return std::find_if(children_.begin(), children_.end(), [&](const Child& c) { return c.name == name; });
}

std::optional<int> ProcessGroup::WaitForExit(const std::string& name, std::chrono::milliseconds timeout) {
  const auto child = Find(name);
  if (child == children_.end()) return std::nullopt;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (waitpid(child->pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(kPollInterval);
  }
  children_.erase(child);
  WritePidFile();
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void ProcessGroup::Stop(const std::string& name, std::chrono::milliseconds timeout) {
  const auto child = Find(name);
  if (child == children_.end()) return;
  kill(child->pid, SIGTERM);
  if (!WaitForPidExit(child->pid, timeout)) {
    kill(child->pid, SIGKILL);
    WaitForPidExit(child->pid, std::chrono::seconds(5));
  }
  children_.erase(child);
  WritePidFile();
}

void ProcessGroup::StopAll(std::chrono::milliseconds timeout) {
  while (!children_.empty()) Stop(children_.back().name, timeout);
  std::error_code ignored;
  std::filesystem::remove(pid_file_, ignored);
}

void ProcessGroup::WritePidFile() const {
  std::ofstream out(pid_file_, std::ios::trunc);
  for (const Child& child : children_) out << child.pid << " " << child.name << "\n";
}

void CleanUpStaleRun(const std::filesystem::path& pid_file) {
  std::ifstream in(pid_file);
  pid_t pid = 0;
  std::string name;
  std::vector<pid_t> stale;
  while (in >> pid >> name) {
    if (pid > 1 && kill(pid, 0) == 0 && RunsHoptrace(pid)) stale.push_back(pid);
  }
  for (pid_t p : stale) kill(p, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (pid_t p : stale) {
    while (kill(p, 0) == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(kPollInterval);
    if (kill(p, 0) == 0) kill(p, SIGKILL);
  }
  std::error_code ignored;
  std::filesystem::remove(pid_file, ignored);
}

}  // namespace hoptrace::demo
