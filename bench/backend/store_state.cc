#include "store_state.h"

#include <cstdlib>
#include <thread>

#include "hoptrace/http/client.h"

namespace hoptrace::bench {

std::optional<double> MetricValue(std::string_view metrics_text, std::string_view name) {
  const std::string line_start = "\n" + std::string(name) + " ";
  const std::size_t at = metrics_text.find(line_start);
  if (at == std::string_view::npos) return std::nullopt;
  return std::strtod(std::string(metrics_text.substr(at + line_start.size(), 32)).c_str(), nullptr);
}

std::string ScrapeMetrics(const ServerProcess& server) {
  http::Client client("http://127.0.0.1:" + std::to_string(server.query_port()), std::chrono::seconds(30));
  std::string error;
  const auto response = client.Get("/metrics", &error);
  return response && response->status == 200 ? "\n" + response->body : std::string();
}

bool WaitUntilSettled(const ServerProcess& server, std::chrono::seconds timeout) {
  constexpr auto kQuietWindow = std::chrono::seconds(3);
  constexpr double kQuietCores = 0.05;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const double cpu_before = server.CpuSeconds();
    std::this_thread::sleep_for(kQuietWindow);
    const double busy = (server.CpuSeconds() - cpu_before) / std::chrono::duration<double>(kQuietWindow).count();
    const auto head_spans = MetricValue(ScrapeMetrics(server), "hoptrace_store_head_spans");
    if (head_spans && *head_spans == 0 && busy < kQuietCores) return true;
  }
  return false;
}

std::uint64_t BlockBytesOnDisk(const std::filesystem::path& data_dir) {
  std::uint64_t bytes = 0;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(data_dir / "blocks", error)) {
    if (entry.path().extension() == ".block") bytes += entry.file_size();
  }
  return bytes;
}

}  // namespace hoptrace::bench
