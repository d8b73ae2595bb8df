// `hoptrace store init` on a database that holds data under schema version 1: the migrations to
// versions 2 and 3 copy the rows into the lookup tables once, and every stored trace reads back whole.
// And on a fresh schema, a search for thousands of traces still fits in its statements.

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include "clickhouse_http.h"
#include "clickhouse_server.h"
#include "hoptrace/store/clickhouse_store.h"
#include "schema.h"
#include "span_rows.h"

namespace hoptrace::store {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr std::uint64_t kSpansPerTrace = 5;

model::TraceBatch TraceNumber(std::uint64_t n, std::uint64_t start) {
  model::TraceBatch batch;
  auto& resource = batch.resource_spans.emplace_back();
  model::SetAttribute(resource.resource.attributes, model::kServiceNameKey, std::string_view("migrated"));
  auto& scope = resource.scope_spans.emplace_back();
  for (std::uint64_t i = 0; i < kSpansPerTrace; ++i) {
    model::Span& span = scope.spans.emplace_back();
    span.trace_id = model::TraceId::FromHighLow(9, n);
    span.span_id = model::SpanId::FromHighLow(0, i + 1);
    if (i > 0) span.parent_span_id = model::SpanId::FromHighLow(0, 1);
    span.name = "op";
    span.start_time_unix_nano = start + i * 1000;
    span.end_time_unix_nano = start + i * 1000 + 500;
  }
  return batch;
}

std::uint64_t NowNanos() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

std::string Scalar(clickhouse::ClickHouseNode& node, const std::string& sql) {
  const clickhouse::ClickHouseReply reply = node.Execute(sql + " FORMAT TSV");
  EXPECT_TRUE(reply.status.ok()) << reply.status.message();
  return reply.body.substr(0, reply.body.find('\n'));
}

class ClickHouseMigrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("hoptrace-migration-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    std::string error;
    server_ = testing::ClickHouseServer::Start(dir_ / "clickhouse", {}, "", &error);
    ASSERT_TRUE(server_) << error;
    options_.urls = {server_->url()};
    options_.database = "migration";
    options_.backlog_dir = (dir_ / "backlog").string();
    options_.fsync = false;
    options_.background = false;
    options_.log = [](std::string_view) {};
    node_ = std::make_unique<clickhouse::ClickHouseNode>(server_->url(), options_.database, 10s);
  }
  void TearDown() override {
    node_.reset();
    server_.reset();
    fs::remove_all(dir_);
  }

  // Rows inserted as a version 1 store shipped them: into `spans`, whose view fills trace_index.
  void InsertAsVersion1(const model::TraceBatch& batch) {
    std::string rows;
    clickhouse::AppendSpanRows(batch, &rows);
    const clickhouse::ClickHouseReply reply = node_->Insert(
        "INSERT INTO spans (" + clickhouse::SpanColumnList() + ") FORMAT RowBinary", rows);
    ASSERT_TRUE(reply.status.ok()) << reply.status.message();
  }

  fs::path dir_;
  std::unique_ptr<testing::ClickHouseServer> server_;
  ClickHouseOptions options_;
  std::unique_ptr<clickhouse::ClickHouseNode> node_;
};

