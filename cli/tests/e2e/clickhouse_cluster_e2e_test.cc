// Issue #8's scale-out test: a two-shard ClickHouse cluster (two real clickhouse-server processes with
// a remote_servers section), its schema made by `hoptrace store init`, and two `hoptrace serve
// --store clickhouse` collectors writing to it. Each trace's spans are sent half through one collector
// and half through the other: read through either, every trace is whole, and each trace's rows sit
// on exactly one shard (each shard's local table is asked directly).

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <sstream>

#include "child_process.h"
#include "clickhouse_server.h"
#include "hoptrace/http/client.h"
#include "hoptrace/otlp/proto_convert.h"
#include "serve_process.h"
#include "test_client.h"

namespace hoptrace::cli::e2e {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kTraces = 24;
constexpr std::size_t kSpansPerTrace = 4;
constexpr const char* kCluster = "traces";

// `count` traces of kSpansPerTrace spans starting a few minutes ago; spans [from, to) of each.
model::TraceBatch SpansOf(const std::vector<model::TraceId>& traces, std::size_t from, std::size_t to) {
  model::TraceBatch batch;
  auto& resource = batch.resource_spans.emplace_back();
  resource.resource.attributes.push_back({std::string(model::kServiceNameKey), std::string("cluster-e2e")});
  auto& scope = resource.scope_spans.emplace_back();
  const std::uint64_t start = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count()) -
      300'000'000'000ull;
  for (std::size_t t = 0; t < traces.size(); ++t) {
    for (std::size_t i = from; i < to; ++i) {
      model::Span& span = scope.spans.emplace_back();
      span.trace_id = traces[t];
      span.span_id = model::SpanId::FromHighLow(0, t * 100 + i + 1);
      if (i > 0) span.parent_span_id = model::SpanId::FromHighLow(0, t * 100 + 1);
      span.name = i == 0 ? "GET /" : "step";
      span.start_time_unix_nano = start + t * 1'000'000 + i;
      span.end_time_unix_nano = span.start_time_unix_nano + 1'000'000;
    }
  }
  return batch;
}

unsigned Post(const ServeProcess& serve, const model::TraceBatch& batch) {
  const auto answer = http::testing::Fetch(serve.ports().otlp_http, "POST", "/v1/traces",
                                           otlp::SerializeExportRequest(batch), {{"Content-Type", "application/x-protobuf"}});
  return answer ? answer->status : 0;
}

// Spans of the trace a collector returns as OTLP JSON (these spans have no links, so every "spanId"
// key is a span's own).
std::size_t StoredSpans(const ServeProcess& serve, const model::TraceId& trace_id) {
  const auto answer = http::testing::Fetch(serve.ports().query, "GET", "/api/v2/traces/" + trace_id.ToHex());
  if (!answer || answer->status != 200) return 0;
  std::size_t spans = 0;
  for (std::size_t at = answer->body.find("\"spanId\""); at != std::string::npos;
       at = answer->body.find("\"spanId\"", at + 1)) {
    ++spans;
  }
  return spans;
}

// Trace ID (hex, upper case) → distinct spans, in one shard's local table.
std::map<std::string, std::size_t> TracesOnShard(const std::string& url) {
  http::Client client(url);
  std::string error;
  const auto answer = client.Post(
      "/", "SELECT hex(trace_id), uniqExact(span_id) FROM hoptrace.spans_local GROUP BY trace_id FORMAT TSV",
      "text/plain", &error);
  std::map<std::string, std::size_t> traces;
  if (!answer || answer->status != 200) {
    ADD_FAILURE() << url << ": " << (answer ? answer->body : error);
    return traces;
  }
  std::istringstream lines(answer->body);
  std::string id;
  std::size_t spans = 0;
  while (lines >> id >> spans) traces[id] = spans;
  return traces;
}

