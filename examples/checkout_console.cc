// A small checkout request traced end to end and printed to the console: a gateway receives
// the request, calls the orders service over "HTTP" (headers carry the W3C traceparent), orders
// queries a database and calls payments. Everything runs in one process here; the demo in demo/
// runs the same story as separate processes.

#include <chrono>
#include <iostream>
#include <map>
#include <string>
#include <thread>

#include "hoptrace/sdk/context.h"
#include "hoptrace/sdk/exporters/console/console_exporter.h"
#include "hoptrace/sdk/propagation/carriers.h"
#include "hoptrace/sdk/propagation/trace_context.h"
#include "hoptrace/sdk/tracer_provider.h"

namespace {

using namespace hoptrace;
using namespace std::chrono_literals;
using Headers = std::map<std::string, std::string>;

// One process per service in real life: each has its own provider with its own service.name.
struct Service {
  explicit Service(std::string_view name)
      : provider([&] {
          sdk::TracerProviderOptions options;
          options.resource = sdk::DefaultResource(name);
          options.processors.push_back(std::make_unique<sdk::SimpleSpanProcessor>(
              std::make_unique<sdk::exporters::console::ConsoleSpanExporter>(std::cout)));
          return options;
        }()),
        tracer(provider.GetTracer("hoptrace-example", "0.1.0")) {}

  sdk::TracerProvider provider;
  sdk::Tracer& tracer;
};

const sdk::TraceContextPropagator kPropagator;

void Work(std::chrono::milliseconds duration) { std::this_thread::sleep_for(duration); }

// The server side of a call: extract → start a SERVER span as the child of the caller.
void HandlePayment(Service& payments, const Headers& request_headers) {
  sdk::HeaderCarrier<const Headers> carrier(request_headers);
  sdk::Span span = payments.tracer.StartSpan(
      "POST /charge", {.kind = model::SpanKind::kServer,
                       .parent = kPropagator.Extract(carrier),
                       .attributes = {{"http.request.method", std::string_view("POST")},
                                      {"http.route", std::string_view("/charge")}}});
  Work(30ms);
  span.SetAttribute("http.response.status_code", std::int64_t{200});
}

void HandleOrder(Service& orders, Service& payments, const Headers& request_headers) {
  sdk::HeaderCarrier<const Headers> carrier(request_headers);
  sdk::Span server = orders.tracer.StartSpan(
      "POST /orders", {.kind = model::SpanKind::kServer, .parent = kPropagator.Extract(carrier)});
  sdk::Scope scope(server.context());
  {
    sdk::Span query = orders.tracer.StartSpan(
        "SELECT orders", {.kind = model::SpanKind::kClient,
                          .attributes = {{"db.system", std::string_view("sqlite")},
                                         {"db.query.text", std::string_view("SELECT * FROM carts WHERE id = ?")}}});
    Work(10ms);
  }
  // The client side of a call: start a CLIENT span → inject it into the outgoing headers.
  sdk::Span call = orders.tracer.StartSpan("POST", {.kind = model::SpanKind::kClient,
                                                    .attributes = {{"server.address", std::string_view("payments")}}});
  Headers outgoing;
  sdk::HeaderCarrier<Headers> out(outgoing);
  kPropagator.Inject(call.context(), out);
  HandlePayment(payments, outgoing);
  call.SetAttribute("http.response.status_code", std::int64_t{200});
}

}  // namespace

int main() {
  Service gateway("gateway"), orders("orders"), payments("payments");
  sdk::Span request = gateway.tracer.StartSpan(
      "POST /checkout", {.kind = model::SpanKind::kServer, .attributes = {{"http.route", std::string_view("/checkout")}}});
  Headers headers;
  sdk::HeaderCarrier<Headers> carrier(headers);
  kPropagator.Inject(request.context(), carrier);
  std::cout << "gateway → orders with traceparent: " << headers["traceparent"] << "\n\n";
  HandleOrder(orders, payments, headers);
  request.End();
  std::cout << "\nOne trace, " << request.context().trace_id().ToHex() << ", across three services.\n";
  return 0;
}
