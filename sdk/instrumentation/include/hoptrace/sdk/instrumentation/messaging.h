#pragma once
// Producer and consumer spans following the OpenTelemetry messaging semantic conventions, with the
// producer's context carried in the message headers.

#include <span>
#include <string_view>

#include "hoptrace/sdk/propagation/text_map.h"
#include "hoptrace/sdk/span.h"
#include "hoptrace/sdk/tracer.h"

namespace hoptrace::sdk {

struct MessagingDestination {
  std::string_view system;       // messaging.system: "kafka", "rabbitmq", "aws_sqs", ...
  std::string_view destination;  // messaging.destination.name: topic or queue
};

// How a consumer span relates to the producer's context found in a message.
enum class ProducerContextUse {
  kParent,  // the processing span is a child of the producer span: one trace end to end
  kLink,    // the processing span starts in the consumer's own context and links to the producer
};

// Starts a PRODUCER span "send {destination}" and injects its context into the message headers.
// `message_id` (messaging.message.id) may be empty.
Span StartProducerSpan(Tracer& tracer, const TextMapPropagator& propagator,
                       const MessagingDestination& destination, TextMapCarrier& message_headers,
                       std::string_view message_id = {});

// Starts a CONSUMER span "process {destination}" for one message, parented to or linked to the
// context in its headers. With kLink (or when the message carries no context) the parent is the
// thread's current context.
Span StartConsumerSpan(Tracer& tracer, const TextMapPropagator& propagator,
                       const MessagingDestination& destination, const TextMapCarrier& message_headers,
                       ProducerContextUse use = ProducerContextUse::kParent,
                       std::string_view message_id = {});

// Starts one CONSUMER span "process {destination}" for a batch, linked to the context of every
// message that carries one (messaging.batch.message_count is the batch size); its parent is the
// thread's current context.
Span StartConsumerBatchSpan(Tracer& tracer, const TextMapPropagator& propagator,
                            const MessagingDestination& destination,
                            std::span<const TextMapCarrier* const> message_headers);

}  // namespace hoptrace::sdk
