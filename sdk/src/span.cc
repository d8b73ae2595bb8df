#include "hoptrace/sdk/span.h"

#include <cxxabi.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <typeinfo>

#include "hoptrace/sdk/tracer_provider.h"
#include "span_limits.h"

namespace hoptrace::sdk {

std::uint64_t NowUnixNanos() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

std::string ExceptionTypeName(const std::exception& error) {
  const char* mangled = typeid(error).name();
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> demangled(abi::__cxa_demangle(mangled, nullptr, nullptr, &status),
                                                         &std::free);
  return status == 0 && demangled ? demangled.get() : mangled;
}

Span::Span(Span&& other) noexcept
    : context_(std::move(other.context_)),
      record_(std::move(other.record_)),
      provider_(std::exchange(other.provider_, nullptr)) {}

Span& Span::operator=(Span&& other) noexcept {
  if (this != &other) {
    End();
    context_ = std::move(other.context_);
    record_ = std::move(other.record_);
    provider_ = std::exchange(other.provider_, nullptr);
  }
  return *this;
}

void Span::SetAttribute(std::string_view key, const model::AttributeValueView& value) {
  if (!record_) return;
  model::Span& span = record_->span;
  internal::SetLimitedAttribute(span.attributes, span.dropped_attributes_count, key, value,
                                provider_->limits().attribute_count, provider_->limits());
}

void Span::SetAttributes(KeyValues attributes) {
  for (const auto& [key, value] : attributes) SetAttribute(key, value);
}

void Span::AddEvent(std::string_view name, KeyValues attributes, std::uint64_t time_unix_nano) {
  if (!record_) return;
  model::Span& span = record_->span;
  const SpanLimits& limits = provider_->limits();
  if (span.events.size() >= limits.event_count) {
    ++span.dropped_events_count;
    return;
  }
  model::Event& event = span.events.emplace_slot();
  event.time_unix_nano = time_unix_nano != 0 ? time_unix_nano : NowUnixNanos();
  event.name.assign(name);
  internal::AssignLimitedAttributes(event.attributes, event.dropped_attributes_count, attributes,
                                    limits.attributes_per_event, limits);
}

void Span::AddLink(const SpanContext& linked, KeyValues attributes) {
  if (!record_ || !linked.IsValid()) return;
  internal::AddLimitedLink(record_->span, linked, attributes, provider_->limits());
}

void Span::RecordException(std::string_view type, std::string_view message, std::string_view stacktrace) {
  if (!record_) return;
  if (stacktrace.empty()) {
    AddEvent("exception", {{"exception.type", type}, {"exception.message", message}});
  } else {
    AddEvent("exception",
             {{"exception.type", type}, {"exception.message", message}, {"exception.stacktrace", stacktrace}});
  }
}

void Span::RecordException(const std::exception& error) {
  if (record_) RecordException(ExceptionTypeName(error), error.what());
}

void Span::SetStatus(model::StatusCode code, std::string_view description) {
  if (!record_ || code == model::StatusCode::kUnset) return;
  model::Status& status = record_->span.status;
  if (status.code == model::StatusCode::kOk) return;  // Ok is final
  status.code = code;
  if (code == model::StatusCode::kError) {
    status.message.assign(description);
  } else {
    status.message.clear();
  }
}

void Span::UpdateName(std::string_view name) {
  if (record_) record_->span.name.assign(name);
}

void Span::End(std::uint64_t end_time_unix_nano) {
  if (!record_) return;
  record_->span.end_time_unix_nano = end_time_unix_nano != 0 ? end_time_unix_nano : NowUnixNanos();
  provider_->OnEnd(std::move(record_));
}

}  // namespace hoptrace::sdk
