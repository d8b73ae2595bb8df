#include "hoptrace/collector/sampling/tail_sampler.h"

#include <xxhash.h>

#include <algorithm>
#include <stdexcept>

#include "policy.h"
#include "span_arena.h"
#include "trace_table.h"

namespace hoptrace::collector::sampling {
namespace {

using otlp::wire::ScannedRequest;

// Traces decided per lock hold (other threads wait for the shard meanwhile).
constexpr std::size_t kDecisionBatch = 1024;
// Kept spans collected across shards before a downstream write: one store write per tick, not per shard.
constexpr std::size_t kForwardBytes = 4u << 20;

bool Retryable(store::Status::Code code) {
  return code == store::Status::Code::kUnavailable || code == store::Status::Code::kResourceExhausted ||
         code == store::Status::Code::kIoError;
}

std::uint64_t HashTraceId(const model::TraceId& id) { return XXH3_64bits(id.data(), model::TraceId::kSize); }

// Chunks of 1/8 of a shard's budget, within [8 KiB, 1 MiB]: a span larger than a chunk cannot be buffered.
std::size_t ChunkBytesFor(std::size_t shard_budget) {
  return std::clamp<std::size_t>(shard_budget / 8, 8u << 10, 1u << 20);
}

void CheckConfig(const TailSamplingConfig& config) {
  if (config.policies.empty()) throw std::invalid_argument("tail sampling needs at least one policy");
  if (config.shards == 0 || config.num_traces == 0) throw std::invalid_argument("shards and num_traces must be positive");
  if (config.max_buffered_bytes / config.shards < (64u << 10)) {
    throw std::invalid_argument("max_buffered_bytes must be at least 64 KiB per shard");
  }
}

// Per-call counts, added to the shared counters once per call rather than once per span.
struct Tally {
  std::uint64_t traces_kept = 0, traces_not_kept = 0;
  std::uint64_t spans_not_sampled = 0, spans_head_unsampled = 0, spans_evicted = 0, spans_oversized = 0,
                spans_no_room = 0;
  std::uint64_t late_kept = 0, late_not_kept = 0;
  std::uint64_t early_traces_limit = 0, early_bytes_limit = 0;
  std::uint64_t dropped_traces_limit = 0, dropped_bytes_limit = 0;
  std::uint64_t cache_evictions = 0;
};

struct DecidedTrace {
  RecordRef head;
  std::uint32_t span_count;
};

}  // namespace

struct TailSampler::Metrics {
  explicit Metrics(metrics::Registry& r)
      : traces_kept(Decisions(r, "kept")),
        traces_not_kept(Decisions(r, "not_kept")),
        spans_forwarded(r.GetCounter("hoptrace_tail_sampling_spans_forwarded_total",
                                     "Spans of kept traces sent downstream (late spans included)")),
        dropped_not_sampled(Dropped(r, "not_sampled")),
        dropped_head_unsampled(Dropped(r, "head_unsampled")),
        dropped_late(Dropped(r, "late_not_sampled")),
        dropped_evicted(Dropped(r, "evicted")),
        dropped_oversized(Dropped(r, "oversized")),
        dropped_no_room(Dropped(r, "no_room")),
        dropped_downstream(Dropped(r, "downstream_error")),
        late_kept(Late(r, "kept")),
        late_not_kept(Late(r, "not_kept")),
        early_traces_limit(Early(r, "num_traces")),
        early_bytes_limit(Early(r, "max_buffered_bytes")),
        dropped_traces_limit(DroppedTraces(r, "num_traces")),
        dropped_bytes_limit(DroppedTraces(r, "max_buffered_bytes")),
        cache_evictions(r.GetCounter("hoptrace_tail_sampling_decision_cache_evictions_total",
                                     "Decisions forgotten to make room for newer ones (late spans of those traces start a new trace)")),
        downstream_errors(r.GetCounter("hoptrace_tail_sampling_downstream_errors_total",
                                       "Requests of kept spans downstream refused")),
        retry_bytes(r.GetGauge("hoptrace_tail_sampling_retry_bytes",
                               "Kept spans downstream refused, waiting to be retried (at most max_retry_bytes)")),
        decision_latency(r.GetHistogram("hoptrace_tail_sampling_decision_latency_seconds",
                                        "Time from a trace's first span to its decision", {},
                                        {0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 15, 30, 60, 120})),
        buffered_traces(r.GetGauge("hoptrace_tail_sampling_buffered_traces", "Traces waiting for a decision")),
        buffered_spans(r.GetGauge("hoptrace_tail_sampling_buffered_spans", "Spans waiting for a decision")),
        buffered_bytes(r.GetGauge("hoptrace_tail_sampling_buffered_bytes",
                                  "Memory holding buffered spans and their resources (at most max_buffered_bytes)")) {}

