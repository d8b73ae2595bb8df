// The demo end to end: hoptrace-demo runs a fixed number of checkouts at a small time scale and
// exits; then a fresh `hoptrace serve` opens the store it left and the test checks, through the query
// API and `hoptrace explain`, that every scenario produced what it should.

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>

#include "hoptrace/http/client.h"
#include "hoptrace/http/url.h"
#include "processes.h"

namespace hoptrace::demo {
namespace {

constexpr auto kDemoTimeout = std::chrono::seconds(120);

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "hoptrace-demo-e2e-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct Summary {
  std::map<std::string, std::string> trace_of;  // scenario → trace ID
  std::map<std::string, std::string> state_of;  // scenario → stored / missing
  std::string split_fragment;
};

Summary ReadSummary(const std::filesystem::path& file) {
  Summary summary;
  std::ifstream in(file);
  std::string scenario, trace_id, status, state;
  while (in >> scenario >> trace_id) {
    if (scenario == "split-fragment") {
      summary.split_fragment = trace_id;
      continue;
    }
    in >> status >> state;
    summary.trace_of[scenario] = trace_id;
    summary.state_of[scenario] = state;
  }
  return summary;
}

std::string RunCommand(const std::string& command) {
  std::string output;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return output;
  char buffer[4096];
  while (std::size_t read = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, read);
  pclose(pipe);
  return output;
}

class DemoEndToEnd : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    temp_ = new TempDir();
    processes_ = new ProcessGroup(temp_->path() / "test.pids");
    const std::filesystem::path run = temp_->path() / "run";
    std::string error;
    // Every port ephemeral: the test must not clash with a demo someone is running.
    ASSERT_TRUE(processes_->Start({"demo",
                                   {HOPTRACE_DEMO_BINARY, "--requests", "12", "--exit", "--time-scale", "0.05", "--base-port",
                                    "0", "--query-port", "0", "--otlp-http-port", "0", "--otlp-grpc-port", "0", "--zipkin-port",
                                    "0", "--run-dir", run.string(), "--summary", (temp_->path() / "summary.txt").string()},
                                   {},
                                   temp_->path() / "demo.log"},
                                  &error))
        << error;
    const auto exit_code = processes_->WaitForExit("demo", kDemoTimeout);
    demo_output_ = TailOf(temp_->path() / "demo.log", 20000);
    ASSERT_EQ(exit_code, 0) << demo_output_;
    summary_ = ReadSummary(temp_->path() / "summary.txt");
    // A fresh serve on the store the demo left: what was kept is on disk.
    ASSERT_TRUE(processes_->Start({"serve",
                                   {HOPTRACE_BINARY, "serve", "--data-dir", (run / "data").string(), "--otlp-grpc-port", "0",
                                    "--otlp-http-port", "0", "--zipkin-port", "0", "--query-port", "0"},
                                   {},
                                   temp_->path() / "serve.log"},
                                  &error))
        << error;
    const auto port = processes_->WaitForPort("serve", "query API on http://", std::chrono::seconds(60), &error);
    ASSERT_TRUE(port.has_value()) << error;
    api_ = "http://127.0.0.1:" + std::to_string(*port);
  }
  static void TearDownTestSuite() {
    delete processes_;
    delete temp_;
  }
  void SetUp() override { ASSERT_FALSE(api_.empty()) << demo_output_; }

  static std::string Get(const std::string& target) {
    http::Client client(api_, std::chrono::seconds(30));
    std::string error;
    const auto response = client.Get(target, &error);
    EXPECT_TRUE(response.has_value()) << error;
    if (!response) return {};
    EXPECT_EQ(response->status, 200u) << target << ": " << response->body;
    return response->body;
  }
  static std::string TraceOf(const std::string& scenario) {
    const auto it = summary_.trace_of.find(scenario);
    EXPECT_NE(it, summary_.trace_of.end()) << scenario << " missing from the summary\n" << demo_output_;
    return it == summary_.trace_of.end() ? std::string(32, '0') : it->second;
  }
  static std::string Explain(const std::string& trace_id) {
    return RunCommand(std::string("'") + HOPTRACE_BINARY + "' explain " + trace_id + " --server " + api_);
  }

  static TempDir* temp_;
  static ProcessGroup* processes_;
  static std::string demo_output_;
  static Summary summary_;
  static std::string api_;
};

