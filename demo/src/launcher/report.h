#pragma once
// What the launcher reads back from `hoptrace serve` once the traffic ran: which notable traces the
// store kept (the tail sampler decides a few seconds after a trace's spans arrived), the trace the
// broken hop split off, and `hoptrace explain` of the nine-second checkout.

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "traffic.h"

namespace hoptrace::demo {

class QueryApi {
 public:
  explicit QueryApi(std::string base_url) : base_url_(std::move(base_url)) {}
  const std::string& base_url() const { return base_url_; }
  bool Ready() const;
  bool HasTrace(const std::string& trace_id) const;
  // Trace IDs matching a query-language search (GET /api/search).
  std::vector<std::string> Search(const std::string& query) const;

 private:
  std::string base_url_;
};

struct NotableTrace {
  CheckoutResult checkout;
  bool stored = false;
};

struct Report {
  std::vector<NotableTrace> notable;
  std::string split_fragment;  // the trace inventory's spans landed in when propagation broke
  std::string explain_of_slow;
};

// Waits (up to `timeout`, or until `stopping` says so) for every notable checkout's trace to be in
// the store, finds the split fragment, and explains the slow checkout with `hoptrace_binary`.
Report CollectReport(const QueryApi& api, const std::vector<CheckoutResult>& results, const std::string& hoptrace_binary,
                     std::chrono::milliseconds timeout, const std::function<bool()>& stopping);

// The report for a person: UI address, trace links, the explanation.
void PrintReport(const Report& report, const std::string& ui_url);
// One line per notable trace: "<scenario> <trace-id> <http-status> <stored|missing>", then
// "split-fragment <trace-id>", for the end-to-end test.
void WriteSummary(const Report& report, const std::filesystem::path& file);

}  // namespace hoptrace::demo
