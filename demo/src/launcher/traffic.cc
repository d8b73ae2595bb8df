#include "traffic.h"

#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

#include "hoptrace/http/client.h"
#include "hoptrace/sdk/instrumentation/http.h"
#include "hoptrace/sdk/propagation/carriers.h"

namespace hoptrace::demo {
namespace {

constexpr auto kCheckoutTimeout = std::chrono::seconds(60);
constexpr std::size_t kSteadyCycle = 20;  // one notable scenario in every this many checkouts
constexpr std::size_t kFirstRoundConcurrency = 2;
// explain accepts a caller whose span contains the call within 100 ms: the broken hop keeps that far
// from other checkouts.
constexpr auto kAloneMargin = std::chrono::milliseconds(250);

// The generator's own SDK settings: always sample its spans, export quickly.
sdk::config::EnvironmentLookup GeneratorEnvironment(const std::string& otlp_endpoint) {
  return [otlp_endpoint](std::string_view name) -> std::optional<std::string> {
    if (name == "OTEL_EXPORTER_OTLP_ENDPOINT") return otlp_endpoint;
    if (name == "OTEL_EXPORTER_OTLP_PROTOCOL") return "http/protobuf";
    if (name == "OTEL_TRACES_SAMPLER") return "always_on";
    if (name == "OTEL_BSP_SCHEDULE_DELAY") return "200";
    return std::nullopt;
  };
}

std::string CartFor(int customer) {
  return R"({"customer": )" + std::to_string(customer) + R"(, "items": ["sku-1", "sku-2", "sku-3", "sku-4", "sku-5"]})";
}

// "00-<trace>-<span>-<flags>": the trace ID and the sampled bit.
void ReadTraceResponse(std::string_view value, CheckoutResult* result) {
  if (value.size() != 55) return;
  result->trace_id = std::string(value.substr(3, 32));
  result->sampled = value.substr(53, 2) == "01";
}

}  // namespace

TrafficGenerator::TrafficGenerator(std::string gateway_url, const std::string& otlp_endpoint)
    : gateway_url_(std::move(gateway_url)),
      sdk_(sdk::config::ConfigureFromEnvironment("traffic-generator", GeneratorEnvironment(otlp_endpoint))) {}

TrafficGenerator::~TrafficGenerator() { sdk_.provider->Shutdown(std::chrono::seconds(5)); }

void TrafficGenerator::Flush() { sdk_.provider->ForceFlush(std::chrono::seconds(5)); }

CheckoutResult TrafficGenerator::Checkout(Scenario scenario, int customer) {
  CheckoutResult result{scenario, {}, false, 0, {}};
  http::Headers headers = {{std::string(kScenarioHeader), std::string(ScenarioName(scenario))}};
  std::optional<sdk::HttpSpan> span;
  if (scenario != Scenario::kNormal) {
    sdk::HeaderCarrier<http::Headers> carrier(headers);
    span.emplace(sdk::StartHttpClientSpan(sdk_.provider->GetTracer("hoptrace-demo/traffic"), *sdk_.propagator,
                                          {.method = "POST", .url = gateway_url_ + "/checkout", .headers = &carrier}));
    span->span().SetAttribute("demo.scenario", ScenarioName(scenario));
    result.trace_id = span->context().trace_id().ToHex();
    result.sampled = true;
  }
  const auto start = std::chrono::steady_clock::now();
  http::Client client(gateway_url_, kCheckoutTimeout);
  std::string error;
  const auto response = client.Send("POST", "/checkout", CartFor(customer), "application/json", headers, &error);
  result.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  if (response) {
    result.status = response->status;
    if (!span) ReadTraceResponse(response->Header("traceresponse"), &result);
  }
  if (span) {
    if (response) {
      span->Finish(static_cast<int>(response->status));
    } else {
      span->FinishWithError("connection_error", error);
    }
  }
  return result;
}

std::vector<CheckoutResult> TrafficGenerator::Run(const std::vector<Scenario>& plan, std::size_t concurrency) {
  std::vector<CheckoutResult> results(plan.size());
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < std::max<std::size_t>(concurrency, 1); ++t) {
    threads.emplace_back([&] {
      for (std::size_t i = next++; i < plan.size(); i = next++) {
        results[i] = Checkout(plan[i], static_cast<int>(1 + i % 1000));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  return results;
}

std::vector<CheckoutResult> TrafficGenerator::FirstRound(std::size_t requests) {
  std::vector<Scenario> plan;
  for (Scenario scenario : NotableScenarios()) {
    if (scenario != Scenario::kBrokenPropagation) plan.push_back(scenario);
  }
  while (plan.size() + 1 < requests) plan.push_back(Scenario::kNormal);
  std::vector<CheckoutResult> results = Run(plan, kFirstRoundConcurrency);
  std::this_thread::sleep_for(kAloneMargin);
  results.push_back(Checkout(Scenario::kBrokenPropagation, 1));
  std::this_thread::sleep_for(kAloneMargin);
  return results;
}

Scenario SteadyScenario(std::size_t index) {
  const std::span<const Scenario> notable = NotableScenarios();
  if (index % kSteadyCycle != kSteadyCycle - 1) return Scenario::kNormal;
  return notable[(index / kSteadyCycle) % notable.size()];
}

}  // namespace hoptrace::demo
