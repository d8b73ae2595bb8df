#include "serve_process.h"

#include <signal.h>

#include <fstream>
#include <regex>

#include "test_client.h"

namespace hoptrace::cli::e2e {
namespace {

// serve's last startup line; everything before it (the ports) has been written by then.
constexpr std::string_view kReadyLine = "Ctrl-C to stop.";

std::uint16_t PortAfter(const std::string& output, const std::string& pattern) {
  std::smatch match;
  if (!std::regex_search(output, match, std::regex(pattern + R"(127\.0\.0\.1:(\d+))"))) return 0;
  return static_cast<std::uint16_t>(std::stoi(match[1].str()));
}

}  // namespace

std::filesystem::path HoptraceBinary() {
  return HOPTRACE_BINARY;
}

std::vector<std::string> ServeCommand(const std::filesystem::path& data_dir,
                                      const std::map<std::string, std::uint16_t>& fixed_ports) {
  std::vector<std::string> argv = {HoptraceBinary().string(), "serve",  "--data-dir",
                                   data_dir.string(),         "--bind", "127.0.0.1"};
  for (const std::string flag : {"--otlp-grpc-port", "--otlp-http-port", "--zipkin-port", "--query-port"}) {
    const auto fixed = fixed_ports.find(flag);
    argv.insert(argv.end(), {flag, std::to_string(fixed != fixed_ports.end() ? fixed->second : 0)});
  }
  return argv;
}

std::filesystem::path WriteServeConfig(const std::filesystem::path& dir, const std::string& yaml,
                                       const std::string& name) {
  std::filesystem::create_directories(dir);
  const auto path = dir / name;
  std::ofstream(path) << yaml;
  return path;
}

ServeProcess::ServeProcess(std::filesystem::path data_dir, std::vector<std::string> extra_args)
    : data_dir_(std::move(data_dir)), extra_args_(std::move(extra_args)) {}

ServeProcess::~ServeProcess() = default;

bool ServeProcess::Start(std::string* error) {
  const std::string stem = data_dir_.string() + ".serve-" + std::to_string(++runs_);
  stdout_file_ = stem + ".stdout";
  stderr_file_ = stem + ".stderr";
  ports_ = {};
  std::vector<std::string> argv = ServeCommand(data_dir_);
  argv.insert(argv.end(), extra_args_.begin(), extra_args_.end());
  child_ = ChildProcess::Start(argv, stdout_file_, stderr_file_, error);
  if (!child_) return false;

  std::string output;
  const bool printed = PollUntil(
      [&] {
        output = ReadFileOrEmpty(stdout_file_);
        return output.find(kReadyLine) != std::string::npos || child_->HasExited();
      },
      kServeStartTimeout);
  ports_ = {.otlp_grpc = PortAfter(output, "otlp_grpc receiver on "),
            .otlp_http = PortAfter(output, "otlp_http receiver on "),
            .zipkin = PortAfter(output, "zipkin receiver on "),
            .query = PortAfter(output, "query API on http://")};
  const bool all_ports = ports_.otlp_grpc && ports_.otlp_http && ports_.zipkin && ports_.query;
  const bool ready = printed && all_ports &&
                     PollUntil(
                         [&] {
                           const auto answer = http::testing::Fetch(ports_.query, "GET", "/readyz");
                           return answer && answer->status == 200;
                         },
                         kServeStartTimeout);
  if (!ready) {
    *error = (child_->HasExited() ? "hoptrace serve exited early" : "hoptrace serve did not become ready") +
             std::string(" (ports printed: ") + (all_ports ? "all" : "not all") + ")\n" + Output();
  }
  return ready;
}

std::optional<ExitStatus> ServeProcess::Terminate(std::chrono::milliseconds timeout) {
  if (!child_) return std::nullopt;
  child_->Signal(SIGTERM);
  return child_->Wait(timeout);
}

void ServeProcess::Kill() {
  if (!child_) return;
  child_->Signal(SIGKILL);
  child_->Wait(std::chrono::seconds(30));
}

std::string ServeProcess::OtlpHttpUrl() const {
  return "http://127.0.0.1:" + std::to_string(ports_.otlp_http) + "/v1/traces";
}

std::string ServeProcess::OtlpGrpcUrl() const {
  return "http://127.0.0.1:" + std::to_string(ports_.otlp_grpc);
}

std::string ServeProcess::Output() const {
  return "--- hoptrace serve stdout ---\n" + ReadFileOrEmpty(stdout_file_) +
         "--- hoptrace serve stderr ---\n" + ReadFileOrEmpty(stderr_file_);
}

}  // namespace hoptrace::cli::e2e
