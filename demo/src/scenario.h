#pragma once
// The checkout scenarios of the demo. The traffic generator picks one per checkout and sends it in
// the x-demo-scenario header; every service forwards it, so each scenario is deterministic.

#include <optional>
#include <span>
#include <string_view>

namespace hoptrace::demo {

inline constexpr std::string_view kScenarioHeader = "x-demo-scenario";

enum class Scenario {
  kNormal,
  kSlowFraud,          // the nine-second checkout: fraud-api takes 8.5 s
  kSlowDatabase,       // a query that scans a large table without an index
  kStaircase,          // inventory checked one SKU after another, though the calls are independent
  kPaymentError,       // the payment insert breaks a constraint; the error travels up to the gateway
  kNPlusOne,           // one SELECT per order line instead of one for all of them
  kBrokenPropagation,  // orders calls inventory through a client that forgets to inject
  kNoAttributes,       // the gateway records spans that say nothing about what they did
};

std::string_view ScenarioName(Scenario scenario);  // "normal", "slow-fraud", ...
std::optional<Scenario> ParseScenario(std::string_view name);
std::span<const Scenario> AllScenarios();
// The scenarios the demo wants to show (all but normal): forced at head, kept at tail.
std::span<const Scenario> NotableScenarios();

}  // namespace hoptrace::demo
