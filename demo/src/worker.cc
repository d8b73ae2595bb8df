// worker: consumes order-placed from the queue. Each message is processed in a CONSUMER span whose
// parent is the producer's span, taken from the message headers (the OTel messaging conventions
// allow parent or link for a single message; parent keeps the order's story in one trace).

#include <simdjson.h>

#include <atomic>
#include <iostream>
#include <map>
#include <thread>

#include "hoptrace/sdk/context.h"
#include "hoptrace/sdk/instrumentation/messaging.h"
#include "hoptrace/sdk/propagation/carriers.h"
#include "service.h"

namespace hoptrace::demo {
namespace {

constexpr sdk::MessagingDestination kOrderPlaced = {.system = "hoptrace-demo-queue", .destination = "order-placed"};
constexpr auto kBackoffAfterError = std::chrono::milliseconds(500);

struct Message {
  std::map<std::string, std::string> headers;
  std::string order_id;
};

std::optional<Message> ParseMessage(const std::string& envelope) {
  simdjson::dom::parser parser;
  simdjson::dom::object headers;
  std::string_view order_id;
  const auto document = parser.parse(envelope);
  if (document["headers"].get_object().get(headers) != simdjson::SUCCESS ||
      document["body"]["order"].get_string().get(order_id) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  Message message{{}, std::string(order_id)};
  for (const auto field : headers) {
    std::string_view value;
    if (field.value.get_string().get(value) == simdjson::SUCCESS) message.headers.emplace(field.key, value);
  }
  return message;
}

class Worker {
 public:
  explicit Worker(Service& service) : service_(service), thread_([this] { ConsumeUntilStopped(); }) {}
  ~Worker() { Stop(); }
  void Stop() {
    if (!stopping_.exchange(true)) thread_.join();
  }

 private:
  void ConsumeUntilStopped() {
    while (!stopping_) {
      const CallResult next = service_.Send("queue", "GET", "/queues/order-placed/next?wait_ms=500", "", {});
      if (next.status == 204) continue;
      if (!next.ok()) {
        std::this_thread::sleep_for(kBackoffAfterError);  // the broker is not up yet, or going away
        continue;
      }
      const auto message = ParseMessage(next.body);
      if (!message) {
        service_.CountBadRequest();
        std::cerr << "worker: dropped a malformed message\n";
        continue;
      }
      Process(*message);
    }
  }

  void Process(const Message& message) {
    const sdk::HeaderCarrier<const std::map<std::string, std::string>> carrier(message.headers, sdk::KeyMatch::kExact);
    sdk::Span consumer = sdk::StartConsumerSpan(service_.tracer(), service_.propagator(), kOrderPlaced, carrier,
                                                sdk::ProducerContextUse::kParent, message.order_id);
    const sdk::Scope scope(consumer.context());
    const auto scenario = message.headers.find(std::string(kScenarioHeader));
    const ScenarioScope scenario_scope(
        ParseScenario(scenario == message.headers.end() ? "" : scenario->second).value_or(Scenario::kNormal));
    sdk::Span points = service_.tracer().StartSpan("award loyalty points");
    points.SetAttribute("order.id", std::string_view(message.order_id));
    const sdk::Scope points_scope(points.context());
    service_.SleepScaled(std::chrono::milliseconds(20));
    service_.Call("cache", "PUT", "/cache/" + message.order_id + "-points", "120");
  }

  Service& service_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace
}  // namespace hoptrace::demo

int main(int argc, char** argv) {
  using namespace hoptrace::demo;
  Service service("worker", argc, argv);
  Worker worker(service);
  service.OnStop([&] { worker.Stop(); });
  return service.Run();
}
