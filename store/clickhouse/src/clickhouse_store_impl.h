#pragma once
// ClickHouseStore's parts: the nodes, the backlog, the shipper thread and the metrics.

#include <atomic>
#include <condition_variable>
#include <memory>
#include <thread>

#include "backlog.h"
#include "clickhouse_http.h"
#include "hoptrace/metrics/registry.h"
#include "hoptrace/store/clickhouse_store.h"
#include "schema.h"

namespace hoptrace::store {

struct ClickHouseMetrics {
  explicit ClickHouseMetrics(metrics::Registry& registry);
  metrics::Counter& batches_shipped;
  metrics::Counter& spans_shipped;
  metrics::Counter& insert_retries;
  metrics::Counter& writes_refused;
  metrics::Counter& backlog_damage;
  metrics::Counter& query_errors;
  metrics::Gauge& backlog_bytes;
  metrics::Registry& registry;
};

class ClickHouseStore::Impl {
 public:
  explicit Impl(ClickHouseOptions options);
  ~Impl();

  Status Open();
  Status Append(std::string_view request);

  // Runs a query on the first node that answers, timing it as `name` in the latency histogram.
  // `table`, when given, is sent along as external data.
  clickhouse::ClickHouseReply Query(std::string_view name, const std::string& sql,
                                    const clickhouse::ExternalTable* table = nullptr);
  // The same for query methods that return values: the answer's body, or a thrown StoreError.
  std::string Answer(std::string_view name, const std::string& sql, const clickhouse::ExternalTable* table = nullptr);
  Status OnEveryNode(const std::function<Status(clickhouse::ClickHouseNode&)>& action);

  Status ShipOnce(bool retry);
  bool WaitShipped(std::chrono::milliseconds timeout);
  Status ApplyRetention();

  const ClickHouseOptions& options() const { return options_; }
  const clickhouse::SchemaLayout& layout() const { return layout_; }
  clickhouse::Backlog& backlog() { return backlog_; }
  metrics::Registry& registry() { return *registry_; }
  ClickHouseMetrics& counters() { return metrics_; }
  void Log(std::string_view line) const;
  std::uint64_t NowNanos() const;

 private:
  class Shipment;
  void ShipLoop();
  bool Insert(const std::string& rows, std::size_t spans, bool retry);
  bool InsertOnce(const std::string& rows, Status* status);
  bool SleepUnlessStopping(std::chrono::milliseconds duration);

  ClickHouseOptions options_;
  clickhouse::SchemaLayout layout_;
  std::vector<std::unique_ptr<clickhouse::ClickHouseNode>> nodes_;
  std::unique_ptr<metrics::Registry> own_registry_;
  metrics::Registry* registry_;
  ClickHouseMetrics metrics_;
  clickhouse::Backlog backlog_;

  std::mutex ship_mutex_;  // one shipment at a time (the thread, ShipBacklog)
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // under wake_mutex_
  std::thread shipper_;
};

}  // namespace hoptrace::store
