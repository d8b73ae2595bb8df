#include "report.h"

#include <simdjson.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

#include "hoptrace/http/client.h"
#include "hoptrace/http/url.h"

namespace hoptrace::demo {
namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(250);
constexpr auto kApiTimeout = std::chrono::seconds(10);
constexpr std::size_t kMaxExplainBytes = 256 * 1024;

std::optional<http::Response> Get(const std::string& base_url, const std::string& target) {
  http::Client client(base_url, kApiTimeout);
  std::string error;
  return client.Get(target, &error);
}

// Runs `hoptrace explain <id> --server <url>` and returns what it printed (stdout and stderr).
std::string Explain(const std::string& hoptrace_binary, const std::string& trace_id, const std::string& server) {
  const std::string command = "'" + hoptrace_binary + "' explain " + trace_id + " --server '" + server + "' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return "(could not run " + hoptrace_binary + ")\n";
  std::string output;
  std::array<char, 4096> buffer;
  while (std::size_t read = std::fread(buffer.data(), 1, buffer.size(), pipe)) {
    if (output.size() < kMaxExplainBytes) output.append(buffer.data(), read);
  }
  pclose(pipe);
  return output;
}

const CheckoutResult* FindScenario(const std::vector<NotableTrace>& traces, Scenario scenario) {
  for (const NotableTrace& trace : traces) {
    if (trace.checkout.scenario == scenario) return &trace.checkout;
  }
  return nullptr;
}

}  // namespace

bool QueryApi::Ready() const {
  const auto response = Get(base_url_, "/readyz");
  return response && response->status == 200;
}

bool QueryApi::HasTrace(const std::string& trace_id) const {
  const auto response = Get(base_url_, "/api/v2/traces/" + trace_id);
  return response && response->status == 200;
}

std::vector<std::string> QueryApi::Search(const std::string& query) const {
  const auto response = Get(base_url_, "/api/search?limit=20&q=" + http::PercentEncode(query));
  std::vector<std::string> ids;
  if (!response || response->status != 200) return ids;
  simdjson::dom::parser parser;
  simdjson::dom::array traces;
  if (parser.parse(response->body)["traces"].get_array().get(traces) != simdjson::SUCCESS) return ids;
  for (simdjson::dom::element trace : traces) {
    std::string_view id;
    if (trace["traceID"].get_string().get(id) == simdjson::SUCCESS) ids.emplace_back(id);
  }
  return ids;
}

Report CollectReport(const QueryApi& api, const std::vector<CheckoutResult>& results, const std::string& hoptrace_binary,
                     std::chrono::milliseconds timeout, const std::function<bool()>& stopping) {
  Report report;
  for (const CheckoutResult& result : results) {
    if (result.scenario != Scenario::kNormal) report.notable.push_back({result, false});
  }
  const std::string split_query = R"({ resource.service.name = "inventory" && span.demo.scenario = "broken-propagation" && kind = server })";
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!stopping()) {
    bool all = true;
    for (NotableTrace& trace : report.notable) {
      if (!trace.stored) trace.stored = api.HasTrace(trace.checkout.trace_id);
      all = all && trace.stored;
    }
    if (report.split_fragment.empty()) {
      const CheckoutResult* broken = FindScenario(report.notable, Scenario::kBrokenPropagation);
      for (const std::string& id : api.Search(split_query)) {
        if (broken == nullptr || id != broken->trace_id) report.split_fragment = id;
      }
    }
    if ((all && !report.split_fragment.empty()) || std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(kPollInterval);
  }
  if (const CheckoutResult* slow = FindScenario(report.notable, Scenario::kSlowFraud)) {
    report.explain_of_slow = Explain(hoptrace_binary, slow->trace_id, api.base_url());
  }
  return report;
}

void PrintReport(const Report& report, const std::string& ui_url) {
  std::cout << "\nThe notable checkouts (open them in the UI at " << ui_url << "):\n";
  for (const NotableTrace& trace : report.notable) {
    const CheckoutResult& checkout = trace.checkout;
    std::printf("  %-19s %s/trace/%s  HTTP %u, %lld ms%s\n", std::string(ScenarioName(checkout.scenario)).c_str(),
                ui_url.c_str(), checkout.trace_id.c_str(), checkout.status, static_cast<long long>(checkout.took.count()),
                trace.stored ? "" : "  (not in the store yet)");
  }
  if (!report.split_fragment.empty()) {
    std::printf("  %-19s %s/trace/%s  inventory's half of the broken hop\n", "split-fragment", ui_url.c_str(),
                report.split_fragment.c_str());
  }
  if (!report.explain_of_slow.empty()) {
    std::cout << "\n$ hoptrace explain <the slow-fraud trace>\n" << report.explain_of_slow << std::flush;
  }
}

void WriteSummary(const Report& report, const std::filesystem::path& file) {
  std::ofstream out(file, std::ios::trunc);
  for (const NotableTrace& trace : report.notable) {
    out << ScenarioName(trace.checkout.scenario) << " " << trace.checkout.trace_id << " " << trace.checkout.status << " "
        << (trace.stored ? "stored" : "missing") << "\n";
  }
  out << "split-fragment " << (report.split_fragment.empty() ? "none" : report.split_fragment) << "\n";
}

}  // namespace hoptrace::demo
