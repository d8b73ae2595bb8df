// orders: places the order. Checks stock with inventory, takes the payment with payments, publishes
// order-placed to the queue (a PRODUCER span; the context rides in the message headers) and
// schedules the confirmation e-mail as a background job (the context captured now, restored when
// the job runs).

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "hoptrace/sdk/instrumentation/messaging.h"
#include "hoptrace/sdk/instrumentation/task.h"
#include "hoptrace/sdk/propagation/carriers.h"
#include "hoptrace/sdk/propagation/trace_context.h"
#include "service.h"

namespace hoptrace::demo {
namespace {

constexpr std::size_t kMaxPendingJobs = 1000;
constexpr sdk::MessagingDestination kOrderPlaced = {.system = "hoptrace-demo-queue", .destination = "order-placed"};

// Runs jobs on one thread once they are due. Bounded: a job beyond kMaxPendingJobs is refused.
class JobRunner {
 public:
  using Job = std::function<void()>;
  JobRunner() : thread_([this] { RunUntilStopped(); }) {}
  ~JobRunner() { Stop(); }

  bool Schedule(std::chrono::milliseconds delay, Job job) {
    std::lock_guard lock(mutex_);
    if (stopped_ || jobs_.size() >= kMaxPendingJobs) return false;
    jobs_.emplace(std::chrono::steady_clock::now() + delay, std::move(job));
    wake_.notify_one();
    return true;
  }

  // Jobs not run yet are dropped (the demo is stopping); joins the thread.
  void Stop() {
    {
      std::lock_guard lock(mutex_);
      if (stopped_) return;
      stopped_ = true;
      wake_.notify_one();
    }
    thread_.join();
  }

 private:
  void RunUntilStopped() {
    std::unique_lock lock(mutex_);
    while (!stopped_) {
      if (jobs_.empty()) {
        wake_.wait(lock);
        continue;
      }
      const auto due = jobs_.begin()->first;
      if (std::chrono::steady_clock::now() < due) {
        wake_.wait_until(lock, due);
        continue;
      }
      Job job = std::move(jobs_.begin()->second);
      jobs_.erase(jobs_.begin());
      lock.unlock();
      job();
      lock.lock();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::multimap<std::chrono::steady_clock::time_point, Job> jobs_;
  bool stopped_ = false;
  std::thread thread_;
};

class Orders {
 public:
  explicit Orders(Service& service) : service_(service) {
    // A tracer bundled in the legacy stock client, never configured to export: it mints contexts
    // of its own. This is what the broken-propagation scenario's client sends instead of ours.
    legacy_tracing_ = std::make_unique<sdk::TracerProvider>(sdk::TracerProviderOptions{});
  }

  http::Response Place(const http::Request& request, RequestContext& context) {
    const std::string order_id = "order-" + std::to_string(next_order_.fetch_add(1));
    context.server_span->span().SetAttribute("order.id", std::string_view(order_id));
    if (!CheckStock(context.scenario)) return http::Response::Text(502, "orders: inventory unavailable\n");
    const CallResult payment = service_.Call("payments", "POST", "/payments", request.body);
    if (!payment.ok()) return http::Response::Text(502, "orders: payment failed: " + payment.body);
    Publish(order_id);
    ScheduleConfirmation(order_id, context.scenario);
    return http::Response::Json(201, "{\"order\":" + JsonString(order_id) + "}");
  }

  void Stop() { jobs_.Stop(); }

 private:
  bool CheckStock(Scenario scenario) {
    const std::string target = "/stock?skus=sku-1,sku-2,sku-3,sku-4,sku-5";
    if (scenario == Scenario::kStaircase) {  // independent checks, yet one after another
      for (const char* check : {"/warehouses/nearest", "/shipping/estimate", "/holds"}) {
        if (!service_.Call("inventory", "GET", check, "", Propagation::kInject, {}, check).ok()) return false;
      }
    }
    if (scenario != Scenario::kBrokenPropagation) {
      return service_.Call("inventory", "GET", target, "", Propagation::kInject, {}, "/stock").ok();
    }
    // The legacy client forgets to inject our context; its bundled tracer sends a traceparent of
    // its own, from a span nobody exports. Inventory's spans land in a trace of their own.
    sdk::Span legacy = legacy_tracing_->GetTracer("legacy-stock-client")
                           .StartSpan("GET", {.kind = model::SpanKind::kClient, .parent = sdk::SpanContext::Invalid()});
    http::Headers legacy_headers;
    sdk::HeaderCarrier<http::Headers> carrier(legacy_headers);
    sdk::TraceContextPropagator().Inject(legacy.context(), carrier);
    return service_.Call("inventory", "GET", target, "", Propagation::kForget, legacy_headers, "/stock").ok();
  }

  // order-placed goes to the queue as {"headers": {...}, "body": {...}}; the worker continues the
  // trace from the headers.
  void Publish(const std::string& order_id) {
    std::map<std::string, std::string> headers = {{std::string(kScenarioHeader), std::string(ScenarioName(CurrentScenario()))}};
    sdk::HeaderCarrier<std::map<std::string, std::string>> carrier(headers, sdk::KeyMatch::kExact);
    sdk::Span producer = sdk::StartProducerSpan(service_.tracer(), service_.propagator(), kOrderPlaced, carrier, order_id);
    std::string envelope = "{\"headers\":{";
    for (const auto& [key, value] : headers) {
      envelope += (envelope.back() == '{' ? "" : ",") + JsonString(key) + ":" + JsonString(value);
    }
    envelope += "},\"body\":{\"order\":" + JsonString(order_id) + "}}";
    const CallResult sent = service_.Send("queue", "POST", "/queues/order-placed", envelope, {});
    if (!sent.ok()) producer.SetStatus(model::StatusCode::kError, sent.status == 0 ? sent.error : sent.body);
  }

  // The confirmation e-mail goes out a little later, from the job thread, in this request's trace.
  void ScheduleConfirmation(const std::string& order_id, Scenario scenario) {
    const auto delay = std::chrono::milliseconds(300);
    const bool scheduled = jobs_.Schedule(delay, sdk::Wrap([this, order_id, scenario, delay] {
      const ScenarioScope scenario_scope(scenario);
      sdk::Span job = service_.tracer().StartSpan("send-confirmation-email");
      job.SetAttributes({{"job.name", std::string_view("send-confirmation-email")},
                         {"job.delay_ms", static_cast<std::int64_t>(delay.count())},
                         {"order.id", std::string_view(order_id)}});
      const sdk::Scope scope(job.context());
      service_.SleepScaled(std::chrono::milliseconds(25));  // rendering and handing to the mail relay
      service_.Call("cache", "PUT", "/cache/" + order_id + "-confirmation", "\"sent\"");
    }));
    if (!scheduled) service_.CountBadRequest();  // the job queue is full: the e-mail is dropped, and counted
  }

  Service& service_;
  std::unique_ptr<sdk::TracerProvider> legacy_tracing_;
  std::atomic<std::uint64_t> next_order_{1};
  JobRunner jobs_;
};

}  // namespace
}  // namespace hoptrace::demo

int main(int argc, char** argv) {
  using namespace hoptrace::demo;
  Service service("orders", argc, argv);
  Orders orders(service);
  service.Route("POST", "/orders", [&](const hoptrace::http::Request& request, RequestContext& context) {
    return orders.Place(request, context);
  });
  service.OnStop([&] { orders.Stop(); });
  return service.Run();
}
