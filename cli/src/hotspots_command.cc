#include "hotspots_command.h"

#include <simdjson.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>

#include "hoptrace/analysis/diagnosis.h"
#include "hoptrace/analysis/hotspots.h"
#include "hoptrace/http/client.h"
#include "hoptrace/http/url.h"
#include "hoptrace/query/duration.h"

namespace hoptrace::cli {
namespace {

using analysis::FormatNanos;
using analysis::HotspotReport;

int Fail(std::string_view message) {
  std::cerr << "hoptrace hotspots: " << message << "\n";
  return 1;
}

// Reads the JSON members into the report's fields; any missing or mistyped member fails. `from` is
// an element or a lookup result (whose error then fails the read).
class ReportReader {
 public:
  bool Read(simdjson::dom::element root, HotspotReport& report) {
    Text(root, "service", report.service);
    Text(root, "operation", report.operation);
    Count(root, "traces", report.traces);
    Count(root, "tracesWithoutEntry", report.traces_without_entry);
    ok_ = ok_ && !root["truncated"].get(report.truncated);
    Number(root["latency"], "p50Nanos", report.latency_p50_nanos);
    Number(root["latency"], "p99Nanos", report.latency_p99_nanos);
    Number(root["latency"], "maxNanos", report.latency_max_nanos);
    Band(root["bands"].at(0), report.p50_band);
    Band(root["bands"].at(1), report.p99_band);
    ForEach(root, "operations", [&](simdjson::dom::element item) { Operation(item, report.operations.emplace_back()); });
    Count(root, "operationsOverflowTraces", report.operations_overflow_traces);
    Comparison(root["comparison"], report);
    return ok_;
  }

 private:
  void Text(auto from, std::string_view key, std::string& out) {
    std::string_view text;
    ok_ = ok_ && !from[key].get(text);
    out = std::string(text);
  }
  void Number(auto from, std::string_view key, std::uint64_t& out) {
    ok_ = ok_ && !from[key].get(out);
  }
  void Count(auto from, std::string_view key, std::size_t& out) {
    std::uint64_t value = 0;
    Number(from, key, value);
    out = static_cast<std::size_t>(value);
  }
  void Fraction(auto from, std::string_view key, double& out) {
    ok_ = ok_ && !from[key].get(out);
  }

  // `each` for every element of the array member `key`.
  template <typename Each>
  void ForEach(auto from, std::string_view key, const Each& each) {
    simdjson::dom::array items;
    ok_ = ok_ && !from[key].get(items);
    if (!ok_) return;
    for (simdjson::dom::element item : items) each(item);
  }

  void Band(auto from, analysis::LatencyBand& band) {
    Text(from, "name", band.name);
    Fraction(from, "fromPercentile", band.from_percentile);
    Fraction(from, "toPercentile", band.to_percentile);
    Count(from, "traces", band.traces);
    Number(from, "minLatencyNanos", band.min_latency_nanos);
    Number(from, "maxLatencyNanos", band.max_latency_nanos);
    Number(from, "criticalNanos", band.critical_nanos);
  }

  void Operation(simdjson::dom::element from, analysis::OperationHotspot& hotspot) {
    Text(from, "service", hotspot.service);
    Text(from, "operation", hotspot.operation);
    Fraction(from, "p50Share", hotspot.p50.share);
    Number(from, "p50MeanNanos", hotspot.p50.mean_nanos);
    Fraction(from, "p99Share", hotspot.p99.share);
    Number(from, "p99MeanNanos", hotspot.p99.mean_nanos);
    Number(from, "meanNanos", hotspot.mean_nanos);
    Number(from, "p50Nanos", hotspot.p50_nanos);
    Number(from, "p99Nanos", hotspot.p99_nanos);
    Count(from, "traces", hotspot.traces);
    ForEach(from, "exampleTraces", [&](simdjson::dom::element id) {
      std::string_view text;
      ok_ = ok_ && !id.get(text);
      hotspot.example_traces.emplace_back(text);
    });
  }

  void Comparison(auto from, HotspotReport& report) {
    std::string selection;
    Text(from, "selection", selection);
    report.selection = selection == "failed" ? analysis::Selection::kFailed : analysis::Selection::kSlow;
    Number(from, "slowThresholdNanos", report.slow_threshold_nanos);
    Fraction(from, "slowPercentile", report.slow_percentile);
    Count(from, "selectionTraces", report.selection_traces);
    Count(from, "baselineTraces", report.baseline_traces);
    Count(from, "uncomparedValues", report.uncompared_values);
    ForEach(from, "attributes", [&](simdjson::dom::element item) {
      analysis::AttributeDifference& difference = report.attributes.emplace_back();
      Text(item, "key", difference.key);
      Text(item, "value", difference.value);
      Count(item, "selectionTraces", difference.selection_traces);
      Count(item, "baselineTraces", difference.baseline_traces);
      Fraction(item, "selectionShare", difference.selection_share);
      Fraction(item, "baselineShare", difference.baseline_share);
    });
    ForEach(from, "keyOverflows", [&](simdjson::dom::element item) {
      analysis::KeyOverflow& overflow = report.key_overflows.emplace_back();
      Text(item, "key", overflow.key);
      Count(item, "traces", overflow.traces);
    });
  }

