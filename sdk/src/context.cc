#include "hoptrace/sdk/context.h"

#include <utility>

namespace hoptrace::sdk {
namespace {

SpanContext& ThreadContext() {
  thread_local SpanContext current;
  return current;
}

}  // namespace

const SpanContext& CurrentContext() { return ThreadContext(); }

Scope::Scope(const SpanContext& context) : previous_(std::exchange(ThreadContext(), context)) {}

Scope::~Scope() { ThreadContext() = std::move(previous_); }

}  // namespace hoptrace::sdk
