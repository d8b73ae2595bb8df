#pragma once
// A real TracerProvider exporting synchronously into memory, for the instrumentation tests.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hoptrace/model/attribute.h"
#include "hoptrace/sdk/in_memory_exporter.h"
#include "hoptrace/sdk/tracer_provider.h"

namespace hoptrace::sdk::testing {

class RecordingProvider {
 public:
  explicit RecordingProvider(std::shared_ptr<const Sampler> sampler = AlwaysOnSampler()) {
    auto exporter = std::make_unique<InMemorySpanExporter>();
    store_ = exporter->store();
    TracerProviderOptions options;
    options.resource = DefaultResource("instrumentation-test");
    options.sampler = std::move(sampler);
    options.processors.push_back(std::make_unique<SimpleSpanProcessor>(std::move(exporter)));
    provider_ = std::make_unique<TracerProvider>(std::move(options));
  }

  Tracer& tracer() { return provider_->GetTracer("hoptrace.instrumentation.test"); }
  std::vector<model::Span> Spans() const {
    std::vector<model::Span> spans;
    for (auto& exported : store_->Spans()) spans.push_back(std::move(exported.span));
    return spans;
  }
  // The only exported span (fails the test if there is not exactly one).
  model::Span OnlySpan() const {
    auto spans = Spans();
    if (spans.size() != 1) {
      ADD_FAILURE() << "expected 1 span, got " << spans.size();
      return {};
    }
    return spans.front();
  }

 private:
  std::shared_ptr<InMemorySpanStore> store_;
  std::unique_ptr<TracerProvider> provider_;
};

// The attribute's value rendered as text ("" when absent), for compact expectations.
inline std::string AttributeText(const model::Attributes& attributes, std::string_view key) {
  const model::AttributeValue* value = model::FindAttribute(attributes, key);
  if (value == nullptr) return "";
  if (const auto* text = std::get_if<std::string>(value)) return *text;
  return model::AttributeValueToString(*value);
}

inline std::string AttributeText(const model::Span& span, std::string_view key) {
  return AttributeText(span.attributes, key);
}

// Same trace, and `parent` is the direct parent.
inline ::testing::AssertionResult IsChildOf(const model::Span& child, const model::Span& parent) {
  if (child.trace_id != parent.trace_id) {
    return ::testing::AssertionFailure()
           << "trace " << child.trace_id.ToHex() << " != " << parent.trace_id.ToHex();
  }
  if (child.parent_span_id != parent.span_id) {
    return ::testing::AssertionFailure()
           << "parent " << child.parent_span_id.ToHex() << " != " << parent.span_id.ToHex();
  }
  return ::testing::AssertionSuccess();
}

inline bool HasAttribute(const model::Span& span, std::string_view key) {
  return model::FindAttribute(span.attributes, key) != nullptr;
}

}  // namespace hoptrace::sdk::testing
