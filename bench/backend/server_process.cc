#include "server_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <thread>

namespace hoptrace::bench {
namespace {

// The port at the end of "<host>:<port>" that follows `marker` in `line`; 0 when absent.
std::uint16_t PortAfter(const std::string& line, std::string_view marker) {
  const std::size_t at = line.find(marker);
  if (at == std::string::npos) return 0;
  std::string_view address = std::string_view(line).substr(at + marker.size());
  address = address.substr(0, address.find(' '));
  const std::size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) return 0;
  std::uint16_t port = 0;
  std::from_chars(address.data() + colon + 1, address.data() + address.size(), port);
  return port;
}

std::vector<std::string> CommandLine(const ServeOptions& options) {
  std::vector<std::string> args = {"taskset",          "-c",           std::to_string(options.cpu),
                                   options.binary,     "serve",        "--data-dir",
                                   options.data_dir,   "--fsync",      options.fsync,
                                   "--bind",           "127.0.0.1",    "--otlp-http-port",
                                   "0",                "--otlp-grpc-port", "0",
                                   "--zipkin-port",    "0",            "--query-port",
                                   "0"};
  args.insert(args.end(), options.extra_flags.begin(), options.extra_flags.end());
  return args;
}

}  // namespace

std::unique_ptr<ServerProcess> ServerProcess::Start(const ServeOptions& options, std::string* error,
                                                    std::chrono::seconds startup_timeout) {
  const std::vector<std::string> args = CommandLine(options);
  std::vector<char*> argv;
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  const int log_fd = ::open(options.log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int out[2];
  if (log_fd < 0 || ::pipe2(out, O_CLOEXEC) != 0) {
    *error = "cannot create the server's log file or pipe";
    if (log_fd >= 0) ::close(log_fd);
    return nullptr;
  }
  const pid_t pid = ::fork();
  if (pid == 0) {  // child: only async-signal-safe calls until exec
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(log_fd);
  if (pid < 0) {
    ::close(out[0]);
    *error = "fork failed";
    return nullptr;
  }
  std::unique_ptr<ServerProcess> server(new ServerProcess());
  server->pid_ = pid;
  server->stdout_fd_ = out[0];
  if (!server->ReadPorts(startup_timeout, error)) {
    *error += " (server log: " + options.log_path + ")";
    return nullptr;  // the destructor stops it
  }
  return server;
}

bool ServerProcess::ReadPorts(std::chrono::seconds timeout, std::string* error) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string pending;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd ready{stdout_fd_, POLLIN, 0};
    if (::poll(&ready, 1, 200) <= 0) continue;
    char buffer[4096];
    const ssize_t n = ::read(stdout_fd_, buffer, sizeof buffer);
    if (n <= 0) {
      *error = "hoptrace serve exited before it was ready";
      return false;
    }
    pending.append(buffer, static_cast<std::size_t>(n));
    for (std::size_t end; (end = pending.find('\n')) != std::string::npos; pending.erase(0, end + 1)) {
      const std::string line = pending.substr(0, end);
      if (line.find("otlp_http receiver") != std::string::npos) otlp_http_port_ = PortAfter(line, " on ");
      if (line.find("otlp_grpc receiver") != std::string::npos) otlp_grpc_port_ = PortAfter(line, " on ");
      if (line.find("query API") != std::string::npos) query_port_ = PortAfter(line, " on http://");
      if (line.find("Ctrl-C to stop") != std::string::npos) {
        if (otlp_http_port_ && otlp_grpc_port_ && query_port_) return true;
        *error = "hoptrace serve did not print all of its ports";
        return false;
      }
    }
  }
  *error = "hoptrace serve was not ready within " + std::to_string(timeout.count()) + " s";
  return false;
}

ServerProcess::~ServerProcess() { Stop(); }

bool ServerProcess::Stop(std::chrono::seconds timeout) {
  if (pid_ <= 0) return true;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  pid_t reaped = 0;
  while (reaped == 0) {
    if (std::chrono::steady_clock::now() >= deadline) Kill();
    {
      std::lock_guard lock(reap_mutex_);
      reaped = ::waitpid(pid_, &status, WNOHANG);  // -1: not our child any more, nothing to wait for
      if (reaped != 0) pid_ = -1;
    }
    if (reaped == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::close(stdout_fd_);
  stdout_fd_ = -1;
  return reaped > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void ServerProcess::Kill() {
  std::lock_guard lock(reap_mutex_);
  if (pid_ > 0) ::kill(pid_, SIGKILL);
}

std::uint64_t ServerProcess::StatusBytes(std::string_view field) const {
  std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with(field)) return std::stoull(line.substr(field.size())) * 1024;  // "VmHWM:   1234 kB"
  }
  return 0;
}

double ServerProcess::CpuSeconds() const {
  std::ifstream stat("/proc/" + std::to_string(pid_) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const std::size_t after_name = text.rfind(')');  // the command name may hold spaces
  if (after_name == std::string::npos) return 0;
  std::istringstream fields(text.substr(after_name + 2));
  std::string field;
  std::uint64_t utime = 0, stime = 0;
  // Fields 3.. of proc(5): state is field 3, utime 14, stime 15.
  for (int index = 3; index <= 15 && fields >> field; ++index) {
    if (index == 14) utime = std::stoull(field);
    if (index == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

}  // namespace hoptrace::bench
