// payments: takes the money. Looks the customer up in the cache (the database on a miss), asks
// fraud-api for a score, prices the order lines and records the payment in the database.

#include <simdjson.h>

#include "hoptrace/sdk/propagation/carriers.h"
#include "service.h"

namespace hoptrace::demo {
namespace {

constexpr int kOrderLines = 12;

// A call to the database as the database conventions describe it: a CLIENT span named
// "{operation} {table}" with db.system, db.query.text and db.operation.name, context injected.
CallResult QueryDatabase(Service& service, std::string_view operation, std::string_view table, std::string_view sql,
                         std::string_view params_json) {
  http::Headers headers = ScenarioHeaders();
  sdk::Span span = service.tracer().StartSpan(std::string(operation) + " " + std::string(table),
                                              {.kind = model::SpanKind::kClient});
  span.SetAttributes({{"db.system", std::string_view("sqlite")},
                      {"db.namespace", std::string_view("main")},
                      {"db.collection.name", table},
                      {"db.operation.name", operation},
                      {"db.query.text", sql},
                      {"server.address", std::string_view("127.0.0.1")},
                      {"peer.service", std::string_view("database")}});
  sdk::HeaderCarrier<http::Headers> carrier(headers);
  service.propagator().Inject(span.context(), carrier);
  CallResult result =
      service.Send("database", "POST", "/query", "{\"sql\":" + JsonString(sql) + ",\"params\":" + std::string(params_json) + "}", headers);
  if (!result.ok()) {
    span.SetAttribute("error.type", std::string_view(result.status == 0 ? "connection_error" : std::to_string(result.status)));
    span.SetStatus(model::StatusCode::kError, result.status == 0 ? result.error : result.body);
  }
  return result;
}

// The customer record: from the cache, else from the database (and then cached).
void LoadCustomer(Service& service, int customer) {
  const std::string key = "/cache/customer-" + std::to_string(customer);
  const CallResult cached = service.Call("cache", "GET", key, "");
  if (cached.ok() && cached.body != "null") return;
  const CallResult row = QueryDatabase(service, "SELECT", "customers", "SELECT id, name, tier FROM customers WHERE id = ?",
                                       "[" + std::to_string(customer) + "]");
  if (row.ok()) service.Call("cache", "PUT", key, row.body);
}

// The order's total: one query for every line, or (n-plus-one) one query per line.
void PriceOrderLines(Service& service) {
  if (CurrentScenario() != Scenario::kNPlusOne) {
    std::string skus;
    for (int line = 1; line <= kOrderLines; ++line) skus += (line == 1 ? "" : ",") + JsonString("sku-" + std::to_string(line));
    QueryDatabase(service, "SELECT", "products",
                  "SELECT sku, price_cents FROM products WHERE sku IN (?,?,?,?,?,?,?,?,?,?,?,?)", "[" + skus + "]");
    return;
  }
  for (int line = 1; line <= kOrderLines; ++line) {
    QueryDatabase(service, "SELECT", "products", "SELECT price_cents FROM products WHERE sku = ?",
                  "[" + JsonString("sku-" + std::to_string(line)) + "]");
  }
}

// The customer's earlier disputes. The slow variant searches the notes' text, which has no index:
// SQLite scans all 300,000 rows.
void CheckDisputes(Service& service, int customer) {
  if (CurrentScenario() == Scenario::kSlowDatabase) {
    QueryDatabase(service, "SELECT", "disputes", "SELECT count(*) FROM disputes WHERE note LIKE ?",
                  "[" + JsonString("%customer-" + std::to_string(customer) + "%") + "]");
  } else {
    QueryDatabase(service, "SELECT", "disputes", "SELECT count(*) FROM disputes WHERE id = ?", "[" + std::to_string(customer) + "]");
  }
}

int CustomerOf(const std::string& body) {
  simdjson::dom::parser parser;
  std::int64_t customer = 0;
  if (parser.parse(body)["customer"].get_int64().get(customer) != simdjson::SUCCESS || customer < 1 || customer > 1000) return 0;
  return static_cast<int>(customer);
}

http::Response Pay(Service& service, const http::Request& request, RequestContext& context) {
  const int customer = CustomerOf(request.body);
  if (customer == 0) {
    service.CountBadRequest();
    return http::Response::Text(400, "payments: {\"customer\": 1..1000} is required\n");
  }
  context.server_span->span().SetAttribute("payment.customer_id", static_cast<std::int64_t>(customer));
  LoadCustomer(service, customer);
  const CallResult score = service.Call("fraud-api", "POST", "/score", request.body);
  if (!score.ok()) return http::Response::Text(502, "payments: fraud check failed\n");
  PriceOrderLines(service);
  CheckDisputes(service, customer);
  // The payment-error scenario charges a negative amount: the table's CHECK constraint refuses it.
  const std::int64_t amount = context.scenario == Scenario::kPaymentError ? -4200 : 4200;
  const CallResult insert = QueryDatabase(service, "INSERT", "payments",
                                          "INSERT INTO payments (order_id, customer_id, amount_cents) VALUES (?, ?, ?)",
                                          "[\"order\"," + std::to_string(customer) + "," + std::to_string(amount) + "]");
  if (!insert.ok()) {
    context.server_span->span().SetStatus(model::StatusCode::kError, "payment not recorded");
    return http::Response::Text(502, "payments: payment not recorded: " + insert.body);
  }
  return http::Response::Json(201, R"({"payment": "accepted"})");
}

}  // namespace
}  // namespace hoptrace::demo

int main(int argc, char** argv) {
  using namespace hoptrace::demo;
  Service service("payments", argc, argv);
  service.Route("POST", "/payments", [&](const hoptrace::http::Request& request, RequestContext& context) {
    return Pay(service, request, context);
  });
  return service.Run();
}
