#pragma once
// A live span: the handle instrumentation holds between start and end. Move-only; ends the span
// when destroyed if End() was not called. A span dropped by the sampler is non-recording: it
// carries a context for propagation, and every other call on it is a no-op.

#include <chrono>
#include <cstdint>
#include <exception>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "hoptrace/model/span.h"
#include "hoptrace/sdk/span_context.h"
#include "hoptrace/sdk/span_record.h"

namespace hoptrace::sdk {

class TracerProvider;

using KeyValue = std::pair<std::string_view, model::AttributeValueView>;
using KeyValues = std::initializer_list<KeyValue>;

// Nanoseconds since the Unix epoch, from the system clock.
std::uint64_t NowUnixNanos();
// The demangled dynamic type of an exception, e.g. "std::runtime_error" (exception.type).
std::string ExceptionTypeName(const std::exception& error);

class Span {
 public:
  Span() = default;  // an invalid, non-recording span
  Span(Span&& other) noexcept;
  Span& operator=(Span&& other) noexcept;
  Span(const Span&) = delete;
  Span& operator=(const Span&) = delete;
  ~Span() { End(); }

  bool IsRecording() const { return record_ != nullptr; }
  const SpanContext& context() const { return context_; }

  void SetAttribute(std::string_view key, const model::AttributeValueView& value);
  void SetAttributes(KeyValues attributes);
  void AddEvent(std::string_view name, KeyValues attributes = {}, std::uint64_t time_unix_nano = 0);
  void AddLink(const SpanContext& linked, KeyValues attributes = {});
  // Adds an "exception" event with exception.type / exception.message (and exception.stacktrace when given)
  // per the semantic conventions. It does not change the status: call SetStatus for that.
  void RecordException(std::string_view type, std::string_view message, std::string_view stacktrace = {});
  void RecordException(const std::exception& error);
  // Ok is final; Error replaces Unset; Unset is ignored; the description is kept only for Error.
  void SetStatus(model::StatusCode code, std::string_view description = {});
  void UpdateName(std::string_view name);
  // Idempotent: the first call ends the span, later calls do nothing.
  void End(std::uint64_t end_time_unix_nano = 0);

 private:
  friend class Tracer;
  Span(SpanContext context, SpanRecordPtr record, TracerProvider* provider)
      : context_(std::move(context)), record_(std::move(record)), provider_(provider) {}

  SpanContext context_;
  SpanRecordPtr record_;  // null when not recording or already ended
  TracerProvider* provider_ = nullptr;
};

}  // namespace hoptrace::sdk
