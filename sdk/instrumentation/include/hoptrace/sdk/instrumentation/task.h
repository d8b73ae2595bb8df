#pragma once
// Carrying the current context into work that runs later or on another thread (thread pools,
// executors, callbacks): wrap the task where it is submitted, and it runs under that context.
//
//   pool.Submit(Wrap([order] { Process(order); }));  // spans started in Process nest correctly

#include <functional>
#include <type_traits>
#include <utility>

#include "hoptrace/sdk/context.h"

namespace hoptrace::sdk {

// A callable that runs `task` with `context` as the current context (restoring the worker's own
// afterwards). Copyable when the task is; move-only tasks give a move-only wrapper.
template <typename Task>
class ContextCapturingTask {
 public:
  explicit ContextCapturingTask(Task task, SpanContext context = CurrentContext())
      : task_(std::move(task)), context_(std::move(context)) {}

  template <typename... Args>
  decltype(auto) operator()(Args&&... args) {
    Scope scope(context_);
    return std::invoke(task_, std::forward<Args>(args)...);
  }

  template <typename... Args>
  decltype(auto) operator()(Args&&... args) const {
    Scope scope(context_);
    return std::invoke(task_, std::forward<Args>(args)...);
  }

  const SpanContext& context() const { return context_; }

 private:
  Task task_;
  SpanContext context_;
};

// Captures the current context now, for running `task` later anywhere.
template <typename Task>
ContextCapturingTask<std::decay_t<Task>> Wrap(Task&& task) {
  return ContextCapturingTask<std::decay_t<Task>>(std::forward<Task>(task));
}

}  // namespace hoptrace::sdk
