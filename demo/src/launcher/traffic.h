#pragma once
// The traffic generator: a synthetic shopper that posts checkouts to the gateway, one scenario each.
// It is instrumented itself (service "traffic-generator"): for the notable scenarios it starts a
// CLIENT span and sends its sampled traceparent, which forces the trace to be recorded whatever the
// gateway's head sampler would decide (as a synthetic check or a debug flag does); ordinary checkouts
// arrive untraced, like a browser's, and the gateway's head sampler decides.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "hoptrace/sdk/config/environment.h"
#include "scenario.h"

namespace hoptrace::demo {

struct CheckoutResult {
  Scenario scenario = Scenario::kNormal;
  std::string trace_id;  // from our span, or from the gateway's traceresponse header; empty if none
  bool sampled = false;  // recorded at head
  unsigned status = 0;   // the gateway's answer; 0 when it did not answer
  std::chrono::milliseconds took{0};
};

class TrafficGenerator {
 public:
  // `otlp_endpoint` is http://host:port of serve's OTLP/HTTP receiver.
  TrafficGenerator(std::string gateway_url, const std::string& otlp_endpoint);
  ~TrafficGenerator();

  CheckoutResult Checkout(Scenario scenario, int customer);
  // Every notable scenario once (the slow one first, so it overlaps the others), then normal ones up
  // to `requests` in all, two at a time; the broken hop comes last and alone, so no other call to
  // inventory overlaps it and explain's search for the split trace's caller has one answer.
  std::vector<CheckoutResult> FirstRound(std::size_t requests);
  // Runs the scenarios `concurrency` at a time; results in plan order.
  std::vector<CheckoutResult> Run(const std::vector<Scenario>& plan, std::size_t concurrency);
  void Flush();

 private:
  std::string gateway_url_;
  sdk::config::ConfiguredSdk sdk_;
};

// The steady mix after the first round: mostly normal, each notable scenario now and then.
Scenario SteadyScenario(std::size_t index);

}  // namespace hoptrace::demo