  bool ok_ = true;
};

std::string Percent(double share) {
  char text[16];
  std::snprintf(text, sizeof text, "%.0f %%", share * 100);
  return text;
}

// A table as aligned text columns or as a markdown table.
class Table {
 public:
  Table(std::vector<std::string> header, bool markdown) : markdown_(markdown) { rows_.push_back(std::move(header)); }
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }

  std::string Render() const {
    std::vector<std::size_t> widths(rows_[0].size(), 0);
    for (const auto& row : rows_) {
      for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], Columns(row[c]));
    }
    std::string out;
    for (std::size_t r = 0; r < rows_.size(); ++r) {
      out += markdown_ ? "|" : " ";
      for (std::size_t c = 0; c < rows_[r].size(); ++c) {
        const std::string& cell = rows_[r][c];
        out += " " + cell + std::string(widths[c] - Columns(cell), ' ') + (markdown_ ? " |" : " ");
      }
      out += "\n";
      if (markdown_ && r == 0) {
        out += "|";
        for (const std::size_t width : widths) out += " " + std::string(width, '-') + " |";
        out += "\n";
      }
    }
    return out;
  }

 private:
  // Display columns of UTF-8 text (one per code point).
  static std::size_t Columns(std::string_view text) {
    std::size_t columns = 0;
    for (const char c : text) columns += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
    return columns;
  }

  bool markdown_;
  std::vector<std::vector<std::string>> rows_;
};

std::string Heading(std::string_view text, bool markdown) {
  return markdown ? "## " + std::string(text) + "\n\n" : std::string(text) + "\n";
}

std::string Entry(const HotspotReport& report) {
  return report.service + (report.operation.empty() ? "" : " " + report.operation);
}

std::string BandLabel(const analysis::LatencyBand& band) {
  return band.name + " (" + std::to_string(band.traces) + " traces, " + FormatNanos(band.min_latency_nanos) + "–" +
         FormatNanos(band.max_latency_nanos) + ")";
}

std::string RenderCriticalPath(const HotspotReport& report, bool markdown) {
  std::string out = Heading("Critical path by operation, ranked by its share in the slowest traces", markdown);
  out += (markdown ? "" : "  ") + std::string("bands: ") + BandLabel(report.p50_band) + ", " + BandLabel(report.p99_band) +
         "\n" + (markdown ? "\n" : "");
  Table table({"#", "service", "operation", "p50 share", "p50 mean", "p99 share", "p99 mean", "on path in", "mean", "p50",
               "p99", "example trace"},
              markdown);
  for (std::size_t i = 0; i < report.operations.size(); ++i) {
    const analysis::OperationHotspot& hotspot = report.operations[i];
    table.Add({std::to_string(i + 1), hotspot.service, hotspot.operation, Percent(hotspot.p50.share),
               FormatNanos(hotspot.p50.mean_nanos), Percent(hotspot.p99.share), FormatNanos(hotspot.p99.mean_nanos),
               std::to_string(hotspot.traces) + " traces", FormatNanos(hotspot.mean_nanos), FormatNanos(hotspot.p50_nanos),
               FormatNanos(hotspot.p99_nanos), hotspot.example_traces.empty() ? "" : hotspot.example_traces[0]});
  }
  out += table.Render();
  if (report.operations_overflow_traces > 0) {
    out += "  (" + std::to_string(report.operations_overflow_traces) +
           " trace(s) had time in operations beyond the distinct-operation cap: listed as (other))\n";
  }
  return out;
}

std::string SelectionLabel(const HotspotReport& report) {
  if (report.selection == analysis::Selection::kFailed) return "Failed traces (an error span)";
  std::string label = "Slow traces (latency ≥ " + FormatNanos(report.slow_threshold_nanos);
  if (report.slow_percentile > 0) {
    char percent[16];
    std::snprintf(percent, sizeof percent, "%g", 100 - report.slow_percentile);
    label += ": the slowest " + std::string(percent) + " %";
  }
  return label + ")";
}

std::string RenderComparison(const HotspotReport& report, bool markdown) {
  std::string out = Heading(SelectionLabel(report) + ": " + std::to_string(report.selection_traces) +
                                " against the other " + std::to_string(report.baseline_traces) + " traces",
                            markdown);
  if (report.attributes.empty()) return out + (markdown ? "" : "  ") + "No attribute value is over-represented.\n";
  Table table({"attribute", "value", "selection", "baseline", "difference"}, markdown);
  for (const analysis::AttributeDifference& difference : report.attributes) {
    table.Add({difference.key, difference.value,
               Percent(difference.selection_share) + " (" + std::to_string(difference.selection_traces) + ")",
               Percent(difference.baseline_share) + " (" + std::to_string(difference.baseline_traces) + ")",
               "+" + std::to_string(static_cast<int>(std::lround(difference.difference() * 100))) + " points"});
  }
  out += table.Render();
  for (const analysis::KeyOverflow& overflow : report.key_overflows) {
    out += "  (" + overflow.key + ": " + std::to_string(overflow.traces) +
           " trace(s) held values beyond the per-key cap, not compared)\n";
  }
  return out;
}

}  // namespace