TempDir* DemoEndToEnd::temp_ = nullptr;
ProcessGroup* DemoEndToEnd::processes_ = nullptr;
std::string DemoEndToEnd::demo_output_;
Summary DemoEndToEnd::summary_;
std::string DemoEndToEnd::api_;

struct SpanInfo {
  std::string service;
  std::string span_id;
  std::string parent_id;
  int kind = 0;
  std::string name;
};

// The spans of GET /api/v2/traces/{id}: {"trace": <OTLP JSON>}.
std::vector<SpanInfo> SpansOf(const std::string& otlp_json) {
  std::vector<SpanInfo> spans;
  simdjson::dom::parser parser;
  simdjson::dom::array resource_spans;
  if (parser.parse(otlp_json)["trace"]["resourceSpans"].get_array().get(resource_spans) != simdjson::SUCCESS) return spans;
  for (simdjson::dom::element resource : resource_spans) {
    std::string service;
    for (simdjson::dom::element attribute : resource["resource"]["attributes"].get_array()) {
      std::string_view key;
      std::string_view value;
      if (attribute["key"].get_string().get(key) == simdjson::SUCCESS && key == "service.name" &&
          attribute["value"]["stringValue"].get_string().get(value) == simdjson::SUCCESS) {
        service = value;
      }
    }
    for (simdjson::dom::element scope : resource["scopeSpans"].get_array()) {
      for (simdjson::dom::element span : scope["spans"].get_array()) {
        SpanInfo info{service, {}, {}, 0, {}};
        std::string_view text;
        if (span["spanId"].get_string().get(text) == simdjson::SUCCESS) info.span_id = text;
        if (span["parentSpanId"].get_string().get(text) == simdjson::SUCCESS) info.parent_id = text;
        if (span["name"].get_string().get(text) == simdjson::SUCCESS) info.name = text;
        std::int64_t kind = 0;
        if (span["kind"].get_int64().get(kind) == simdjson::SUCCESS) info.kind = static_cast<int>(kind);
        spans.push_back(std::move(info));
      }
    }
  }
  return spans;
}

std::string FirstFindingKind(const std::string& analysis_json, std::string* headline) {
  simdjson::dom::parser parser;
  simdjson::dom::array findings;
  std::string_view kind;
  std::string_view text;
  if (parser.parse(analysis_json)["findings"].get_array().get(findings) != simdjson::SUCCESS || findings.size() == 0) return {};
  if (findings.at(0)["headline"].get_string().get(text) == simdjson::SUCCESS) *headline = text;
  return findings.at(0)["kind"].get_string().get(kind) == simdjson::SUCCESS ? std::string(kind) : std::string();
}

TEST_F(DemoEndToEnd, EveryNotableTraceWasKept) {
  for (const char* scenario :
       {"slow-fraud", "slow-db", "staircase", "payment-error", "n-plus-one", "broken-propagation", "no-attributes"}) {
    EXPECT_EQ(summary_.state_of[scenario], "stored") << scenario << "\n" << demo_output_;
    Get("/api/v2/traces/" + TraceOf(scenario));
  }
}

TEST_F(DemoEndToEnd, TheSlowCheckoutSpansAllSevenServicesAndTheQueueConsumer) {
  const std::vector<SpanInfo> spans = SpansOf(Get("/api/v2/traces/" + TraceOf("slow-fraud")));
  std::set<std::string> services;
  for (const SpanInfo& span : spans) services.insert(span.service);
  for (const char* service : {"gateway", "orders", "inventory", "payments", "database", "cache", "fraud-api"}) {
    EXPECT_TRUE(services.contains(service)) << service;
  }
  // The worker's CONSUMER span (kind 5) is a child of orders' PRODUCER span (kind 4) in this trace.
  std::map<std::string, const SpanInfo*> by_id;
  for (const SpanInfo& span : spans) by_id[span.span_id] = &span;
  bool consumer_under_producer = false;
  for (const SpanInfo& span : spans) {
    if (span.service != "worker" || span.kind != 5) continue;
    const auto parent = by_id.find(span.parent_id);
    consumer_under_producer = parent != by_id.end() && parent->second->kind == 4 && parent->second->service == "orders";
  }
  EXPECT_TRUE(consumer_under_producer) << "no worker CONSUMER span under orders' PRODUCER span";
}

