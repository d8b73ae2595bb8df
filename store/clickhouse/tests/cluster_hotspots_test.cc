// The hotspots' attribute counts on a real two-shard cluster: the counted traces travel as external
// data, which the Distributed tables must hand to both shards along with the query. The report
// through the store (timing-only scan + counts in SQL) equals the one-pass aggregate over whole traces.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "clickhouse_server.h"
#include "hoptrace/model/trace_tree.h"
#include "hoptrace/query/hotspots_api.h"
#include "hoptrace/store/clickhouse_store.h"
#include "span_generator.h"

namespace hoptrace::store {
namespace {

TEST(ClickHouseClusterHotspots, CountsOnBothShardsEqualTheOnePassAggregate) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("hoptrace-cluster-hotspots-" + std::to_string(::getpid()));
  std::string error;
  auto cluster = testing::ClickHouseCluster::Start(dir / "cluster", "hotspots", &error);
  ASSERT_TRUE(cluster) << error;
  ClickHouseOptions options;
  options.urls = cluster->urls();
  options.cluster = "hotspots";
  options.database = "hotspots";
  options.backlog_dir = (dir / "backlog").string();
  options.fsync = false;
  options.background = false;
  options.log = [](std::string_view) {};
  std::unique_ptr<ClickHouseStore> store;
  Status status = InitClickHouseSchema(options);
  if (status.ok()) status = ClickHouseStore::Open(options, &store);
  ASSERT_TRUE(status.ok()) << status.message();
  const testing::GeneratedSpans generated = testing::GenerateSpans(3'000);
  ASSERT_TRUE(store->Write(generated.ToBatch()).ok());
  ASSERT_TRUE(store->WaitShipped(std::chrono::seconds(60)));

  const std::string service(model::ServiceName(generated.resources[generated.spans[0].resource].resource));
  // Caps high enough that no key overflows: which values a cap keeps depends on the order values are
  // met in, and an overflow's count is an upper bound when counted in the store (README).
  const query::HotspotParams params{
      .options = {.service = service, .slow_percentile = 90, .max_keys = 10'000, .max_values_per_key = 100'000},
      .range = {}};
  const analysis::HotspotReport report = query::ComputeHotspots(*store, params);
  EXPECT_EQ(analysis::HotspotReportToJson(report),
            analysis::HotspotReportToJson(query::AggregateWholeTraces(*store, params)));
  EXPECT_GT(report.traces, 100u);
  EXPECT_GT(report.selection_traces, 0u);
  EXPECT_FALSE(report.attributes.empty());
  EXPECT_TRUE(report.key_overflows.empty());
  store.reset();
  cluster.reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hoptrace::store