bool ParseHotspotReport(std::string_view json, HotspotReport* report, std::string* error) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  *report = {};
  if (parser.parse(json.data(), json.size()).get(root) || !ReportReader().Read(root, *report)) {
    *error = "unreadable answer from the server";
    return false;
  }
  return true;
}

std::string RenderHotspots(const HotspotReport& report, HotspotsFormat format) {
  const bool markdown = format == HotspotsFormat::kMarkdown;
  std::string out = markdown ? "# Hotspots of " + Entry(report) + "\n\n" : "Hotspots of " + Entry(report) + "\n";
  out += (markdown ? "" : "  ") + std::to_string(report.traces) + " traces; latency p50 " +
         FormatNanos(report.latency_p50_nanos) + ", p99 " + FormatNanos(report.latency_p99_nanos) + ", max " +
         FormatNanos(report.latency_max_nanos) + "\n";
  if (report.truncated) out += "  (more traces matched than the server aggregates: the rest were left out)\n";
  if (report.traces == 0) return out + "No trace of " + Entry(report) + " in the time range.\n";
  return out + "\n" + RenderCriticalPath(report, markdown) + "\n" + RenderComparison(report, markdown);
}

HotspotsCommand::HotspotsCommand(CLI::App& app) {
  command_ = app.add_subcommand(
      "hotspots",
      "Diagnose many traces: which operations hold the critical path of typical (p50) and slowest (p99)\n"
      "traces of a service, and which attribute values are over-represented in slow (or failed) traces.\n"
      "Reads GET /api/v2/hotspots of a running `hoptrace serve`.");
  command_->add_option("--service", service_, "The entry service: its outermost span in each trace is measured")
      ->required();
  command_->add_option("--operation", operation_, "Only traces where the service's span has this name (e.g. 'POST /checkout')");
  command_->add_option("--since", since_, "Start of the time range, this long ago (Go duration: 15m, 1h, 24h)")
      ->capture_default_str();
  command_->add_option("--until", until_, "End of the time range, this long ago (default: now)");
  auto* threshold = command_->add_option(
      "--slow-threshold", slow_threshold_, "Compare traces at least this slow (e.g. 500ms) against the rest");
  command_->add_option("--slow-percentile", slow_percentile_,
                       "Otherwise compare the slowest (100 - P) % of traces against the rest")
      ->check(CLI::Range(0.001, 99.999))
      ->excludes(threshold)
      ->capture_default_str();
  command_->add_flag("--failed", failed_, "Compare failed traces (an error span) against the rest instead")
      ->excludes(threshold);
  command_->add_option("--format", format_, "text, json (the endpoint's answer) or markdown")
      ->check(CLI::IsMember({"text", "json", "markdown"}))
      ->capture_default_str();
  command_->add_option("--server", server_, "Query API of a running `hoptrace serve`")->capture_default_str();
}

std::optional<std::string> HotspotsCommand::Target(std::string* error) const {
  const auto since = query::ParseGoDuration(since_);
  const auto until = until_.empty() ? std::optional<std::int64_t>(0) : query::ParseGoDuration(until_);
  if (!since || *since <= 0) {
    *error = "--since must be a positive duration such as 15m or 24h";
    return std::nullopt;
  }
  if (!until || *until < 0 || *until >= *since) {
    *error = "--until must be a duration shorter than --since (the range ends that long ago)";
    return std::nullopt;
  }
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const std::int64_t end = now + 1 - *until / 1'000'000'000;
  const std::int64_t start = now - std::max<std::int64_t>(1, *since / 1'000'000'000);
  std::string target = "/api/v2/hotspots?service=" + http::PercentEncode(service_) + "&start=" + std::to_string(start) +
                       "&end=" + std::to_string(end);
  if (!operation_.empty()) target += "&operation=" + http::PercentEncode(operation_);
  if (failed_) {
    target += "&selection=failed";
  } else if (!slow_threshold_.empty()) {
    target += "&slow=" + http::PercentEncode(slow_threshold_);
  } else {
    char percentile[32];
    std::snprintf(percentile, sizeof percentile, "%g", slow_percentile_);
    target += "&slowPercentile=" + std::string(percentile);
  }
  return target;
}

int HotspotsCommand::Run() {
  std::string error;
  const std::optional<std::string> target = Target(&error);
  if (!target) return Fail(error);
  const auto response = http::Client(server_).Get(*target, &error);
  if (!response) return Fail(error);
  if (response->status != 200) {
    simdjson::dom::parser parser;
    std::string_view message;
    if (parser.parse(response->body)["error"].get(message)) message = response->body;
    return Fail(std::string(message));
  }
  if (format_ == "json") {
    std::cout << response->body << "\n";
    return 0;
  }
  HotspotReport report;
  if (!ParseHotspotReport(response->body, &report, &error)) return Fail(error);
  std::cout << RenderHotspots(report, format_ == "markdown" ? HotspotsFormat::kMarkdown : HotspotsFormat::kText);
  return 0;
}

}  // namespace hoptrace::cli
