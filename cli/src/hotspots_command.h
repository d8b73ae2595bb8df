#pragma once
// `hoptrace hotspots --service S [--operation O] --since 1h`: diagnosis across many traces
// (issue #5) from a running server's GET /api/v2/hotspots: the operations that hold the critical
// path of typical (p50) and slowest (p99) traces, then the attribute values over-represented in
// slow (or failed) traces. Text, markdown or the endpoint's JSON.

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace hoptrace::analysis {
struct HotspotReport;  // hoptrace/analysis/hotspots.h
}

namespace hoptrace::cli {

enum class HotspotsFormat { kText, kMarkdown };

// The endpoint's JSON (analysis::HotspotReportToJson) back into the report; false with `error`
// when it is not that shape.
bool ParseHotspotReport(std::string_view json, analysis::HotspotReport* report, std::string* error);
std::string RenderHotspots(const analysis::HotspotReport& report, HotspotsFormat format);

class HotspotsCommand {
 public:
  explicit HotspotsCommand(CLI::App& app);
  bool parsed() const { return command_->parsed(); }
  int Run();  // the exit code

 private:
  std::optional<std::string> Target(std::string* error) const;  // the endpoint's path and query

  CLI::App* command_ = nullptr;
  std::string server_ = "http://localhost:16686";
  std::string service_;
  std::string operation_;
  std::string since_ = "1h";
  std::string until_;
  std::string slow_threshold_;
  double slow_percentile_ = 99;
  bool failed_ = false;
  std::string format_ = "text";
};

}  // namespace hoptrace::cli
