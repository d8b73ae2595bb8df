// fraud-api: stands for a third-party scoring API. Usually quick; in the slow-fraud scenario it takes
// 8.5 s (scaled by --time-scale), which is what makes the nine-second checkout.

#include "service.h"

int main(int argc, char** argv) {
  using namespace hoptrace::demo;
  Service service("fraud-api", argc, argv);
  service.Route("POST", "/score", [&](const hoptrace::http::Request& request, RequestContext& context) {
    const bool slow = context.scenario == Scenario::kSlowFraud;
    service.SleepScaled(std::chrono::milliseconds(slow ? 8500 : 40));
    context.server_span->span().SetAttributes({{"fraud.model", std::string_view("gbm-2026-11")},
                                               {"fraud.request_bytes", static_cast<std::int64_t>(request.body.size())}});
    return hoptrace::http::Response::Json(200, R"({"score": 0.07, "decision": "accept"})");
  });
  return service.Run();
}
