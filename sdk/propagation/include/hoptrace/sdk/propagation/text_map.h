#pragma once
// Propagation of span context through string key/value carriers (HTTP headers, message headers).

#include <optional>
#include <string_view>
#include <vector>

#include "hoptrace/sdk/span_context.h"

namespace hoptrace::sdk {

// Adapts a header container. Keys are matched case-insensitively by carriers for HTTP headers.
class TextMapCarrier {
 public:
  virtual ~TextMapCarrier() = default;
  virtual std::optional<std::string_view> Get(std::string_view key) const = 0;
  virtual void Set(std::string_view key, std::string_view value) = 0;
};

class TextMapPropagator {
 public:
  virtual ~TextMapPropagator() = default;
  // Writes `context` into the carrier; does nothing for an invalid context.
  virtual void Inject(const SpanContext& context, TextMapCarrier& carrier) const = 0;
  // Reads a remote context; returns an invalid context when the carrier has none or it is invalid.
  virtual SpanContext Extract(const TextMapCarrier& carrier) const = 0;
  // The header names this propagator reads and writes.
  virtual std::vector<std::string_view> Fields() const = 0;
};

}  // namespace hoptrace::sdk
