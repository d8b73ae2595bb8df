// ClickHouse stops in the middle of ingest and comes back: every write the store acknowledged is in
// ClickHouse afterwards, and queries show each span once. And with ClickHouse away for long, the
// backlog fills to its limit and writes are refused with kUnavailable (503 / UNAVAILABLE upstream).

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "clickhouse_server.h"
#include "held_port.h"
#include "hoptrace/http/client.h"
#include "hoptrace/metrics/registry.h"
#include "hoptrace/store/clickhouse_store.h"

namespace hoptrace::store {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr std::size_t kSpansPerWrite = 20;

class TempDir {
 public:
  TempDir() : path_(fs::temp_directory_path() / ("hoptrace-outage-" + std::to_string(::getpid()) + "-" +
                                                  std::to_string(counter_++))) {
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

// One trace of kSpansPerWrite spans, numbered `n`, a minute ago.
model::TraceBatch TraceNumber(std::uint64_t n) {
  model::TraceBatch batch;
  auto& resource = batch.resource_spans.emplace_back();
  model::SetAttribute(resource.resource.attributes, model::kServiceNameKey, std::string_view("outage"));
  auto& scope = resource.scope_spans.emplace_back();
  const std::uint64_t start = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count()) -
      60'000'000'000ull;
  for (std::uint64_t i = 0; i < kSpansPerWrite; ++i) {
    model::Span& span = scope.spans.emplace_back();
    span.trace_id = model::TraceId::FromHighLow(7, n + 1);
    span.span_id = model::SpanId::FromHighLow(0, i + 1);
    if (i > 0) span.parent_span_id = model::SpanId::FromHighLow(0, 1);
    span.name = "op";
    span.start_time_unix_nano = start + i;
    span.end_time_unix_nano = start + i + 1000;
  }
  return batch;
}

ClickHouseOptions OptionsFor(const std::vector<std::string>& urls, const fs::path& dir) {
  ClickHouseOptions options;
  options.urls = urls;
  options.database = "outage";
  options.backlog_dir = (dir / "backlog").string();
  options.fsync = false;
  options.flush_interval = 20ms;
  options.retry_initial = 20ms;
  options.retry_max = 300ms;
  options.request_timeout = 2s;
  options.log = [](std::string_view) {};
  return options;
}

// Rows in the spans table, all and distinct by (trace, span).
std::pair<std::uint64_t, std::uint64_t> RowCounts(const std::string& url) {
  http::Client client(url);
  std::string error;
  const auto answer = client.Post("/", "SELECT count(), uniqExact(trace_id, span_id) FROM outage.spans FORMAT TSV",
                                  "text/plain", &error);
  std::uint64_t all = 0, distinct = 0;
  if (answer && answer->status == 200) std::sscanf(answer->body.c_str(), "%lu %lu", &all, &distinct);
  return {all, distinct};
}

TEST(ClickHouseOutageTest, EveryAcknowledgedSpanArrivesOnceAfterClickHouseComesBack) {
  TempDir temp;
  std::string error;
  auto server = testing::ClickHouseServer::Start(temp.path() / "clickhouse", {}, "", &error);
  ASSERT_TRUE(server) << error;
  metrics::Registry registry;
  ClickHouseOptions options = OptionsFor({server->url()}, temp.path());
  options.metrics = &registry;
  ASSERT_TRUE(InitClickHouseSchema(options).ok());
  std::unique_ptr<ClickHouseStore> store;
  ASSERT_TRUE(ClickHouseStore::Open(options, &store).ok());

  std::uint64_t acknowledged = 0;
  for (std::uint64_t n = 0; n < 150; ++n) {
    if (n == 50) server->Stop();  // writes keep being acknowledged into the backlog
    if (n == 100) {
      EXPECT_GT(store->backlog_bytes(), 0u);
      ASSERT_TRUE(server->Restart(&error)) << error;
    }
    if (store->Write(TraceNumber(n)).ok()) ++acknowledged;
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(acknowledged, 150u);
  ASSERT_TRUE(store->WaitShipped(60s));
  EXPECT_GT(registry.GetCounter("hoptrace_clickhouse_insert_retries_total", "").value(), 0u);

  const auto [rows, distinct] = RowCounts(server->url());
  EXPECT_EQ(distinct, acknowledged * kSpansPerWrite);
  EXPECT_GE(rows, distinct);  // a re-sent INSERT may have stored rows twice: queries must not show it
  const std::vector<TraceSummary> found = store->Search({SpanFilter::True(), {}, 1000});
  ASSERT_EQ(found.size(), acknowledged);
  for (const TraceSummary& summary : found) EXPECT_EQ(summary.span_count, kSpansPerWrite);
  const auto trace = store->GetTrace(model::TraceId::FromHighLow(7, 75));
  ASSERT_TRUE(trace);
  EXPECT_EQ(trace->SpanCount(), kSpansPerWrite);
}

TEST(ClickHouseOutageTest, WhatACrashLeftInTheBacklogIsShippedOnReopen) {
  TempDir temp;
  std::string error;
  auto server = testing::ClickHouseServer::Start(temp.path() / "clickhouse", {}, "", &error);
  ASSERT_TRUE(server) << error;
  ClickHouseOptions options = OptionsFor({server->url()}, temp.path());
  ASSERT_TRUE(InitClickHouseSchema(options).ok());
  options.background = false;  // nothing ships before the "crash"
  {
    std::unique_ptr<ClickHouseStore> store;
    ASSERT_TRUE(ClickHouseStore::Open(options, &store).ok());
    for (std::uint64_t n = 0; n < 10; ++n) ASSERT_TRUE(store->Write(TraceNumber(n)).ok());
  }
  options.background = true;
  std::unique_ptr<ClickHouseStore> reopened;
  ASSERT_TRUE(ClickHouseStore::Open(options, &reopened).ok());
  ASSERT_TRUE(reopened->WaitShipped(30s));
  EXPECT_EQ(RowCounts(server->url()).second, 10 * kSpansPerWrite);
}

TEST(ClickHouseOutageTest, AFullBacklogRefusesWritesAsUnavailable) {
  TempDir temp;
  const http::testing::ClosedLocalPort closed;  // nothing answers there
  metrics::Registry registry;
  ClickHouseOptions options = OptionsFor({"http://127.0.0.1:" + std::to_string(closed.port())}, temp.path());
  options.max_backlog_bytes = 64 << 10;
  options.metrics = &registry;
  std::unique_ptr<ClickHouseStore> store;
  ASSERT_TRUE(ClickHouseStore::Open(options, &store).ok());  // ClickHouse down is no reason to refuse
  Status refused;
  for (std::uint64_t n = 0; n < 1000 && refused.ok(); ++n) refused = store->Write(TraceNumber(n));
  EXPECT_EQ(refused.code(), Status::Code::kUnavailable) << refused.message();
  EXPECT_GE(store->backlog_bytes(), options.max_backlog_bytes);
  EXPECT_GT(registry.GetCounter("hoptrace_clickhouse_writes_refused_total", "").value(), 0u);
}

}  // namespace
}  // namespace hoptrace::store
