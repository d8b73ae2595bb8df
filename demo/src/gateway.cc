// gateway: the shop's front door. POST /checkout validates the cart and hands the order to orders;
// whatever orders answers (a payment error too) comes back to the shopper from here.

#include <cstdio>

#include "service.h"

namespace hoptrace::demo {
namespace {

// W3C Trace Context level 2's traceresponse header: tells the caller which trace served it.
std::string TraceResponse(const sdk::SpanContext& context) {
  char flags[3];
  std::snprintf(flags, sizeof flags, "%02x", context.trace_flags());
  return "00-" + context.trace_id().ToHex() + "-" + context.span_id().ToHex() + "-" + flags;
}

// Work a newcomer instrumented by hand and forgot to describe: spans with a name and nothing else.
void RecordSpansWithoutAttributes(Service& service) {
  for (const char* step : {"load session", "apply promotions", "render receipt"}) {
    sdk::Span span = service.tracer().StartSpan(step);
    service.SleepScaled(std::chrono::milliseconds(5));
  }
}

http::Response Checkout(Service& service, const http::Request& request, RequestContext& context) {
  {
    sdk::Span validate = service.tracer().StartSpan("validate cart");
    validate.SetAttribute("cart.bytes", static_cast<std::int64_t>(request.body.size()));
    if (request.body.empty() || request.body.front() != '{') {
      service.CountBadRequest();
      validate.SetStatus(model::StatusCode::kError, "the cart is not a JSON object");
      return http::Response::Text(400, "gateway: the cart must be a JSON object\n");
    }
  }
  if (context.scenario == Scenario::kNoAttributes) RecordSpansWithoutAttributes(service);
  const CallResult order = service.Call("orders", "POST", "/orders", request.body);
  http::Response response = order.status == 0 ? http::Response::Text(502, "gateway: orders unreachable: " + order.error + "\n")
                            : order.ok()      ? http::Response::Json(200, order.body)
                                              : http::Response::Text(502, "gateway: checkout failed: " + order.body);
  response.SetHeader("traceresponse", TraceResponse(context.server_span->context()));
  return response;
}

}  // namespace
}  // namespace hoptrace::demo

int main(int argc, char** argv) {
  using namespace hoptrace::demo;
  Service service("gateway", argc, argv);
  service.Route("POST", "/checkout", [&](const hoptrace::http::Request& request, RequestContext& context) {
    return Checkout(service, request, context);
  });
  return service.Run();
}
