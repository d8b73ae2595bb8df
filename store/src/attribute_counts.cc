// Store::CountAttributeValues's default: each counted trace read by ID, its values counted once per
// trace in hoptrace.

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "hoptrace/store/store.h"

namespace hoptrace::store {
namespace {

bool IsScalar(const model::AttributeValue& value) {
  switch (model::TypeOf(value)) {
    case model::AttributeType::kString:
    case model::AttributeType::kInt:
    case model::AttributeType::kDouble:
    case model::AttributeType::kBool: return true;
    default: return false;
  }
}

// A counted value: (resource, key, value), ordered so that values of different types differ.
using ValueKey = std::tuple<bool, std::string, model::AttributeValue>;

void CollectScalars(const model::Attributes& attributes, bool resource, std::set<ValueKey>* values) {
  for (const model::Attribute& attribute : attributes) {
    if (IsScalar(attribute.value)) values->emplace(resource, attribute.key, attribute.value);
  }
}

// The values on the counted spans of `trace` and their resources, each once.
std::set<ValueKey> ValuesOf(const model::TraceBatch& trace, const CountedTrace& counted) {
  std::set<ValueKey> values;
  for (const model::ResourceSpans& resource_spans : trace.resource_spans) {
    bool resource_counted = false;
    for (const model::ScopeSpans& scope_spans : resource_spans.scope_spans) {
      for (const model::Span& span : scope_spans.spans) {
        if (!counted.whole_trace &&
            std::find(counted.spans.begin(), counted.spans.end(), span.span_id) == counted.spans.end()) {
          continue;
        }
        CollectScalars(span.attributes, false, &values);
        resource_counted = true;
      }
    }
    if (resource_counted) CollectScalars(resource_spans.resource.attributes, true, &values);
  }
  return values;
}

}  // namespace

Status Store::CountAttributeValues(const std::vector<CountedTrace>& traces, std::vector<AttributeValueCount>* out) {
  std::map<ValueKey, AttributeValueCount> counts;
  for (const CountedTrace& counted : traces) {
    const std::optional<model::TraceBatch> trace = GetTrace(counted.trace_id);
    if (!trace) continue;
    for (const ValueKey& value : ValuesOf(*trace, counted)) {
      AttributeValueCount& count = counts[value];
      ++(counted.selected ? count.selection_traces : count.baseline_traces);
    }
  }
  for (auto& [value, count] : counts) {
    count.resource = std::get<0>(value);
    count.attribute = {std::get<1>(value), std::get<2>(value)};
    out->push_back(std::move(count));
  }
  return Status::Ok();
}

}  // namespace hoptrace::store