  static metrics::Counter& Decisions(metrics::Registry& r, const char* decision) {
    return r.GetCounter("hoptrace_tail_sampling_traces_total", "Traces decided, by decision", {{"decision", decision}});
  }
  static metrics::Counter& Dropped(metrics::Registry& r, const char* reason) {
    return r.GetCounter("hoptrace_tail_sampling_spans_dropped_total", "Spans not sent downstream, by reason",
                        {{"reason", reason}});
  }
  static metrics::Counter& Late(metrics::Registry& r, const char* decision) {
    return r.GetCounter("hoptrace_tail_sampling_late_spans_total",
                        "Spans that arrived after their trace was decided, by that decision", {{"decision", decision}});
  }
  static metrics::Counter& Early(metrics::Registry& r, const char* limit) {
    return r.GetCounter("hoptrace_tail_sampling_early_decisions_total",
                        "Traces decided before their time because a limit was reached", {{"limit", limit}});
  }
  static metrics::Counter& DroppedTraces(metrics::Registry& r, const char* limit) {
    return r.GetCounter("hoptrace_tail_sampling_dropped_traces_total",
                        "Undecided traces dropped because a limit was reached (when_full: drop)", {{"limit", limit}});
  }

  void Add(const Tally& t) {
    const auto add = [](metrics::Counter& counter, std::uint64_t by) {
      if (by != 0) counter.Increment(by);
    };
    add(traces_kept, t.traces_kept);
    add(traces_not_kept, t.traces_not_kept);
    add(dropped_not_sampled, t.spans_not_sampled);
    add(dropped_head_unsampled, t.spans_head_unsampled);
    add(dropped_late, t.late_not_kept);
    add(dropped_evicted, t.spans_evicted);
    add(dropped_oversized, t.spans_oversized);
    add(dropped_no_room, t.spans_no_room);
    add(late_kept, t.late_kept);
    add(late_not_kept, t.late_not_kept);
    add(early_traces_limit, t.early_traces_limit);
    add(early_bytes_limit, t.early_bytes_limit);
    add(dropped_traces_limit, t.dropped_traces_limit);
    add(dropped_bytes_limit, t.dropped_bytes_limit);
    add(cache_evictions, t.cache_evictions);
  }

