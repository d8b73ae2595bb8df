// inventory: stock levels (GET /stock?skus=a,b,c) and the checks a checkout may also make before it
// commits: the nearest warehouse, a shipping estimate, holds on the SKUs. Independent of each other;
// the staircase scenario calls them one after another.

#include <map>
#include <mutex>

#include "hoptrace/http/url.h"
#include "service.h"

namespace hoptrace::demo {
namespace {

class Stock {
 public:
  std::int64_t Level(std::string_view sku) {
    std::lock_guard lock(mutex_);
    const auto it = levels_.find(sku);
    return it == levels_.end() ? 0 : it->second;
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::int64_t, std::less<>> levels_ = {
      {"sku-1", 40}, {"sku-2", 12}, {"sku-3", 7}, {"sku-4", 230}, {"sku-5", 3}};
};

std::string LevelJson(std::string_view sku, std::int64_t level) {
  return "{\"sku\":" + JsonString(sku) + ",\"level\":" + std::to_string(level) + "}";
}

}  // namespace
}  // namespace hoptrace::demo

int main(int argc, char** argv) {
  using namespace hoptrace::demo;
  namespace http = hoptrace::http;
  Service service("inventory", argc, argv);
  Stock stock;
  for (const char* check : {"/warehouses/nearest", "/shipping/estimate", "/holds"}) {
    service.Route("GET", check, [&service, check](const http::Request&, RequestContext& context) {
      service.SleepScaled(std::chrono::milliseconds(120));  // a lookup in the warehouse system
      context.server_span->span().SetAttribute("inventory.check", std::string_view(check));
      return http::Response::Json(200, R"({"ok": true})");
    });
  }
  service.Route("GET", "/stock", [&](const http::Request& request, RequestContext& context) {
    const auto params = http::QueryParams::Parse(request.query);
    const auto skus = params ? params->Get("skus") : std::nullopt;
    if (!skus || skus->empty()) {
      service.CountBadRequest();
      return http::Response::Text(400, "inventory: ?skus=a,b,c is required\n");
    }
    service.SleepScaled(std::chrono::milliseconds(130));  // one lookup for every SKU
    std::string body = "[";
    std::size_t count = 0;
    for (std::string_view rest = *skus; !rest.empty();) {
      const std::size_t comma = rest.find(',');
      const std::string_view sku = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      body += (count++ == 0 ? "" : ",") + LevelJson(sku, stock.Level(sku));
    }
    context.server_span->span().SetAttribute("inventory.sku_count", static_cast<std::int64_t>(count));
    return http::Response::Json(200, body + "]");
  });
  return service.Run();
}
