// database: the shop's SQL database, a real embedded SQLite file behind POST /query
// ({"sql": "...", "params": [...]}). Its spans carry the database semantic conventions (db.system,
// db.query.text, db.operation.name). Seeded on first start with products, customers and a large
// table of disputes that has no index on its text (the slow query scans it).

#include <simdjson.h>
#include <sqlite3.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>

#include "service.h"

namespace hoptrace::demo {
namespace {

constexpr std::size_t kMaxRows = 1000;  // an answer never holds more rows than this
constexpr int kBusyTimeoutMillis = 5000;

const char* const kSchema = R"sql(
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS products (sku TEXT PRIMARY KEY, price_cents INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, tier TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS payments (id INTEGER PRIMARY KEY, order_id TEXT NOT NULL, customer_id INTEGER NOT NULL,
                                     amount_cents INTEGER NOT NULL CHECK (amount_cents > 0));
CREATE TABLE IF NOT EXISTS disputes (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL, note TEXT NOT NULL);
)sql";

// Only when the tables are empty: a restarted database keeps its rows.
const char* const kSeed = R"sql(
INSERT INTO products SELECT 'sku-' || value, 100 + value * 7 FROM
  (WITH RECURSIVE n(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM n WHERE value < 500) SELECT value FROM n);
INSERT INTO customers SELECT value, 'customer-' || value, CASE WHEN value % 10 = 0 THEN 'gold' ELSE 'basic' END FROM
  (WITH RECURSIVE n(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM n WHERE value < 1000) SELECT value FROM n);
INSERT INTO disputes (customer_id, note) SELECT value % 1000, 'chargeback for order ' || value || ' of customer-' || (value % 1000) FROM
  (WITH RECURSIVE n(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM n WHERE value < 300000) SELECT value FROM n);
)sql";

struct Closer {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
using Connection = std::unique_ptr<sqlite3, Closer>;

Connection Open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    const std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw std::runtime_error("cannot open " + path + ": " + message);
  }
  sqlite3_busy_timeout(db, kBusyTimeoutMillis);
  return Connection(db);
}

void Execute(sqlite3* db, const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    throw std::runtime_error(message);
  }
}

void CreateAndSeed(const std::string& path) {
  const Connection db = Open(path);
  Execute(db.get(), kSchema);
  sqlite3_stmt* count = nullptr;
  sqlite3_prepare_v2(db.get(), "SELECT count(*) FROM products", -1, &count, nullptr);
  const bool empty = sqlite3_step(count) == SQLITE_ROW && sqlite3_column_int64(count, 0) == 0;
  sqlite3_finalize(count);
  if (empty) Execute(db.get(), (std::string("BEGIN;") + kSeed + "COMMIT;").c_str());
}

// The statement's first keyword, upper-cased: db.operation.name.
std::string OperationName(std::string_view sql) {
  const std::size_t start = sql.find_first_not_of(" \t\n");
  if (start == std::string_view::npos) return {};
  std::string name;
  for (std::size_t i = start; i < sql.size() && std::isalpha(static_cast<unsigned char>(sql[i])); ++i) {
    name += static_cast<char>(std::toupper(static_cast<unsigned char>(sql[i])));
  }
  return name;
}

struct Query {
  std::string sql;
  std::vector<simdjson::dom::element> params;
};