TEST_F(DemoEndToEnd, ExplainNamesFraudApiFirstForTheSlowCheckout) {
  std::string headline;
  EXPECT_EQ(FirstFindingKind(Get("/api/v2/traces/" + TraceOf("slow-fraud") + "/analysis"), &headline), "critical_path");
  EXPECT_NE(headline.find("fraud-api"), std::string::npos) << headline;
  const std::string explained = Explain(TraceOf("slow-fraud"));
  const std::size_t first_finding = explained.find("\n 1. ");
  ASSERT_NE(first_finding, std::string::npos) << explained;
  const std::string first_line = explained.substr(first_finding + 1, explained.find('\n', first_finding + 1) - first_finding - 1);
  EXPECT_NE(first_line.find("fraud-api"), std::string::npos) << explained;
}

TEST_F(DemoEndToEnd, TheBrokenHopProducedASplitTraceThatExplainReports) {
  ASSERT_NE(summary_.split_fragment, "none") << demo_output_;
  EXPECT_NE(summary_.split_fragment, TraceOf("broken-propagation"));
  std::string headline;
  EXPECT_EQ(FirstFindingKind(Get("/api/v2/traces/" + summary_.split_fragment + "/analysis"), &headline), "split_trace");
  EXPECT_NE(headline.find("inventory"), std::string::npos) << headline;
  // explain searches the store for the caller: orders' call in the broken-propagation checkout.
  EXPECT_NE(headline.find("likeliest caller: orders GET /stock in trace " + TraceOf("broken-propagation")), std::string::npos)
      << headline;
  EXPECT_NE(Explain(summary_.split_fragment).find("split trace"), std::string::npos);
}

TEST_F(DemoEndToEnd, TheTailSamplerKeptEveryErrorTrace) {
  const std::string body = Get("/api/search?limit=100&q=" + http::PercentEncode("{ status = error }"));
  simdjson::dom::parser parser;
  simdjson::dom::array traces;
  ASSERT_EQ(parser.parse(body)["traces"].get_array().get(traces), simdjson::SUCCESS) << body;
  std::set<std::string> error_traces;
  for (simdjson::dom::element trace : traces) error_traces.insert(std::string(trace["traceID"].get_string().value()));
  EXPECT_TRUE(error_traces.contains(TraceOf("payment-error"))) << body;
  // The payment error travelled up: orders and gateway failed too.
  std::set<std::string> services;
  for (const SpanInfo& span : SpansOf(Get("/api/v2/traces/" + TraceOf("payment-error")))) services.insert(span.service);
  EXPECT_TRUE(services.contains("gateway") && services.contains("orders") && services.contains("database"));
}

TEST_F(DemoEndToEnd, ScenarioFindingsAreThere) {
  // "kind: headline" of every finding, so a check can ask for both.
  const auto kinds_of = [](const std::string& analysis) {
    std::set<std::string> kinds;
    simdjson::dom::parser parser;
    simdjson::dom::array findings;
    if (parser.parse(analysis)["findings"].get_array().get(findings) != simdjson::SUCCESS) return kinds;
    for (simdjson::dom::element finding : findings) {
      kinds.insert(std::string(finding["kind"].get_string().value()));
      kinds.insert(std::string(finding["kind"].get_string().value()) + ": " + std::string(finding["headline"].get_string().value()));
    }
    return kinds;
  };
  const auto has_finding = [](const std::set<std::string>& findings, const std::string& prefix) {
    return std::any_of(findings.begin(), findings.end(), [&](const std::string& f) { return f.starts_with(prefix); });
  };
  EXPECT_TRUE(kinds_of(Get("/api/v2/traces/" + TraceOf("n-plus-one") + "/analysis")).contains("n_plus_one"));
  // The staircase: orders' four inventory checks, one after another.
  EXPECT_TRUE(has_finding(kinds_of(Get("/api/v2/traces/" + TraceOf("staircase") + "/analysis")),
                          "serial_calls: gateway → orders POST /orders calls inventory GET /warehouses/nearest, "
                          "inventory GET /shipping/estimate, inventory GET /holds, inventory GET /stock"));
  EXPECT_TRUE(kinds_of(Get("/api/v2/traces/" + TraceOf("payment-error") + "/analysis")).contains("error_origin"));
  EXPECT_TRUE(kinds_of(Get("/api/v2/traces/" + TraceOf("no-attributes") + "/analysis")).contains("missing_attributes"));
}

}  // namespace
}  // namespace hoptrace::demo
