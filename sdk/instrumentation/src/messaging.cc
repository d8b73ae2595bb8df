#include "hoptrace/sdk/instrumentation/messaging.h"

#include <optional>
#include <string>
#include <vector>

namespace hoptrace::sdk {
namespace {

using model::SpanKind;

struct Operation {
  std::string_view name;  // messaging.operation.name, and the first word of the span name
  std::string_view type;  // messaging.operation.type
};
constexpr Operation kSend = {"send", "send"};
constexpr Operation kProcess = {"process", "process"};

// "{operation} {destination}"; the destination is left out when unknown.
std::string SpanName(const Operation& operation, const MessagingDestination& destination) {
  std::string name(operation.name);
  if (!destination.destination.empty()) name.append(1, ' ').append(destination.destination);
  return name;
}

Span StartMessagingSpan(Tracer& tracer, SpanKind kind, const Operation& operation,
                        const MessagingDestination& destination, std::optional<SpanContext> parent,
                        std::span<const LinkSpec> links, std::string_view message_id) {
  Span span = tracer.StartSpan(SpanName(operation, destination),
                               {.kind = kind, .parent = std::move(parent), .links = links});
  span.SetAttributes({{"messaging.system", destination.system},
                      {"messaging.operation.name", operation.name},
                      {"messaging.operation.type", operation.type}});
  if (!destination.destination.empty())
    span.SetAttribute("messaging.destination.name", destination.destination);
  if (!message_id.empty()) span.SetAttribute("messaging.message.id", message_id);
  return span;
}

}  // namespace

Span StartProducerSpan(Tracer& tracer, const TextMapPropagator& propagator,
                       const MessagingDestination& destination, TextMapCarrier& message_headers,
                       std::string_view message_id) {
  Span span =
      StartMessagingSpan(tracer, SpanKind::kProducer, kSend, destination, std::nullopt, {}, message_id);
  propagator.Inject(span.context(), message_headers);
  return span;
}

Span StartConsumerSpan(Tracer& tracer, const TextMapPropagator& propagator,
                       const MessagingDestination& destination, const TextMapCarrier& message_headers,
                       ProducerContextUse use, std::string_view message_id) {
  const SpanContext producer = propagator.Extract(message_headers);
  if (use == ProducerContextUse::kParent && producer.IsValid()) {
    return StartMessagingSpan(tracer, SpanKind::kConsumer, kProcess, destination, producer, {}, message_id);
  }
  const LinkSpec link{.context = producer, .attributes = {}};
  return StartMessagingSpan(
      tracer, SpanKind::kConsumer, kProcess, destination, std::nullopt,
      producer.IsValid() ? std::span<const LinkSpec>(&link, 1) : std::span<const LinkSpec>(), message_id);
}

Span StartConsumerBatchSpan(Tracer& tracer, const TextMapPropagator& propagator,
                            const MessagingDestination& destination,
                            std::span<const TextMapCarrier* const> message_headers) {
  std::vector<LinkSpec> links;
  links.reserve(message_headers.size());
  for (const TextMapCarrier* headers : message_headers) {
    if (headers == nullptr) continue;
    SpanContext producer = propagator.Extract(*headers);
    if (producer.IsValid()) links.push_back({.context = std::move(producer), .attributes = {}});
  }
  Span span = StartMessagingSpan(tracer, SpanKind::kConsumer, kProcess, destination, std::nullopt, links, {});
  span.SetAttribute("messaging.batch.message_count", static_cast<std::int64_t>(message_headers.size()));
  return span;
}

}  // namespace hoptrace::sdk
