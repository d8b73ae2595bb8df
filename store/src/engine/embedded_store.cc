#include "hoptrace/store/embedded_store.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iostream>

#include "engine/embedded_store_impl.h"

namespace hoptrace::store {
namespace {

// The most the head may hold, its chunk pool included: writes are refused from there on.
std::size_t HeadMemoryLimit(const EmbeddedStoreOptions& options) {
  const std::size_t factor = std::max<std::size_t>(1, options.head_backpressure_factor);
  return options.head_max_bytes > SIZE_MAX / factor ? SIZE_MAX : options.head_max_bytes * factor;
}

}  // namespace

EmbeddedStore::Impl::Impl(EmbeddedStoreOptions options)
    : options_(std::move(options)),
      own_registry_(options_.metrics ? nullptr : std::make_unique<metrics::Registry>()),
      registry_(options_.metrics ? options_.metrics : own_registry_.get()),
      metrics_(*registry_),
      head_(HeadMemoryLimit(options_)) {}

EmbeddedStore::Impl::~Impl() {
  {
    std::lock_guard lock(background_mutex_);
    stopping_ = true;
    background_wake_.notify_all();
    head_room_.notify_all();
    compaction_wake_.notify_all();
  }
  if (cut_thread_.joinable()) cut_thread_.join();
  if (compaction_thread_.joinable()) compaction_thread_.join();
  {
    std::lock_guard wal_lock(wal_mutex_);
    if (const Status status = wal_.Sync(); !status.ok()) Log("final WAL sync failed: " + status.message());
  }
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

void EmbeddedStore::Impl::StartBackground() {
  if (!options_.background) return;
  cut_thread_ = std::thread([this] { BackgroundLoop(); });
  compaction_thread_ = std::thread([this] { CompactionLoop(); });
}

std::uint64_t EmbeddedStore::Impl::Now() const {
  if (options_.clock) return options_.clock();
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

void EmbeddedStore::Impl::Log(std::string_view line) const {
  if (options_.log) {
    options_.log(line);
  } else {
    std::clog << "[hoptrace] store: " << line << '\n';
  }
}

bool EmbeddedStore::Impl::HeadOverLimits(std::size_t factor) const {
  const engine::HeadStats head = head_.stats();
  return head.live_spans + head.frozen_spans >= options_.head_max_spans * factor ||
         head.in_use_bytes() >= options_.head_max_bytes * factor;
}

EmbeddedStoreStats EmbeddedStore::Impl::stats() const {
  const engine::HeadStats head = head_.stats();
  const engine::BlockSet::Totals blocks = blocks_.totals();
  EmbeddedStoreStats stats{.head_spans = head.live_spans + head.frozen_spans,
                           .head_bytes = head.in_use_bytes(),
                           .head_pooled_bytes = head.pooled_bytes,
                           .cut_buffer_bytes = cut_buffer_bytes_.load(std::memory_order_relaxed),
                           .head_traces = head.live_traces,
                           .blocks = blocks.blocks,
                           .block_bytes = blocks.bytes,
                           .raw_blocks = blocks.raw_blocks,
                           .raw_block_bytes = blocks.raw_bytes};
  std::lock_guard wal_lock(wal_mutex_);
  stats.wal_segments = wal_.segment_count();
  return stats;
}

void EmbeddedStore::Impl::UpdateGauges() {
  const EmbeddedStoreStats now = stats();
  metrics_.head_spans.Set(static_cast<double>(now.head_spans));
  metrics_.head_bytes.Set(static_cast<double>(now.head_bytes + now.head_pooled_bytes));
  metrics_.head_pooled_bytes.Set(static_cast<double>(now.head_pooled_bytes));
  metrics_.cut_buffer_bytes.Set(static_cast<double>(now.cut_buffer_bytes));
  metrics_.blocks.Set(static_cast<double>(now.blocks));
  metrics_.block_bytes.Set(static_cast<double>(now.block_bytes));
  metrics_.raw_blocks.Set(static_cast<double>(now.raw_blocks));
  metrics_.raw_block_bytes.Set(static_cast<double>(now.raw_block_bytes));
  metrics_.wal_segments.Set(static_cast<double>(now.wal_segments));
}

// --- EmbeddedStore: the public face forwards to Impl ---

Status EmbeddedStore::Open(EmbeddedStoreOptions options, std::unique_ptr<EmbeddedStore>* store) {
  if (options.data_dir.empty()) return Status::Error(Status::Code::kInvalidArgument, "the embedded store needs a data directory");
  auto impl = std::make_unique<Impl>(std::move(options));
  Status status = impl->Open();
  if (!status.ok()) return status;
  impl->StartBackground();
  store->reset(new EmbeddedStore(std::move(impl)));
  return Status::Ok();
}

EmbeddedStore::EmbeddedStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EmbeddedStore::~EmbeddedStore() = default;

Status EmbeddedStore::Write(const model::TraceBatch& batch) { return impl_->Write(batch); }
Status EmbeddedStore::WriteOtlp(const OtlpSpans& spans) { return impl_->WriteOtlp(spans); }
std::optional<model::TraceBatch> EmbeddedStore::GetTrace(const model::TraceId& trace_id, const TimeRange& range) {
  return impl_->GetTrace(trace_id, range);
}
std::vector<TraceSummary> EmbeddedStore::Search(const SearchRequest& request) { return impl_->Search(request); }
std::vector<std::string> EmbeddedStore::Services(const TimeRange& range) { return impl_->Services(range); }
std::vector<Operation> EmbeddedStore::Operations(std::string_view service, const TimeRange& range) {
  return impl_->Operations(service, range);
}
std::vector<DependencyLink> EmbeddedStore::Dependencies(const TimeRange& range) { return impl_->Dependencies(range); }
Status EmbeddedStore::ForEachTrace(const TraceScan& scan, const TraceVisitor& visit) {
  return impl_->ForEachTrace(scan, visit);
}
Status EmbeddedStore::CutHead(bool everything) { return impl_->CutHead(everything); }
Status EmbeddedStore::Compact(bool defer_while_ingesting) { return impl_->Compact(defer_while_ingesting); }
Status EmbeddedStore::ApplyRetention() { return impl_->ApplyRetention(); }
EmbeddedStoreStats EmbeddedStore::stats() const { return impl_->stats(); }
const RecoveryReport& EmbeddedStore::recovery() const { return impl_->recovery(); }
metrics::Registry& EmbeddedStore::metrics() { return impl_->registry(); }

}  // namespace hoptrace::store