  metrics::Counter &traces_kept, &traces_not_kept, &spans_forwarded;
  metrics::Counter &dropped_not_sampled, &dropped_head_unsampled, &dropped_late, &dropped_evicted, &dropped_oversized,
      &dropped_no_room, &dropped_downstream;
  metrics::Counter &late_kept, &late_not_kept;
  metrics::Counter &early_traces_limit, &early_bytes_limit, &dropped_traces_limit, &dropped_bytes_limit;
  metrics::Counter &cache_evictions, &downstream_errors;
  metrics::Gauge& retry_bytes;
  metrics::Histogram& decision_latency;
  metrics::Gauge &buffered_traces, &buffered_spans, &buffered_bytes;
};

struct TailSampler::Shard {
  Shard(std::size_t traces, std::size_t budget, std::size_t cache)
      : table(traces), arena(budget, ChunkBytesFor(budget)), decisions(cache) {}
  mutable std::mutex mutex;
  TraceTable table;
  SpanArena arena;
  DecisionCache decisions;
  std::size_t buffered_spans = 0;
  // What the gauges last got from this shard.
  double published_traces = 0, published_spans = 0, published_bytes = 0;
};

// Per-thread buffers: after the first calls nothing on the span or decision path allocates.
struct TailSampler::Scratch {
  std::vector<std::uint64_t> hashes;
  std::vector<std::uint32_t> shard_of;
  std::vector<std::uint32_t> order;  // span indices grouped by shard
  std::vector<std::uint32_t> shard_begin;
  std::vector<std::uint32_t> scope_origin;  // scan scope -> origin in the shard being filled
  std::uint64_t scope_origin_generation = 0;
  std::vector<DecidedTrace> decided;
  otlp::wire::RequestWriter writer;       // kept traces (views into chunks until FlushDecidedLocked)
  otlp::wire::RequestWriter late_writer;  // late spans of kept traces (views into the request)
  std::string output;
  ScannedRequest output_scan;
  Tally tally;
};

// A buffered trace as policies see it.
class TailSampler::SlotView final : public TraceView {
 public:
  SlotView(const SpanArena& arena, const TraceSlot& trace, std::uint64_t now_nanos) : arena_(arena), head_(trace.head) {
    id = trace.id;
    summary = &trace.summary;
    now = now_nanos;
  }
  void ForEachSpan(FunctionRef<bool(const BufferedSpan&)> visit) const override {
    std::uint32_t origin = kNone;
    std::string_view resource;
    for (RecordRef record = head_; record.valid(); record = arena_.Next(record)) {
      if (arena_.OriginOf(record) != origin) {
        origin = arena_.OriginOf(record);
        resource = arena_.ResourceOf(origin).encoded;
      }
      if (!visit(BufferedSpan{arena_.Bytes(record), resource, origin})) return;
    }
  }

