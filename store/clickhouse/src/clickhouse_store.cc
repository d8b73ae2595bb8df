// ClickHouseStore: opening, the write path (backlog) and the shipper.

#include <iostream>

#include "clickhouse_store_impl.h"
#include "hoptrace/otlp/proto_convert.h"
#include "hoptrace/otlp/wire.h"
#include "hoptrace/store/store_error.h"
#include "span_rows.h"

namespace hoptrace::store {
namespace {

// An INSERT is sent once it holds this much, whatever batch_max_spans says: bounds the shipper's memory.
constexpr std::size_t kBatchMaxBytes = 32u << 20;
// Retention drops whole days, so checking hourly is plenty.
constexpr auto kRetentionInterval = std::chrono::hours(1);

}  // namespace

ClickHouseMetrics::ClickHouseMetrics(metrics::Registry& r)
    : batches_shipped(r.GetCounter("hoptrace_clickhouse_batches_shipped_total", "INSERTs ClickHouse accepted")),
      spans_shipped(r.GetCounter("hoptrace_clickhouse_spans_shipped_total", "Spans inserted into ClickHouse")),
      insert_retries(r.GetCounter("hoptrace_clickhouse_insert_retries_total", "INSERTs that failed and were retried")),
      writes_refused(r.GetCounter("hoptrace_clickhouse_writes_refused_total",
                                  "Writes refused because the backlog was full or the disk failed")),
      backlog_damage(r.GetCounter("hoptrace_clickhouse_backlog_damage_total",
                                  "Backlog records skipped as torn, corrupt or undecodable")),
      query_errors(r.GetCounter("hoptrace_clickhouse_query_errors_total", "Queries ClickHouse failed to answer")),
      backlog_bytes(r.GetGauge("hoptrace_clickhouse_backlog_bytes", "Bytes acknowledged but not yet in ClickHouse")),
      registry(r) {}

ClickHouseStore::Impl::Impl(ClickHouseOptions options)
    : options_(std::move(options)),
      layout_{options_.database, options_.cluster},
      own_registry_(options_.metrics ? nullptr : std::make_unique<metrics::Registry>()),
      registry_(options_.metrics ? options_.metrics : own_registry_.get()),
      metrics_(*registry_) {
  for (const std::string& url : options_.urls) {
    nodes_.push_back(std::make_unique<clickhouse::ClickHouseNode>(url, options_.database, options_.request_timeout));
  }
}

ClickHouseStore::Impl::~Impl() {
  {
    std::lock_guard lock(wake_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (shipper_.joinable()) shipper_.join();
}

void ClickHouseStore::Impl::Log(std::string_view line) const {
  if (options_.log) {
    options_.log(line);
  } else {
    std::clog << "clickhouse store: " << line << std::endl;
  }
}

std::uint64_t ClickHouseStore::Impl::NowNanos() const {
  if (options_.clock) return options_.clock();
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

Status ClickHouseStore::Impl::Open() {
  if (nodes_.empty()) return Status::Error(Status::Code::kInvalidArgument, "no ClickHouse URL given");
  if (options_.backlog_dir.empty()) return Status::Error(Status::Code::kInvalidArgument, "no backlog directory given");
  Status status = clickhouse::Backlog::Open(
      {.dir = options_.backlog_dir, .max_bytes = options_.max_backlog_bytes,
       .segment_bytes = options_.backlog_segment_bytes, .fsync = options_.fsync},
      &backlog_);
  if (!status.ok()) return status;
  metrics_.backlog_bytes.Set(static_cast<double>(backlog_.bytes()));
  // A node that is down now is no reason to refuse spans (the backlog holds them), but a reachable
  // one without the current schema is: inserts would fail until someone runs `hoptrace store init`.
  const clickhouse::ClickHouseReply version =
      Query("schema_version", std::string("SELECT max(version) FROM ") + clickhouse::kVersionTable);
  if (version.status.ok() && std::atoi(version.body.c_str()) < clickhouse::LatestSchemaVersion()) {
    return Status::Error(Status::Code::kInvalidArgument, "the ClickHouse schema in database " + options_.database +
                                                             " is not current: run `hoptrace store init`");
  }
  if (!version.status.ok()) Log("cannot check the schema version now: " + version.status.message());
  if (options_.background) shipper_ = std::thread([this] { ShipLoop(); });
  return Status::Ok();
}

Status ClickHouseStore::Impl::Append(std::string_view request) {
  Status status = backlog_.Append(request);
  if (!status.ok()) metrics_.writes_refused.Increment();
  metrics_.backlog_bytes.Set(static_cast<double>(backlog_.bytes()));
  return status;
}

clickhouse::ClickHouseReply ClickHouseStore::Impl::Query(std::string_view name, const std::string& sql,
                                                         const clickhouse::ExternalTable* table) {
  metrics::Histogram& latency = registry_->GetHistogram("hoptrace_clickhouse_query_seconds",
                                                        "ClickHouse query latency", {{"query", std::string(name)}});
  const auto started = std::chrono::steady_clock::now();
  clickhouse::ClickHouseReply reply;
  for (const auto& node : nodes_) {
    // Queries that join or filter by subquery stay on each shard: a trace lives on one shard. A
    // search's summaries list its candidates' IDs three times: past the default 256 KiB statement
    // limit at a limit of ~1,000 traces.
    constexpr std::string_view kSettings = "distributed_product_mode=local&max_query_size=16777216";
    reply = table ? node->Execute(sql, kSettings, *table) : node->Execute(sql, kSettings);
    if (reply.status.ok() || reply.status.code() != Status::Code::kUnavailable) break;
  }
  latency.Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  if (!reply.status.ok()) {
    metrics_.query_errors.Increment();
    Log(std::string(name) + " query failed: " + reply.status.message());
  }
  return reply;
}

std::string ClickHouseStore::Impl::Answer(std::string_view name, const std::string& sql,
                                          const clickhouse::ExternalTable* table) {
  clickhouse::ClickHouseReply reply = Query(name, sql, table);
  if (!reply.status.ok()) throw StoreError(std::move(reply.status));
  return std::move(reply.body);
}

Status ClickHouseStore::Impl::OnEveryNode(const std::function<Status(clickhouse::ClickHouseNode&)>& action) {
  for (const auto& node : nodes_) {
    Status status = action(*node);
    if (!status.ok()) return status;
  }
  return Status::Ok();
}

// --- shipping ---

bool ClickHouseStore::Impl::SleepUnlessStopping(std::chrono::milliseconds duration) {
  std::unique_lock lock(wake_mutex_);
  wake_.wait_for(lock, duration, [&] { return stopping_; });
  return !stopping_;
}

bool ClickHouseStore::Impl::InsertOnce(const std::string& rows, Status* status) {
  static const std::string insert = "INSERT INTO " + std::string(clickhouse::kSpansTable) + " (" +
                                    clickhouse::SpanColumnList() + ") FORMAT RowBinary";
  // On a cluster the insert returns only once every shard has its rows, so a failure is seen and retried.
  const std::string settings = layout_.clustered() ? "insert_distributed_sync=1" : "";
  for (const auto& node : nodes_) {
    *status = node->Insert(insert, rows, settings).status;
    if (status->ok()) return true;
  }
  return false;
}

bool ClickHouseStore::Impl::Insert(const std::string& rows, std::size_t spans, bool retry) {
  std::chrono::milliseconds backoff = options_.retry_initial;
  for (;;) {
    Status status;
    if (InsertOnce(rows, &status)) {
      metrics_.batches_shipped.Increment();
      metrics_.spans_shipped.Increment(spans);
      return true;
    }
    Log("insert of " + std::to_string(spans) + " spans failed, " + (retry ? "retrying: " : "will retry: ") +
        status.message());
    metrics_.insert_retries.Increment();
    // A re-sent batch may duplicate rows that a failed attempt did store: queries and merges collapse them.
    if (!retry || !SleepUnlessStopping(backoff)) return false;
    backoff = std::min(backoff * 2, options_.retry_max);
  }
}

// The rows of one INSERT, gathered across sealed segments; a segment is released once every span of
// it (and of the segments before it) is in ClickHouse.
class ClickHouseStore::Impl::Shipment {
 public:
  Shipment(Impl& store, bool retry) : store_(store), retry_(retry) {}

  bool AddRecord(std::string_view request) {
    model::TraceBatch batch;
    otlp::DecodeReport report;
    std::string error;
    if (!otlp::ParseExportRequest(request, &batch, &report, &error)) {
      store_.metrics_.backlog_damage.Increment();
      store_.Log("skipping an undecodable backlog record: " + error);
      return true;
    }
    clickhouse::AppendSpanRows(batch, &rows_);
    spans_ += batch.SpanCount();
    if (spans_ < store_.options_.batch_max_spans && rows_.size() < kBatchMaxBytes) return true;
    return Flush();
  }

  // The segment is read: release it once nothing of it waits in rows_.
  bool SegmentDone(std::uint64_t segment) {
    complete_ = segment;
    return spans_ > 0 || Release();
  }

  bool Finish() { return Flush() && Release(); }

 private:
  bool Flush() {
    if (spans_ > 0 && !store_.Insert(rows_, spans_, retry_)) return false;
    rows_.clear();
    spans_ = 0;
    return Release();
  }

  bool Release() {
    if (complete_ == 0) return true;
    Status status = store_.backlog_.Release(complete_);
    if (!status.ok()) store_.Log("cannot delete a shipped backlog segment: " + status.message());
    complete_ = 0;
    store_.metrics_.backlog_bytes.Set(static_cast<double>(store_.backlog_.bytes()));
    return true;
  }

  Impl& store_;
  bool retry_;
  std::string rows_;
  std::size_t spans_ = 0;
  std::uint64_t complete_ = 0;  // the newest segment read to its end and not yet released
};

Status ClickHouseStore::Impl::ShipOnce(bool retry) {
  std::lock_guard lock(ship_mutex_);
  Shipment shipment(*this, retry);
  for (const std::uint64_t segment : backlog_.Seal()) {
    bool shipped = true;
    std::vector<std::string> problems;
    Status status = backlog_.Read(segment, [&](std::string_view record) {
      if (shipped) shipped = shipment.AddRecord(record);
    }, &problems);
    for (const std::string& problem : problems) {
      metrics_.backlog_damage.Increment();
      Log("backlog segment " + std::to_string(segment) + ": " + problem);
    }
    if (!status.ok()) return status;
    if (!shipped || !shipment.SegmentDone(segment)) {
      return Status::Error(Status::Code::kUnavailable, "ClickHouse did not take the backlog");
    }
  }
  if (!shipment.Finish()) return Status::Error(Status::Code::kUnavailable, "ClickHouse did not take the backlog");
  return backlog_.bytes() == 0 ? Status::Ok()
                               : Status::Error(Status::Code::kUnavailable, "the backlog received more meanwhile");
}

void ClickHouseStore::Impl::ShipLoop() {
  auto next_retention = std::chrono::steady_clock::now();
  do {
    ShipOnce(/*retry=*/true);
    if (std::chrono::steady_clock::now() >= next_retention) {
      if (Status status = ApplyRetention(); !status.ok()) Log("retention failed: " + status.message());
      next_retention = std::chrono::steady_clock::now() + kRetentionInterval;
    }
  } while (SleepUnlessStopping(options_.flush_interval));
}

bool ClickHouseStore::Impl::WaitShipped(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (backlog_.bytes() > 0) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    if (!options_.background) ShipOnce(/*retry=*/false);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// --- ClickHouseStore ---

ClickHouseStore::ClickHouseStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ClickHouseStore::~ClickHouseStore() = default;

Status ClickHouseStore::Open(ClickHouseOptions options, std::unique_ptr<ClickHouseStore>* store) {
  auto impl = std::make_unique<Impl>(std::move(options));
  Status status = impl->Open();
  if (!status.ok()) return status;
  store->reset(new ClickHouseStore(std::move(impl)));
  return Status::Ok();
}

Status ClickHouseStore::Write(const model::TraceBatch& batch) {
  if (batch.SpanCount() == 0) return Status::Ok();
  return impl_->Append(otlp::SerializeExportRequest(batch));
}

Status ClickHouseStore::WriteOtlp(const OtlpSpans& spans) {
  if (spans.scan.spans.empty()) return Status::Ok();
  if (spans.request_is_exact) return impl_->Append(spans.request);
  otlp::wire::RequestWriter writer;
  for (std::size_t i = 0; i < spans.scan.spans.size(); ++i) writer.Add(spans.scan, i);
  std::string rebuilt;
  writer.Finish(&rebuilt);
  return impl_->Append(rebuilt);
}

Status ClickHouseStore::ShipBacklog() { return impl_->ShipOnce(/*retry=*/false); }
bool ClickHouseStore::WaitShipped(std::chrono::milliseconds timeout) { return impl_->WaitShipped(timeout); }
Status ClickHouseStore::ApplyRetention() { return impl_->ApplyRetention(); }
std::uint64_t ClickHouseStore::backlog_bytes() const { return impl_->backlog().bytes(); }
metrics::Registry& ClickHouseStore::metrics() { return impl_->registry(); }

}  // namespace hoptrace::store
