#pragma once
// The ClickHouse backend: spans are acknowledged once they are in a local write-ahead backlog (the
// embedded store's WAL format, one OTLP request per record), and a shipper thread inserts them into
// ClickHouse in batches (RowBinary over HTTP, gzip) with retry and exponential backoff. When
// ClickHouse is down the backlog grows up to `max_backlog_bytes`; beyond that writes are refused
// with kUnavailable (503 / UNAVAILABLE + Retry-After at the receivers) until it drains.
//
// Every query runs as SQL in ClickHouse (filters, ranges, limits, aggregates). Spans re-sent after a
// failed or interrupted insert are collapsed by the ReplacingMergeTree and, until it merges, by the
// queries (one row per trace and span ID). See store/clickhouse/README.md for the schema.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hoptrace/store/store.h"

namespace hoptrace::metrics {
class Registry;
}

namespace hoptrace::store {

struct ClickHouseOptions {
  // HTTP endpoints, http://host:port. Queries and inserts go to the first that answers; schema
  // changes and retention run on every one (each shard's node, since ON CLUSTER needs ZooKeeper).
  std::vector<std::string> urls{"http://127.0.0.1:8123"};
  std::string database = "hoptrace";
  // Empty: single node, plain tables. Otherwise the remote_servers cluster: every node gets local
  // tables plus Distributed ones sharded by a hash of the trace ID.
  std::string cluster;

  std::string backlog_dir;                        // the local write-ahead backlog (required)
  std::uint64_t max_backlog_bytes = 1ull << 30;   // writes are refused beyond this
  std::uint64_t backlog_segment_bytes = 8ull << 20;
  bool fsync = true;                              // fdatasync each write before acknowledging it
  std::size_t batch_max_spans = 50'000;           // spans per INSERT
  std::chrono::milliseconds flush_interval{200};  // how long a lone write waits to be shipped
  std::chrono::milliseconds retry_initial{100};
  std::chrono::milliseconds retry_max{5'000};
  std::chrono::milliseconds request_timeout{30'000};

  // Whole days older than this are dropped (ApplyRetention). Zero: keep everything.
  std::chrono::seconds retention_age{std::chrono::hours(24 * 7)};
  bool background = true;  // run the shipper thread; false: tests call ShipBacklog()

  metrics::Registry* metrics = nullptr;  // null: the store keeps its own
  std::function<void(std::string_view)> log;  // null: std::clog
  std::function<std::uint64_t()> clock;       // Unix nanoseconds; null: the system clock
};

// Creates or migrates the schema on every node (idempotent; versions in hoptrace_schema_version).
// `applied` receives the versions applied now (empty when already current).
Status InitClickHouseSchema(const ClickHouseOptions& options, std::vector<int>* applied = nullptr);

class ClickHouseStore final : public Store {
 public:
  // Opens the backlog (what it holds from an earlier run is shipped first) and checks that the
  // schema is current; it does not create it (hoptrace store init, or InitClickHouseSchema).
  static Status Open(ClickHouseOptions options, std::unique_ptr<ClickHouseStore>* store);
  ~ClickHouseStore() override;  // stops shipping; what is left stays in the backlog

  Status Write(const model::TraceBatch& batch) override;
  Status WriteOtlp(const OtlpSpans& spans) override;
  std::optional<model::TraceBatch> GetTrace(const model::TraceId& trace_id, const TimeRange& range = {}) override;
  std::vector<TraceSummary> Search(const SearchRequest& request) override;
  // Matching trace IDs in pages of 1,000 (by ID), each page's spans in one query (only the timing
  // columns when the scan is timing_only).
  Status ForEachTrace(const TraceScan& scan, const TraceVisitor& visit) override;
  std::vector<std::string> Services(const TimeRange& range = {}) override;
  std::vector<Operation> Operations(std::string_view service, const TimeRange& range = {}) override;
  std::vector<DependencyLink> Dependencies(const TimeRange& range) override;
  Status ServiceGraphEdges(const TimeRange& range, ServiceEdges* out) override;
  // Counted in SQL: the traces and spans go along as external data, only the counts come back.
  Status CountAttributeValues(const std::vector<CountedTrace>& traces, std::vector<AttributeValueCount>* out) override;
  bool CountsWhereStored() const override { return true; }

  // Ships what the backlog holds now (one pass, no retry). Ok when it is empty afterwards.
  Status ShipBacklog();
  // Waits until everything acknowledged before the call is in ClickHouse, or `timeout` passes.
  bool WaitShipped(std::chrono::milliseconds timeout);
  // Drops the day partitions that ended more than retention_age ago, on every node.
  Status ApplyRetention();

  std::uint64_t backlog_bytes() const;
  metrics::Registry& metrics();

  class Impl;

 private:
  explicit ClickHouseStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hoptrace::store