bool Bind(sqlite3_stmt* statement, const std::vector<simdjson::dom::element>& params) {
  for (std::size_t i = 0; i < params.size(); ++i) {
    const int index = static_cast<int>(i + 1);
    const simdjson::dom::element& value = params[i];
    int result = SQLITE_MISMATCH;
    if (value.is_int64()) {
      result = sqlite3_bind_int64(statement, index, value.get_int64().value_unsafe());
    } else if (value.is_double()) {
      result = sqlite3_bind_double(statement, index, value.get_double().value_unsafe());
    } else if (value.is_string()) {
      const std::string_view text = value.get_string().value_unsafe();
      result = sqlite3_bind_text(statement, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    } else if (value.is_null()) {
      result = sqlite3_bind_null(statement, index);
    }
    if (result != SQLITE_OK) return false;
  }
  return true;
}

std::string ColumnJson(sqlite3_stmt* statement, int column) {
  switch (sqlite3_column_type(statement, column)) {
    case SQLITE_INTEGER: return std::to_string(sqlite3_column_int64(statement, column));
    case SQLITE_FLOAT: return std::to_string(sqlite3_column_double(statement, column));
    case SQLITE_NULL: return "null";
    default:
      return JsonString(reinterpret_cast<const char*>(sqlite3_column_text(statement, column)));
  }
}

class Database {
 public:
  explicit Database(std::string path) : path_(std::move(path)) { CreateAndSeed(path_); }

  // Runs one statement; the JSON answer, or the SQLite error (with its status) in `error`.
  std::string Run(const Query& query, std::size_t* rows, std::string* error, int* code) {
    sqlite3* db = ThreadConnection();
    sqlite3_stmt* statement = nullptr;
    *code = sqlite3_prepare_v2(db, query.sql.c_str(), static_cast<int>(query.sql.size()), &statement, nullptr);
    if (*code != SQLITE_OK || statement == nullptr) {
      *error = sqlite3_errmsg(db);
      return {};
    }
    const std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> finalize(statement, sqlite3_finalize);
    if (!Bind(statement, query.params)) {
      *code = SQLITE_MISMATCH;
      *error = "parameters must be numbers, strings or null, one per placeholder";
      return {};
    }
    std::string body = "{\"rows\":[";
    *rows = 0;
    while ((*code = sqlite3_step(statement)) == SQLITE_ROW) {
      if (*rows == kMaxRows) continue;  // step on so the statement completes; answer the first rows
      body += (*rows++ == 0 ? "[" : ",[");
      for (int column = 0; column < sqlite3_column_count(statement); ++column) {
        body += (column == 0 ? "" : ",") + ColumnJson(statement, column);
      }
      body += "]";
    }
    if (*code != SQLITE_DONE) {
      *error = sqlite3_errmsg(db);
      return {};
    }
    *code = SQLITE_OK;
    return body + "],\"changes\":" + std::to_string(sqlite3_changes(db)) + "}";
  }

 private:
  // One connection per server thread: WAL lets readers run beside a writer.
  sqlite3* ThreadConnection() {
    thread_local Connection connection;
    if (!connection) connection = Open(path_);
    return connection.get();
  }

  std::string path_;
};

std::optional<Query> ParseQuery(const std::string& body, simdjson::dom::parser& parser) {
  simdjson::dom::object object;
  std::string_view sql;
  if (parser.parse(body).get_object().get(object) != simdjson::SUCCESS || object["sql"].get_string().get(sql) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  Query query{std::string(sql), {}};
  simdjson::dom::array params;
  if (object["params"].get_array().get(params) == simdjson::SUCCESS) {
    for (simdjson::dom::element param : params) query.params.push_back(param);
  }
  return query;
}

http::Response HandleQuery(Service& service, Database& database, const http::Request& request, RequestContext& context) {
  thread_local simdjson::dom::parser parser;  // the parsed params live in it until the statement ran
  const auto query = ParseQuery(request.body, parser);
  sdk::Span& span = context.server_span->span();
  span.SetAttributes({{"db.system", std::string_view("sqlite")}, {"db.namespace", std::string_view("main")}});
  if (!query) {
    service.CountBadRequest();
    return http::Response::Text(400, "database: expected {\"sql\": \"...\", \"params\": [...]}\n");
  }
  const std::string operation = OperationName(query->sql);
  span.SetAttributes({{"db.query.text", std::string_view(query->sql)}, {"db.operation.name", std::string_view(operation)}});
  std::size_t rows = 0;
  std::string error;
  int code = SQLITE_OK;
  std::string answer = database.Run(*query, &rows, &error, &code);
  if (code != SQLITE_OK) {
    // The statement failed in the database: its span says so, whatever the HTTP status.
    span.SetAttributes({{"db.response.status_code", std::string_view(std::to_string(code))},
                        {"error.type", std::string_view(sqlite3_errstr(code))}});
    span.SetStatus(model::StatusCode::kError, error);
    const bool constraint = (code & 0xff) == SQLITE_CONSTRAINT;
    return http::Response::Text(constraint ? 409 : 400, "database: " + error + "\n");
  }
  span.SetAttribute("db.response.returned_rows", static_cast<std::int64_t>(rows));
  return http::Response::Json(200, std::move(answer));
}

}  // namespace
}  // namespace hoptrace::demo

int main(int argc, char** argv) {
  using namespace hoptrace::demo;
  Service service("database", argc, argv);
  const std::string path = service.flag("db-file").empty() ? "demo.sqlite" : service.flag("db-file");
  try {
    Database database(path);
    service.Route("POST", "/query", [&](const hoptrace::http::Request& request, RequestContext& context) {
      return HandleQuery(service, database, request, context);
    });
    return service.Run();
  } catch (const std::exception& error) {
    std::cerr << "database: " << error.what() << std::endl;
    return 1;
  }
}
