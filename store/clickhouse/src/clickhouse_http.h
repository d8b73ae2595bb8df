#pragma once
// ClickHouse's HTTP interface for one set of nodes: statements as POST bodies, inserts with the
// statement in the URL and gzip-compressed rows as the body. Thread-safe: each call borrows an idle
// keep-alive connection of the node (or opens one), so concurrent queries do not queue on one socket.

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "hoptrace/store/store.h"

namespace hoptrace::http {
class Client;
}

namespace hoptrace::store::clickhouse {

// Rows sent along with a query that it reads as a temporary table `name` (ClickHouse's "external
// data"): how a query gets thousands of keys without putting them in its text.
struct ExternalTable {
  std::string name;
  std::string structure;  // "trace_id FixedString(16), selected UInt8"
  std::string rows;       // RowBinary
};

struct ClickHouseReply {
  Status status;
  std::string body;  // the result on success
};

class ClickHouseNode {
 public:
  ClickHouseNode(std::string url, std::string database, std::chrono::milliseconds timeout);
  ~ClickHouseNode();

  // Runs `sql`; `settings` are extra URL parameters (name=value&...). The database is empty for
  // statements that must run before it exists.
  ClickHouseReply Execute(std::string_view sql, std::string_view settings = {}, bool use_database = true);
  // The same with `table` sent as a multipart/form-data body (the statement goes in the URL).
  ClickHouseReply Execute(std::string_view sql, std::string_view settings, const ExternalTable& table);
  // INSERT ... FORMAT RowBinary with `rows` as the body, sent gzip-compressed.
  ClickHouseReply Insert(std::string_view insert_sql, std::string_view rows, std::string_view settings = {});

  const std::string& url() const { return url_; }

 private:
  ClickHouseReply Post(std::string target, std::string_view body, bool compressed,
                       std::string_view content_type = "text/plain");
  std::string DatabaseTarget() const;  // "/?database=...&"
  std::unique_ptr<http::Client> Borrow();
  void Return(std::unique_ptr<http::Client> client);

  std::string url_;
  std::string database_;
  std::chrono::milliseconds timeout_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<http::Client>> idle_;
};

// A SQL string literal: quoted, with ' and \ escaped.
std::string QuoteSql(std::string_view text);
// gzip (RFC 1952) of `data`.
std::string Gzip(std::string_view data);

}  // namespace hoptrace::store::clickhouse
