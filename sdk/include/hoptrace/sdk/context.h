#pragma once
// The current span context of this thread, set by an RAII Scope. Spans started without an
// explicit parent use it, and propagators inject it.

#include "hoptrace/sdk/span_context.h"

namespace hoptrace::sdk {

// The innermost active context on this thread (invalid when none).
const SpanContext& CurrentContext();

// Makes `context` current until destruction, then restores the previous one.
// Scopes must be destroyed in reverse order of creation on the thread that made them.
class Scope {
 public:
  explicit Scope(const SpanContext& context);
  ~Scope();
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  SpanContext previous_;
};

}  // namespace hoptrace::sdk