class ClickHouseClusterE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    cluster_ = store::testing::ClickHouseCluster::Start(temp_.path() / "clickhouse", kCluster, &error);
    ASSERT_TRUE(cluster_) << error;
    const std::vector<std::string> urls = cluster_->urls();
    ASSERT_TRUE(RunHoptrace({"store", "init", "--clickhouse-url", urls[0] + "," + urls[1], "--clickhouse-cluster",
                             kCluster}));
    ASSERT_TRUE(RunHoptrace({"store", "init", "--clickhouse-url", urls[0] + "," + urls[1], "--clickhouse-cluster",
                             kCluster}));  // idempotent
    // Each collector talks to its own node first; both know every node.
    for (const std::string& first : {urls[0] + "," + urls[1], urls[1] + "," + urls[0]}) {
      collectors_.push_back(std::make_unique<ServeProcess>(
          temp_.path() / ("collector" + std::to_string(collectors_.size())),
          std::vector<std::string>{"--store", "clickhouse", "--clickhouse-url", first, "--clickhouse-cluster", kCluster}));
      ASSERT_TRUE(collectors_.back()->Start(&error)) << error;
    }
  }

  void TearDown() override {
    for (auto& collector : collectors_) {
      const auto status = collector->Terminate();
      ASSERT_TRUE(status) << "did not stop\n" << collector->Output();
      EXPECT_TRUE(status->Succeeded()) << status->Describe() << "\n" << collector->Output();
    }
  }

  bool RunHoptrace(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {HoptraceBinary().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string error;
    auto child = ChildProcess::Start(argv, temp_.path() / "init.out", temp_.path() / "init.err", &error);
    if (!child) {
      ADD_FAILURE() << error;
      return false;
    }
    const auto status = child->Wait(60s);
    return status && status->Succeeded();
  }

  TempDir temp_;
  std::unique_ptr<store::testing::ClickHouseCluster> cluster_;
  std::vector<std::unique_ptr<ServeProcess>> collectors_;
};

TEST_F(ClickHouseClusterE2eTest, TracesAreWholeThroughEitherCollectorAndEachOnOneShard) {
  std::mt19937_64 random(8);
  std::vector<model::TraceId> traces;
  for (std::size_t t = 0; t < kTraces; ++t) traces.push_back(model::TraceId::FromHighLow(random(), random() | 1));
  ASSERT_EQ(Post(*collectors_[0], SpansOf(traces, 0, kSpansPerTrace / 2)), 200u) << collectors_[0]->Output();
  ASSERT_EQ(Post(*collectors_[1], SpansOf(traces, kSpansPerTrace / 2, kSpansPerTrace)), 200u) << collectors_[1]->Output();

  for (const model::TraceId& id : traces) {
    for (const auto& collector : collectors_) {
      std::size_t stored = 0;
      PollUntil([&] { return (stored = StoredSpans(*collector, id)) == kSpansPerTrace; }, 30s, 50ms);
      ASSERT_EQ(stored, kSpansPerTrace) << "trace " << id.ToHex() << "\n" << collector->Output();
    }
  }

  const std::map<std::string, std::size_t> first = TracesOnShard(cluster_->shards[0]->url());
  const std::map<std::string, std::size_t> second = TracesOnShard(cluster_->shards[1]->url());
  EXPECT_FALSE(first.empty());
  EXPECT_FALSE(second.empty());  // 24 traces all hashed to one shard: 1 in 8 million
  for (const model::TraceId& id : traces) {
    std::string hex = id.ToHex();
    for (char& c : hex) c = static_cast<char>(std::toupper(c));
    const bool on_first = first.count(hex) > 0, on_second = second.count(hex) > 0;
    EXPECT_NE(on_first, on_second) << "trace " << hex << " must be on exactly one shard";
    EXPECT_EQ((on_first ? first : second).count(hex) ? (on_first ? first : second).at(hex) : 0, kSpansPerTrace);
  }
  const auto metrics = http::testing::Fetch(collectors_[0]->ports().query, "GET", "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("hoptrace_clickhouse_spans_shipped_total"), std::string::npos);
}

}  // namespace
}  // namespace hoptrace::cli::e2e
