#pragma once
// `hoptrace serve` as a real process: every port ephemeral (port 0; the ports are read from what
// serve prints), a data directory that outlives restarts, and its output kept for failure messages.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "child_process.h"

namespace hoptrace::cli::e2e {

struct ServePorts {
  std::uint16_t otlp_grpc = 0;
  std::uint16_t otlp_http = 0;
  std::uint16_t zipkin = 0;
  std::uint16_t query = 0;
};

// Startup of a sanitizer build on a loaded 2-core machine can take a while.
inline constexpr std::chrono::seconds kServeStartTimeout{60};

class ServeProcess {
 public:
  // `data_dir` is the store; logs go beside it. `extra_args` are appended to the command line.
  ServeProcess(std::filesystem::path data_dir, std::vector<std::string> extra_args = {});
  ~ServeProcess();  // kills the process if it still runs

  // Starts the process and returns once it has printed its ports and answers GET /readyz.
  // False with `error` (including its output) otherwise.
  bool Start(std::string* error);
  // SIGTERM, then the exit status (nullopt when it did not stop within `timeout`).
  std::optional<ExitStatus> Terminate(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // SIGKILL, and waits until it is gone.
  void Kill();

  const ServePorts& ports() const { return ports_; }
  std::string OtlpHttpUrl() const;  // http://127.0.0.1:port/v1/traces
  std::string OtlpGrpcUrl() const;  // http://127.0.0.1:port
  // What the current (or last) run printed, for failure messages.
  std::string Output() const;

 private:
  std::filesystem::path data_dir_;
  std::vector<std::string> extra_args_;
  int runs_ = 0;
  std::filesystem::path stdout_file_;
  std::filesystem::path stderr_file_;
  std::optional<ChildProcess> child_;
  ServePorts ports_;
};

// The path of the hoptrace binary under test (set by the build).
std::filesystem::path HoptraceBinary();

// `hoptrace serve` on 127.0.0.1 with every port ephemeral (0) but those in `fixed_ports` (flag → port).
std::vector<std::string> ServeCommand(const std::filesystem::path& data_dir,
                                      const std::map<std::string, std::uint16_t>& fixed_ports = {});

// Writes `yaml` as `dir`/`name`, a config file for `hoptrace serve --config`; returns its path.
std::filesystem::path WriteServeConfig(const std::filesystem::path& dir, const std::string& yaml,
                                       const std::string& name = "serve.yaml");

}  // namespace hoptrace::cli::e2e