TEST_F(ClickHouseMigrationTest, Version1DataIsReadableAfterInitAndCopiedOnce) {
  std::vector<int> applied;
  ASSERT_TRUE(clickhouse::MigrateUpTo(options_, 1, &applied).ok());
  EXPECT_EQ(applied, std::vector<int>{1});
  const std::uint64_t yesterday = NowNanos() - 24 * 3600 * 1'000'000'000ull;
  for (std::uint64_t n = 1; n <= 3; ++n) InsertAsVersion1(TraceNumber(n, yesterday + n * 60'000'000'000ull));

  std::unique_ptr<ClickHouseStore> store;
  EXPECT_EQ(ClickHouseStore::Open(options_, &store).code(), Status::Code::kInvalidArgument)
      << "a store must refuse a schema older than its own";

  applied.clear();
  ASSERT_TRUE(InitClickHouseSchema(options_, &applied).ok());
  EXPECT_EQ(applied, (std::vector<int>{2, 3}));
  EXPECT_EQ(Scalar(*node_, "SELECT max(version) FROM hoptrace_schema_version"), "3");
  EXPECT_EQ(Scalar(*node_, "SELECT count() FROM system.tables WHERE database = 'migration' AND name IN "
                           "('trace_index', 'spans_by_trace', 'trace_index_mv', 'spans_by_trace_mv')"),
            "0");
  ASSERT_TRUE(ClickHouseStore::Open(options_, &store).ok());
  for (std::uint64_t n = 1; n <= 3; ++n) {
    const auto trace = store->GetTrace(model::TraceId::FromHighLow(9, n));
    ASSERT_TRUE(trace) << "trace " << n;
    EXPECT_EQ(trace->SpanCount(), kSpansPerTrace);
  }
  const std::vector<TraceSummary> found = store->Search({SpanFilter::True(), {}, 10});
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found.front().trace_id, model::TraceId::FromHighLow(9, 3));  // latest first
  for (const TraceSummary& summary : found) EXPECT_EQ(summary.span_count, kSpansPerTrace);

  // Init again: nothing to apply, and the copy into the lookup table did not run twice.
  applied.clear();
  ASSERT_TRUE(InitClickHouseSchema(options_, &applied).ok());
  EXPECT_TRUE(applied.empty());
  EXPECT_EQ(Scalar(*node_, "SELECT count() FROM spans_by_trace_v3"), std::to_string(3 * kSpansPerTrace));

  // Spans written after the migration reach the lookup tables through their views.
  ASSERT_TRUE(store->Write(TraceNumber(4, NowNanos())).ok());
  ASSERT_TRUE(store->WaitShipped(30s));
  const auto written = store->GetTrace(model::TraceId::FromHighLow(9, 4));
  ASSERT_TRUE(written);
  EXPECT_EQ(written->SpanCount(), kSpansPerTrace);
}

// `hoptrace store init` after a migration to version 3 failed at any of its statements: the next init
// resumes after the last statement that ran (copies are not repeated, the old tables are dropped only
// after the copies were checked), and every trace reads back whole.
TEST_F(ClickHouseMigrationTest, Version3ResumesAfterAFailureAtAnyStatement) {
  const std::size_t statements = clickhouse::Migrations({}).back().statements.size();
  const std::uint64_t yesterday = NowNanos() - 24 * 3600 * 1'000'000'000ull;
  for (std::size_t failed_at = 0; failed_at < statements; ++failed_at) {
    SCOPED_TRACE("failed before statement " + std::to_string(failed_at));
    options_.database = "resume_" + std::to_string(failed_at);
    node_ = std::make_unique<clickhouse::ClickHouseNode>(server_->url(), options_.database, 10s);
    ASSERT_TRUE(clickhouse::MigrateUpTo(options_, 2, nullptr).ok());
    for (std::uint64_t n = 1; n <= 3; ++n) InsertAsVersion1(TraceNumber(n, yesterday + n * 60'000'000'000ull));

    ASSERT_FALSE(clickhouse::MigrateUpTo(options_, 3, nullptr, failed_at).ok());
    std::vector<int> applied;
    const Status resumed = InitClickHouseSchema(options_, &applied);
    ASSERT_TRUE(resumed.ok()) << resumed.message();
    EXPECT_EQ(applied, std::vector<int>{3});
    EXPECT_EQ(Scalar(*node_, "SELECT count() FROM spans_by_trace_v3"), std::to_string(3 * kSpansPerTrace));
    EXPECT_EQ(Scalar(*node_, "SELECT count() FROM system.tables WHERE database = '" + options_.database +
                                 "' AND name IN ('trace_index', 'spans_by_trace', 'trace_index_mv', 'spans_by_trace_mv')"),
              "0");
    std::unique_ptr<ClickHouseStore> store;
    ASSERT_TRUE(ClickHouseStore::Open(options_, &store).ok());
    for (std::uint64_t n = 1; n <= 3; ++n) {
      const auto trace = store->GetTrace(model::TraceId::FromHighLow(9, n));
      ASSERT_TRUE(trace) << "trace " << n;
      EXPECT_EQ(trace->SpanCount(), kSpansPerTrace);
    }
  }
}

}  // namespace
}  // namespace hoptrace::store

namespace hoptrace::store {
namespace {

TEST_F(ClickHouseMigrationTest, ASearchForThousandsOfTracesFitsInOneStatement) {
  ASSERT_TRUE(InitClickHouseSchema(options_).ok());
  std::unique_ptr<ClickHouseStore> store;
  ASSERT_TRUE(ClickHouseStore::Open(options_, &store).ok());
  constexpr std::uint64_t kTraces = 3000;
  const std::uint64_t start = NowNanos() - 60'000'000'000ull;
  for (std::uint64_t n = 1; n <= kTraces; ++n) ASSERT_TRUE(store->Write(TraceNumber(n, start + n)).ok());
  ASSERT_TRUE(store->WaitShipped(60s));
  const std::vector<TraceSummary> found = store->Search({SpanFilter::True(), {}, kTraces});
  ASSERT_EQ(found.size(), kTraces);
  EXPECT_EQ(found.front().trace_id, model::TraceId::FromHighLow(9, kTraces));
}

}  // namespace
}  // namespace hoptrace::store
