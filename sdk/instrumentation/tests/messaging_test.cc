#include "hoptrace/sdk/instrumentation/messaging.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "hoptrace/sdk/context.h"
#include "hoptrace/sdk/propagation/carriers.h"
#include "hoptrace/sdk/propagation/trace_context.h"
#include "recording_provider.h"

namespace hoptrace::sdk {
namespace {

using model::SpanKind;
using testing::AttributeText;
using testing::IsChildOf;
using testing::RecordingProvider;
using MessageHeaders = std::vector<std::pair<std::string, std::string>>;

const MessagingDestination kOrders = {.system = "kafka", .destination = "orders"};

class MessagingTest : public ::testing::Test {
 protected:
  // Sends one message with a PRODUCER span and returns its headers.
  MessageHeaders Produce(std::string_view message_id = {}) {
    MessageHeaders headers;
    HeaderCarrier carrier(headers, KeyMatch::kExact);
    StartProducerSpan(provider_.tracer(), propagator_, kOrders, carrier, message_id).End();
    return headers;
  }

  RecordingProvider provider_;
  TraceContextPropagator propagator_;
};

TEST_F(MessagingTest, ProducerSpanInjectsIntoTheMessage) {
  const MessageHeaders headers = Produce("m-1");
  const model::Span producer = provider_.OnlySpan();
  EXPECT_EQ(producer.name, "send orders");
  EXPECT_EQ(producer.kind, SpanKind::kProducer);
  EXPECT_EQ(AttributeText(producer, "messaging.system"), "kafka");
  EXPECT_EQ(AttributeText(producer, "messaging.destination.name"), "orders");
  EXPECT_EQ(AttributeText(producer, "messaging.operation.type"), "send");
  EXPECT_EQ(AttributeText(producer, "messaging.operation.name"), "send");
  EXPECT_EQ(AttributeText(producer, "messaging.message.id"), "m-1");
  ASSERT_EQ(headers.size(), 1u);
  EXPECT_EQ(headers[0].second, "00-" + producer.trace_id.ToHex() + "-" + producer.span_id.ToHex() + "-01");
}

TEST_F(MessagingTest, ConsumerOnAnotherThreadIsAChildOfTheProducer) {
  const MessageHeaders headers = Produce();
  std::thread consumer([&] {
    StartConsumerSpan(provider_.tracer(), propagator_, kOrders, HeaderCarrier(headers, KeyMatch::kExact))
        .End();
  });
  consumer.join();
  const auto spans = provider_.Spans();
  ASSERT_EQ(spans.size(), 2u);
  const model::Span& process = spans[1];
  EXPECT_EQ(process.name, "process orders");
  EXPECT_EQ(process.kind, SpanKind::kConsumer);
  EXPECT_TRUE(IsChildOf(process, spans[0]));
  EXPECT_EQ(AttributeText(process, "messaging.operation.type"), "process");
  EXPECT_TRUE(process.links.empty());
}

TEST_F(MessagingTest, ConsumerCanLinkInsteadOfParenting) {
  const MessageHeaders headers = Produce();
  StartConsumerSpan(provider_.tracer(), propagator_, kOrders, HeaderCarrier(headers),
                    ProducerContextUse::kLink)
      .End();
  const auto spans = provider_.Spans();
  ASSERT_EQ(spans.size(), 2u);
  const model::Span& process = spans[1];
  EXPECT_TRUE(process.IsRoot());
  EXPECT_NE(process.trace_id, spans[0].trace_id);
  ASSERT_EQ(process.links.size(), 1u);
  EXPECT_EQ(process.links[0].trace_id, spans[0].trace_id);
  EXPECT_EQ(process.links[0].span_id, spans[0].span_id);
}

TEST_F(MessagingTest, ConsumerWithoutContextUsesTheCurrentOne) {
  Span poll = provider_.tracer().StartSpan("poll loop");
  {
    Scope scope(poll.context());
    const MessageHeaders no_context;
    StartConsumerSpan(provider_.tracer(), propagator_, kOrders, HeaderCarrier(no_context)).End();
  }
  poll.End();
  const auto spans = provider_.Spans();
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_TRUE(IsChildOf(spans[0], spans[1]));
  EXPECT_TRUE(spans[0].links.empty());
}

TEST_F(MessagingTest, BatchSpanLinksEveryMessage) {
  const MessageHeaders first = Produce();
  const MessageHeaders second = Produce();
  const MessageHeaders without_context;
  const HeaderCarrier a(first), b(second), c(without_context);
  const std::vector<const TextMapCarrier*> batch = {&a, &b, &c};
  StartConsumerBatchSpan(provider_.tracer(), propagator_, kOrders, batch).End();
  const auto spans = provider_.Spans();
  ASSERT_EQ(spans.size(), 3u);
  const model::Span& process = spans[2];
  EXPECT_EQ(process.name, "process orders");
  EXPECT_EQ(AttributeText(process, "messaging.batch.message_count"), "3");
  ASSERT_EQ(process.links.size(), 2u);
  EXPECT_EQ(process.links[0].span_id, spans[0].span_id);
  EXPECT_EQ(process.links[1].span_id, spans[1].span_id);
}

}  // namespace
}  // namespace hoptrace::sdk
