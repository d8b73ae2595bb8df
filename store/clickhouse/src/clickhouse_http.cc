#include "clickhouse_http.h"

#include <zlib.h>

#include "hoptrace/http/client.h"
#include "hoptrace/http/url.h"

namespace hoptrace::store::clickhouse {
namespace {

constexpr std::size_t kMaxIdleConnections = 8;  // per node: bounds sockets kept open between calls

}  // namespace

std::string QuoteSql(std::string_view text) {
  std::string quoted = "'";
  for (const char c : text) {
    if (c == '\'' || c == '\\') quoted.push_back('\\');
    quoted.push_back(c);
  }
  quoted.push_back('\'');
  return quoted;
}

std::string Gzip(std::string_view data) {
  z_stream stream{};
  // windowBits 15 + 16: a gzip header and trailer instead of zlib's. Level 1: the shipper shares
  // the machine with ingest; ClickHouse stores the data compressed again anyway.
  if (deflateInit2(&stream, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return {};
  std::string out(deflateBound(&stream, data.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int result = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return result == Z_STREAM_END ? out : std::string();
}

ClickHouseNode::ClickHouseNode(std::string url, std::string database, std::chrono::milliseconds timeout)
    : url_(std::move(url)), database_(std::move(database)), timeout_(timeout) {}

ClickHouseNode::~ClickHouseNode() = default;

std::unique_ptr<http::Client> ClickHouseNode::Borrow() {
  std::lock_guard lock(mutex_);
  if (idle_.empty()) return std::make_unique<http::Client>(url_, timeout_);
  std::unique_ptr<http::Client> client = std::move(idle_.back());
  idle_.pop_back();
  return client;
}

void ClickHouseNode::Return(std::unique_ptr<http::Client> client) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < kMaxIdleConnections) idle_.push_back(std::move(client));
}

ClickHouseReply ClickHouseNode::Post(std::string target, std::string_view body, bool compressed,
                                     std::string_view content_type) {
  std::unique_ptr<http::Client> client = Borrow();
  std::string error;
  const http::Headers headers = compressed ? http::Headers{{"Content-Encoding", "gzip"}} : http::Headers{};
  std::optional<http::Response> response = client->Post(target, body, content_type, headers, &error);
  if (!response) {
    return {Status::Error(Status::Code::kUnavailable, "ClickHouse at " + url_ + ": " + error), {}};
  }
  Return(std::move(client));
  if (response->status != 200) {
    // 4xx: the statement is wrong (400 syntax, 404 unknown table); 5xx: the server is in trouble.
    const Status::Code code = response->status >= 500 ? Status::Code::kUnavailable : Status::Code::kInvalidArgument;
    std::string message = std::move(response->body);
    if (message.size() > 1000) message.resize(1000);
    return {Status::Error(code, "ClickHouse at " + url_ + " answered " + std::to_string(response->status) + ": " +
                                    message),
            {}};
  }
  return {Status::Ok(), std::move(response->body)};
}

std::string ClickHouseNode::DatabaseTarget() const { return "/?database=" + http::PercentEncode(database_) + "&"; }

ClickHouseReply ClickHouseNode::Execute(std::string_view sql, std::string_view settings, bool use_database) {
  std::string target = use_database ? DatabaseTarget() : "/?";
  target.append(settings);
  return Post(std::move(target), sql, false);
}

ClickHouseReply ClickHouseNode::Execute(std::string_view sql, std::string_view settings, const ExternalTable& table) {
  // The rows are binary IDs and flags: random bytes hold this 29-byte boundary with odds of ~2^-232.
  static constexpr std::string_view kBoundary = "hoptrace-external-data-7f3a9c";
  std::string body;
  body.append("--").append(kBoundary).append("\r\nContent-Disposition: form-data; name=\"").append(table.name);
  body.append("\"; filename=\"").append(table.name).append("\"\r\nContent-Type: application/octet-stream\r\n\r\n");
  body.append(table.rows).append("\r\n--").append(kBoundary).append("--\r\n");
  std::string target = DatabaseTarget();
  target.append(settings).append("&query=").append(http::PercentEncode(sql));
  target.append("&").append(table.name).append("_structure=").append(http::PercentEncode(table.structure));
  target.append("&").append(table.name).append("_format=RowBinary");
  return Post(std::move(target), body, false, "multipart/form-data; boundary=" + std::string(kBoundary));
}

ClickHouseReply ClickHouseNode::Insert(std::string_view insert_sql, std::string_view rows, std::string_view settings) {
  const std::string compressed = Gzip(rows);
  if (compressed.empty() && !rows.empty()) {
    return {Status::Error(Status::Code::kIoError, "gzip of an insert failed"), {}};
  }
  std::string target = DatabaseTarget();
  target.append("query=").append(http::PercentEncode(insert_sql));
  if (!settings.empty()) target.append("&").append(settings);
  return Post(std::move(target), compressed, true);
}

}  // namespace hoptrace::store::clickhouse