 private:
  const SpanArena& arena_;
  RecordRef head_;
};

TailSampler::Scratch& TailSampler::ThreadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

TailSampler::TailSampler(const TailSamplingConfig& config, SpanSink& downstream, metrics::Registry& registry,
                         const Clock& clock)
    : config_(config), downstream_(downstream), clock_(clock) {
  CheckConfig(config_);
  metrics_ = std::make_unique<Metrics>(registry);
  policies_ = std::make_unique<PolicySet>(config_.policies, config_.sample_on_first_match, registry);
  const std::size_t shards = config_.shards;
  const std::size_t traces_per_shard = (config_.num_traces + shards - 1) / shards;
  const std::size_t cache_per_shard = (config_.decision_cache_size + shards - 1) / shards;
  for (std::size_t i = 0; i < shards; ++i) {
    shards_.push_back(std::make_unique<Shard>(traces_per_shard, config_.max_buffered_bytes / shards, cache_per_shard));
  }
}

TailSampler::~TailSampler() { Shutdown(); }

store::Status TailSampler::Consume(const OtlpSpans& spans) {
  const ScannedRequest& scan = spans.scan;
  Scratch& s = ThreadScratch();
  const std::uint64_t now = clock_.NowNanos();
  const std::size_t span_count = scan.spans.size();
  const auto shard_count = static_cast<std::uint32_t>(shards_.size());
  const std::uint32_t skip = shard_count;  // the bucket of spans not buffered

  // Group the spans by shard (counting sort) so each shard is locked once per request.
  s.hashes.resize(span_count);
  s.shard_of.resize(span_count);
  s.order.resize(span_count);
  s.shard_begin.assign(shard_count + 3, 0);  // +1 bucket for skipped spans, +2 for the shifted prefix sums
  for (std::size_t i = 0; i < span_count; ++i) {
    const auto& span = scan.spans[i];
    if (!config_.keep_unsampled_spans && ProducerSaidNotSampled(span.flags)) {
      ++s.tally.spans_head_unsampled;
      s.shard_of[i] = skip;
    } else {
      s.hashes[i] = HashTraceId(span.trace_id);
      s.shard_of[i] = static_cast<std::uint32_t>((s.hashes[i] >> 40) % shard_count);
    }
    ++s.shard_begin[s.shard_of[i] + 2];
  }
  for (std::size_t k = 2; k < s.shard_begin.size(); ++k) s.shard_begin[k] += s.shard_begin[k - 1];
  for (std::size_t i = 0; i < span_count; ++i) s.order[s.shard_begin[s.shard_of[i] + 1]++] = static_cast<std::uint32_t>(i);

  for (std::uint32_t k = 0; k < shard_count; ++k) {
    const std::uint32_t begin = k == 0 ? 0 : s.shard_begin[k], end = s.shard_begin[k + 1];
    if (begin == end) continue;
    Shard& shard = *shards_[k];
    std::lock_guard lock(shard.mutex);
    s.scope_origin.assign(scan.scopes.size(), kNone);
    s.scope_origin_generation = shard.arena.origin_generation();
    for (std::uint32_t position = begin; position < end; ++position) {
      const std::uint32_t index = s.order[position];
      IngestLocked(shard, scan, index, s.hashes[index], now, s);
    }
    PublishLocked(shard);
  }

  const std::size_t late_kept = s.late_writer.span_count();
  if (late_kept > 0) s.late_writer.Finish(&s.output);
  // A request of late spans only gets downstream's answer, so its sender retries it: not kept here too.
  const store::Status status = Forward(s, /*keep_for_retry=*/late_kept != span_count);
  metrics_->Add(s.tally);
  s.tally = Tally{};
  if (!status.ok() && late_kept == span_count) return status;
  return store::Status::Ok();
}

void TailSampler::IngestLocked(Shard& shard, const ScannedRequest& scan, std::size_t index, std::uint64_t hash,
                               std::uint64_t now, Scratch& s) {
  const auto& span = scan.spans[index];
  if (span.encoded.size() > shard.arena.max_span_bytes()) {
    ++s.tally.spans_oversized;
    return;
  }
  // Each pass either stores the span or frees room (which may decide this very trace: the span then
  // follows that decision like any late span).
  for (;;) {
    const auto cached = shard.decisions.Find(span.trace_id, hash);
    if (cached != DecisionCache::Cached::kUnknown) {
      if (cached == DecisionCache::Cached::kKept) {
        s.late_writer.Add(scan, index);
        ++s.tally.late_kept;
      } else {
        ++s.tally.late_not_kept;
      }
      return;
    }
    std::uint32_t slot = shard.table.Find(span.trace_id, hash);
    if (slot == kNone) {
      if (shard.table.full()) {
        EvictOldestLocked(shard, /*for_bytes=*/false, now, s);
        continue;
      }
      slot = shard.table.Insert(span.trace_id, hash);
    }
    if (s.scope_origin_generation != shard.arena.origin_generation()) {
      std::fill(s.scope_origin.begin(), s.scope_origin.end(), kNone);
      s.scope_origin_generation = shard.arena.origin_generation();
    }
    std::uint32_t origin = s.scope_origin[span.scope];
    RecordRef record;
    bool stored = false;
    if (origin == kNone) {
      const auto& scope = scan.scopes[span.scope];
      origin = shard.arena.Intern(scan.resources[scope.resource], scope);
      if (s.scope_origin_generation != shard.arena.origin_generation()) {
        std::fill(s.scope_origin.begin(), s.scope_origin.end(), kNone);
        s.scope_origin_generation = shard.arena.origin_generation();
      }
      s.scope_origin[span.scope] = origin;
    }
    if (origin != kNone) stored = shard.arena.Append(span.encoded, origin, &record);
    if (!stored) {
      // Out of bytes. Free the oldest trace, unless the only one left is this new, still empty trace.
      if (shard.table[slot].summary.span_count == 0 && shard.table.oldest() == slot) {
        shard.table.Erase(slot);
        ++s.tally.spans_no_room;
        return;
      }
      EvictOldestLocked(shard, /*for_bytes=*/true, now, s);
      continue;
    }
    TraceSlot& trace = shard.table[slot];
    if (trace.tail.valid()) shard.arena.SetNext(trace.tail, record);
    else trace.head = record;
    trace.tail = record;
    const PolicySet& policies = *policies_;
    const std::uint32_t trace_state_bits =
        span.trace_state.empty() || !policies.has_trace_state_policies() ? 0 : policies.MatchTraceState(span.trace_state);
    trace.summary.Add(span.start_unix_nanos, span.end_unix_nanos, span.status_code, !span.parent_span_id.IsValid(), now,
                      trace_state_bits);
    shard.table.Touch(slot);
    ++shard.buffered_spans;
    return;
  }
}

bool TailSampler::EvictOldestLocked(Shard& shard, bool for_bytes, std::uint64_t now, Scratch& s) {
  const std::uint32_t slot = shard.table.oldest();
  if (slot == kNone) return false;
  if (config_.when_full == WhenFull::kDecideEarly) {
    ++(for_bytes ? s.tally.early_bytes_limit : s.tally.early_traces_limit);
    DecideLocked(shard, slot, now, s);
  } else {
    ++(for_bytes ? s.tally.dropped_bytes_limit : s.tally.dropped_traces_limit);
    DropLocked(shard, slot, s);
  }
  FlushDecidedLocked(shard, s);
  return true;
}

void TailSampler::DecideLocked(Shard& shard, std::uint32_t slot, std::uint64_t now, Scratch& s) {
  const TraceSlot& trace = shard.table[slot];
  const bool keep = policies_->Decide(SlotView(shard.arena, trace, now));
  if (shard.decisions.Insert(trace.id, trace.hash, keep)) ++s.tally.cache_evictions;
  metrics_->decision_latency.Observe(static_cast<double>(now - std::min(now, trace.summary.first_arrival)) / 1e9);
  if (keep) {
    ++s.tally.traces_kept;
    for (RecordRef record = trace.head; record.valid(); record = shard.arena.Next(record)) {
      const std::uint32_t origin = shard.arena.OriginOf(record);
      s.writer.Add(shard.arena.ResourceOf(origin), shard.arena.ScopeOf(origin), shard.arena.Bytes(record));
    }
  } else {
    ++s.tally.traces_not_kept;
    s.tally.spans_not_sampled += trace.summary.span_count;
  }
  s.decided.push_back({trace.head, trace.summary.span_count});
  shard.table.Erase(slot);
}

void TailSampler::DropLocked(Shard& shard, std::uint32_t slot, Scratch& s) {
  const TraceSlot& trace = shard.table[slot];
  // Remembered as not kept, so its late spans do not start a fragment of the trace.
  if (shard.decisions.Insert(trace.id, trace.hash, false)) ++s.tally.cache_evictions;
  s.tally.spans_evicted += trace.summary.span_count;
  s.decided.push_back({trace.head, trace.summary.span_count});
  shard.table.Erase(slot);
}

void TailSampler::FlushDecidedLocked(Shard& shard, Scratch& s) {
  if (s.writer.span_count() > 0) s.writer.Finish(&s.output);  // copies the bytes before their chunks are reused
  for (const DecidedTrace& decided : s.decided) {
    RecordRef record = decided.head;
    while (record.valid()) {
      const RecordRef next = shard.arena.Next(record);
      shard.arena.Release(record);
      record = next;
    }
    shard.buffered_spans -= decided.span_count;
  }
  s.decided.clear();
}

void TailSampler::PublishLocked(Shard& shard) {
  const auto publish = [](metrics::Gauge& gauge, double& published, double value) {
    if (value != published) gauge.Add(value - published);
    published = value;
  };
  publish(metrics_->buffered_traces, shard.published_traces, static_cast<double>(shard.table.size()));
  publish(metrics_->buffered_spans, shard.published_spans, static_cast<double>(shard.buffered_spans));
  publish(metrics_->buffered_bytes, shard.published_bytes, static_cast<double>(shard.arena.memory_bytes()));
}

store::Status TailSampler::Send(std::string_view request, ScannedRequest& scan) {
  otlp::DecodeReport report;
  std::string error;
  const store::Status status =
      otlp::wire::Scan(request, {}, &scan, &report, &error)
          ? downstream_.Consume(OtlpSpans{request, scan, /*request_is_exact=*/true})
          : store::Status::Error(store::Status::Code::kCorruption, "tail sampler built an invalid request: " + error);
  if (status.ok()) metrics_->spans_forwarded.Increment(scan.spans.size());
  else metrics_->downstream_errors.Increment();
  return status;
}

store::Status TailSampler::Forward(Scratch& s, bool keep_for_retry) {
  if (s.output.empty()) return store::Status::Ok();
  const store::Status status = Send(s.output, s.output_scan);
  if (!status.ok() && !(keep_for_retry && Retryable(status.code()) && HoldForRetry(s.output))) {
    metrics_->dropped_downstream.Increment(s.output_scan.spans.size());
  }
  s.output.clear();
  return status;
}

bool TailSampler::HoldForRetry(std::string_view request) {
  std::lock_guard lock(retry_mutex_);
  if (retry_.size() + request.size() > config_.max_retry_bytes) return false;
  retry_.append(request);
  metrics_->retry_bytes.Set(static_cast<double>(retry_.size()));
  return true;
}

void TailSampler::RetryRefused(bool last_try) {
  std::lock_guard lock(retry_mutex_);
  if (retry_.empty()) return;
  const store::Status status = Send(retry_, retry_scan_);
  if (!status.ok()) {
    if (Retryable(status.code()) && !last_try) return;  // next tick
    metrics_->dropped_downstream.Increment(retry_scan_.spans.size());
  }
  retry_.clear();
  metrics_->retry_bytes.Set(0);
}

void TailSampler::DecideShard(Shard& shard, Due due, std::uint64_t now, Scratch& s) {
  const auto wait = static_cast<std::uint64_t>(config_.decision_wait.count());
  const auto idle = static_cast<std::uint64_t>(config_.idle_after_root.count());
  const bool drop_all = due == Due::kAll && config_.drop_pending_traces_on_shutdown;
  bool more = true;
  while (more) {
    {
      std::lock_guard lock(shard.mutex);
      const auto take = [&](std::uint32_t slot) {
        if (drop_all) DropLocked(shard, slot, s);
        else DecideLocked(shard, slot, now, s);
      };
      std::uint32_t slot;
      while (s.decided.size() < kDecisionBatch && (slot = shard.table.oldest()) != kNone &&
             (due == Due::kAll || shard.table[slot].summary.first_arrival + wait <= now)) {
        take(slot);
      }
      while (s.decided.size() < kDecisionBatch && (slot = shard.table.idle_oldest()) != kNone &&
             shard.table[slot].summary.last_arrival + idle <= now) {
        take(slot);
      }
      more = s.decided.size() == kDecisionBatch;
      FlushDecidedLocked(shard, s);
      PublishLocked(shard);
    }
    if (s.output.size() >= kForwardBytes) Forward(s);
  }
  metrics_->Add(s.tally);
  s.tally = Tally{};
}

void TailSampler::DecideDue() {
  RetryRefused(/*last_try=*/false);
  Scratch& s = ThreadScratch();
  const std::uint64_t now = clock_.NowNanos();
  for (auto& shard : shards_) DecideShard(*shard, Due::kWaitOrIdle, now, s);
  Forward(s);
}

void TailSampler::Start() {
  std::lock_guard lock(ticker_mutex_);
  if (ticker_.joinable() || shut_down_) return;
  ticker_ = std::thread([this] { RunTicker(); });
}

void TailSampler::RunTicker() {
  std::unique_lock lock(ticker_mutex_);
  while (!stopping_) {
    ticker_wake_.wait_for(lock, config_.tick, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    DecideDue();
    lock.lock();
  }
}

void TailSampler::Shutdown() {
  {
    std::lock_guard lock(ticker_mutex_);
    if (shut_down_) return;
    shut_down_ = true;
    stopping_ = true;
  }
  ticker_wake_.notify_all();
  if (ticker_.joinable()) ticker_.join();
  Scratch& s = ThreadScratch();
  const std::uint64_t now = clock_.NowNanos();
  for (auto& shard : shards_) DecideShard(*shard, Due::kAll, now, s);
  Forward(s);
  RetryRefused(/*last_try=*/true);  // what is still refused is dropped and counted
}

TailSamplerStats TailSampler::Stats() const {
  TailSamplerStats stats;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    stats.buffered_traces += shard->table.size();
    stats.buffered_spans += shard->buffered_spans;
    stats.buffered_span_bytes += shard->arena.live_span_bytes();
    stats.memory_bytes += shard->arena.memory_bytes();
  }
  const std::size_t shards = shards_.size();
  stats.fixed_bytes = shards * (((config_.num_traces + shards - 1) / shards) * (sizeof(TraceSlot) + 2 * sizeof(std::uint32_t) * 2) +
                                ((config_.decision_cache_size + shards - 1) / shards) * (sizeof(model::TraceId) + 1));
  return stats;
}

}  // namespace hoptrace::collector::sampling
