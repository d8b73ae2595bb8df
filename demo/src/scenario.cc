#include "scenario.h"

#include <array>

namespace hoptrace::demo {
namespace {

struct NamedScenario {
  Scenario scenario;
  std::string_view name;
};

constexpr std::array<NamedScenario, 8> kNames = {{
    {Scenario::kNormal, "normal"},
    {Scenario::kSlowFraud, "slow-fraud"},
    {Scenario::kSlowDatabase, "slow-db"},
    {Scenario::kStaircase, "staircase"},
    {Scenario::kPaymentError, "payment-error"},
    {Scenario::kNPlusOne, "n-plus-one"},
    {Scenario::kBrokenPropagation, "broken-propagation"},
    {Scenario::kNoAttributes, "no-attributes"},
}};

constexpr std::array<Scenario, 8> kAll = {Scenario::kNormal,       Scenario::kSlowFraud,         Scenario::kSlowDatabase,
                                          Scenario::kStaircase,    Scenario::kPaymentError,      Scenario::kNPlusOne,
                                          Scenario::kBrokenPropagation, Scenario::kNoAttributes};

}  // namespace

std::string_view ScenarioName(Scenario scenario) {
  for (const auto& named : kNames) {
    if (named.scenario == scenario) return named.name;
  }
  return "normal";
}

std::optional<Scenario> ParseScenario(std::string_view name) {
  for (const auto& named : kNames) {
    if (named.name == name) return named.scenario;
  }
  return std::nullopt;
}

std::span<const Scenario> AllScenarios() { return kAll; }
std::span<const Scenario> NotableScenarios() { return std::span<const Scenario>(kAll).subspan(1); }

}  // namespace hoptrace::demo
