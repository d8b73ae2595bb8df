#pragma once
// Tail-based sampling: spans are buffered per trace (their encoded OTLP bytes copied into the
// sampler's own chunks) until the trace is decided, decision_wait after its first span or sooner
// once its root has arrived and the trace went idle; kept traces go downstream as OTLP requests.
// See collector/sampling/README.md for the policies, the memory model and the metrics.

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "hoptrace/collector/sampling/clock.h"
#include "hoptrace/collector/span_sink.h"
#include "hoptrace/collector/sampling/config.h"
#include "hoptrace/metrics/registry.h"
#include "hoptrace/otlp/wire.h"
#include "hoptrace/store/store.h"

namespace hoptrace::collector::sampling {

class PolicySet;  // src/policy.h

struct TailSamplerStats {
  std::size_t buffered_traces = 0;
  std::size_t buffered_spans = 0;
  std::size_t buffered_span_bytes = 0;  // encoded OTLP bytes of the buffered spans
  std::size_t memory_bytes = 0;         // chunks and interned origins: never above max_buffered_bytes
  std::size_t fixed_bytes = 0;          // trace slots and decision cache, allocated at construction
};

// A SpanSink between the receivers and `downstream` (the store's sink in `hoptrace serve`), which
// gets kept traces as exact OTLP requests (request_is_exact = true).
class TailSampler final : public SpanSink {
 public:
  // `config` as ParseTailSamplingConfig returns it; throws std::invalid_argument on settings it
  // would refuse. `downstream`, `registry` and `clock` must outlive the sampler.
  TailSampler(const TailSamplingConfig& config, SpanSink& downstream, metrics::Registry& registry,
              const Clock& clock);
  ~TailSampler();  // Shutdown()
  TailSampler(const TailSampler&) = delete;
  TailSampler& operator=(const TailSampler&) = delete;

  // Takes the spans of one scanned request (thread-safe; receivers call it from many threads). Spans
  // of undecided traces are buffered (Ok); late spans of kept traces go downstream at once. Returns
  // downstream's error only when every span of the request was such a late span (a retry then
  // duplicates nothing); otherwise refused kept spans are retried every tick (max_retry_bytes).
  store::Status Consume(const OtlpSpans& spans) override;

  // Decides every trace whose time has come and sends the kept ones downstream. The ticker calls
  // it every config.tick; tests call it after advancing a ManualClock.
  void DecideDue();
  // Starts the ticker thread (production). Without it the caller drives DecideDue.
  void Start();
  // Stops the ticker, then decides every buffered trace (or drops them with
  // drop_pending_traces_on_shutdown). Idempotent.
  void Shutdown();

  TailSamplerStats Stats() const;

 private:
  struct Shard;
  struct Scratch;
  struct Metrics;
  class SlotView;
  enum class Due { kWaitOrIdle, kAll };
  static Scratch& ThreadScratch();

  void IngestLocked(Shard& shard, const otlp::wire::ScannedRequest& scan, std::size_t index, std::uint64_t hash,
                    std::uint64_t now, Scratch& scratch);
  // Makes room by deciding early (or dropping) the shard's oldest trace; false when nothing is left.
  bool EvictOldestLocked(Shard& shard, bool for_bytes, std::uint64_t now, Scratch& scratch);
  void DecideLocked(Shard& shard, std::uint32_t slot, std::uint64_t now, Scratch& scratch);
  void DropLocked(Shard& shard, std::uint32_t slot, Scratch& scratch);
  // Writes the kept traces decided so far into scratch.output and frees every decided trace.
  void FlushDecidedLocked(Shard& shard, Scratch& scratch);
  void FreeTraceLocked(Shard& shard, std::uint32_t slot);
  void PublishLocked(Shard& shard);
  void DecideShard(Shard& shard, Due due, std::uint64_t now, Scratch& scratch);
  // Scans `request` into `scan` and hands both downstream; counts forwarded spans or the error.
  store::Status Send(std::string_view request, otlp::wire::ScannedRequest& scan);
  // Sends scratch.output downstream; a refusal worth retrying is kept for RetryRefused if allowed.
  store::Status Forward(Scratch& scratch, bool keep_for_retry = true);
  bool HoldForRetry(std::string_view request);
  // Sends the held requests again; on the last try (shutdown) what is still refused is dropped.
  void RetryRefused(bool last_try);
  void RunTicker();

  TailSamplingConfig config_;
  SpanSink& downstream_;
  const Clock& clock_;
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<PolicySet> policies_;
  std::vector<std::unique_ptr<Shard>> shards_;

  std::mutex retry_mutex_;
  std::string retry_;  // requests of kept spans downstream refused, concatenated (still one valid request)
  otlp::wire::ScannedRequest retry_scan_;

  std::mutex ticker_mutex_;
  std::condition_variable ticker_wake_;
  bool stopping_ = false;
  bool shut_down_ = false;
  std::thread ticker_;
};

// The head-sampling rule: OTLP's Span.flags is 0 when the producer did not fill it in (older
// SDKs), so only non-zero flags with the sampled bit (0x01) clear mean "the producer did not sample".
inline bool ProducerSaidNotSampled(std::uint32_t flags) { return flags != 0 && (flags & 0x01u) == 0; }

}  // namespace hoptrace::collector::sampling
