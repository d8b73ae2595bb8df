#include "hoptrace/sdk/propagation/composite.h"

#include <algorithm>
#include <utility>

#include "hoptrace/sdk/propagation/b3.h"
#include "hoptrace/sdk/propagation/carriers.h"
#include "hoptrace/sdk/propagation/trace_context.h"
#include "text.h"

namespace hoptrace::sdk {
namespace {

using propagation_detail::TrimOptionalWhitespace;

constexpr std::string_view kDefaultPropagators = "tracecontext,baggage";

std::string Lowercase(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
  return lower;
}

// The distinct non-empty names of a comma-separated list, lower case, in order.
std::vector<std::string> SplitNames(std::string_view list) {
  std::vector<std::string> names;
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    std::string name = Lowercase(TrimOptionalWhitespace(list.substr(0, comma)));
    if (!name.empty() && std::find(names.begin(), names.end(), name) == names.end()) {
      names.push_back(std::move(name));
    }
    list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
  }
  return names;
}

std::shared_ptr<const TextMapPropagator> PropagatorNamed(std::string_view name) {
  if (name == "tracecontext") return std::make_shared<TraceContextPropagator>();
  if (name == "b3") return std::make_shared<B3Propagator>(B3InjectFormat::kSingleHeader);
  if (name == "b3multi") return std::make_shared<B3Propagator>(B3InjectFormat::kMultipleHeaders);
  return nullptr;
}

}  // namespace

CompositePropagator::CompositePropagator(std::vector<std::shared_ptr<const TextMapPropagator>> propagators)
    : propagators_(std::move(propagators)) {
  std::erase(propagators_, nullptr);
}

void CompositePropagator::Inject(const SpanContext& context, TextMapCarrier& carrier) const {
  for (const auto& propagator : propagators_) propagator->Inject(context, carrier);
}

SpanContext CompositePropagator::Extract(const TextMapCarrier& carrier) const {
  SpanContext result;
  for (const auto& propagator : propagators_) {
    SpanContext extracted = propagator->Extract(carrier);
    if (extracted.IsValid()) result = std::move(extracted);
  }
  return result;
}

std::vector<std::string_view> CompositePropagator::Fields() const {
  std::vector<std::string_view> fields;
  for (const auto& propagator : propagators_) {
    for (std::string_view field : propagator->Fields()) {
      const bool known = std::any_of(fields.begin(), fields.end(), [&](std::string_view existing) {
        return EqualsIgnoreCase(existing, field);
      });
      if (!known) fields.push_back(field);
    }
  }
  return fields;
}

PropagatorSelection PropagatorFromNames(std::string_view names) {
  std::vector<std::string> requested = SplitNames(names);
  const bool use_default = requested.empty();
  if (use_default) requested = SplitNames(kDefaultPropagators);
  PropagatorSelection selection;
  std::vector<std::shared_ptr<const TextMapPropagator>> chosen;
  for (const std::string& name : requested) {
    if (name == "none") {
      if (requested.size() > 1)
        selection.warnings.push_back("propagator \"none\" ignored: other propagators are listed");
    } else if (name == "baggage") {
      if (!use_default)
        selection.warnings.push_back("propagator \"baggage\" ignored: hoptrace has no baggage support yet");
    } else if (auto propagator = PropagatorNamed(name)) {
      chosen.push_back(std::move(propagator));
    } else {
      selection.warnings.push_back("unknown propagator \"" + name + "\" ignored");
    }
  }
  // A single propagator is used directly, sparing the composite's extra virtual call per request.
  selection.propagator = chosen.size() == 1 ? std::move(chosen.front())
                                            : std::make_shared<CompositePropagator>(std::move(chosen));
  return selection;
}

}  // namespace hoptrace::sdk
