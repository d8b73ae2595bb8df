// Store::CountAttributeValues's default: each counted trace read by ID, its values counted once per
// trace in hoptrace.

#include <algorithm>
#include <cstring>
#include <map>

#include "hoptrace/store/store.h"

namespace hoptrace::store {
namespace {

// A counted value as bytes: scope, key, type and value, so values of different types differ.
// (Bytes rather than a tuple holding the variant: GCC 12 at -O3 warns falsely on maps keyed by it.)
std::optional<std::string> ValueKey(bool resource, const model::Attribute& attribute) {
  std::string key(1, resource ? 'r' : 's');
  key.append(attribute.key).push_back('\0');
  key.push_back(static_cast<char>('0' + attribute.value.index()));
  const auto append_bytes = [&](const auto& number) {
    char bytes[sizeof number];
    std::memcpy(bytes, &number, sizeof number);
    key.append(bytes, sizeof number);
  };
  switch (model::TypeOf(attribute.value)) {
    case model::AttributeType::kString: key.append(std::get<std::string>(attribute.value)); return key;
    case model::AttributeType::kInt: append_bytes(std::get<std::int64_t>(attribute.value)); return key;
    case model::AttributeType::kDouble: append_bytes(std::get<double>(attribute.value)); return key;
    case model::AttributeType::kBool: key.push_back(std::get<bool>(attribute.value) ? '1' : '0'); return key;
    default: return std::nullopt;  // arrays are not counted
  }
}

using TraceValues = std::map<std::string, AttributeValueCount>;  // by ValueKey; counts still zero

void CollectScalars(const model::Attributes& attributes, bool resource, TraceValues* values) {
  for (const model::Attribute& attribute : attributes) {
    if (std::optional<std::string> key = ValueKey(resource, attribute)) {
      values->try_emplace(std::move(*key), AttributeValueCount{.resource = resource, .attribute = attribute});
    }
  }
}

// The values on the counted spans of `trace` and their resources, each once.
TraceValues ValuesOf(const model::TraceBatch& trace, const CountedTrace& counted) {
  TraceValues values;
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
  TraceValues counts;
  for (const CountedTrace& counted : traces) {
    const std::optional<model::TraceBatch> trace = GetTrace(counted.trace_id);
    if (!trace) continue;
    for (auto& [key, value] : ValuesOf(*trace, counted)) {
      AttributeValueCount& count = counts.try_emplace(key, std::move(value)).first->second;
      ++(counted.selected ? count.selection_traces : count.baseline_traces);
    }
  }
  for (auto& [key, count] : counts) out->push_back(std::move(count));
  return Status::Ok();
}

}  // namespace hoptrace::store
