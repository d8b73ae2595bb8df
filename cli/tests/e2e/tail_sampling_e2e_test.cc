// Issue #4's end-to-end acceptance check, through real processes: `hoptrace serve` with a config file
// whose `tail_sampling:` section holds probabilistic 5 % + latency 1 s + status_code ERROR, fed mixed
// load over OTLP/HTTP on loopback (1 % error traces, 2 % slow ones, the rest fast; each trace's six
// spans in three requests 150 ms apart, the root last). Read back through the query API, every error
// and slow trace is stored whole and the fast ones at 5 % (within a binomial bound), each kept one
// whole. The load is over ten times the sampler's max_buffered_bytes; /metrics, read during and after
// it, shows the buffer never above its limit and the early decisions that kept it there.

#include <gtest/gtest.h>

#include <atomic>
#include <charconv>
#include <cmath>
#include <iostream>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "child_process.h"
#include "hoptrace/otlp/proto_convert.h"
#include "serve_process.h"
#include "test_client.h"
#include "trace_checks.h"

namespace hoptrace::cli::e2e {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// The load. Each round sends three requests: the first children of wave r, the other children of
// wave r-1 and the roots of wave r-2, so the spans of a trace arrive in three requests one round
// apart and only ~3 rounds of bytes arrive between a trace's first and last span, however the
// machine's load stretches the rounds.
constexpr std::size_t kTraces = 2000;
constexpr std::size_t kTracesPerWave = 20;
constexpr std::size_t kWaves = kTraces / kTracesPerWave;
constexpr std::size_t kParts = 3;
constexpr auto kRoundInterval = 150ms;
constexpr std::size_t kSpansPerTrace = 6;  // part 0: children 1-2; part 1: children 3-5; part 2: the root
constexpr std::size_t kPayloadBytes = 2000;  // per span: ~12.6 KB a trace, ~25 MB in all

// The sampler. 2 MiB buffer: a round is ~250 KB, so a trace's own arrival window (~3 rounds) fits
// with room to spare, while the 20 rounds of a decision_wait (~5 MB) do not: complete traces waiting
// out decision_wait are decided early (the oldest first), which is what the buffer limit is for.
// decision_wait 3 s leaves a trace's parts (300 ms apart end to end) a wide margin on a loaded machine.
constexpr std::size_t kMaxBufferedBytes = 2u << 20;
constexpr double kBufferLimit = static_cast<double>(kMaxBufferedBytes);
constexpr double kSamplingPercentage = 5;
const std::string kSamplerConfig = R"(fsync: interval
tail_sampling:
  decision_wait: 3s
  num_traces: 5000
  shards: 2
  max_buffered_bytes: )" + std::to_string(kMaxBufferedBytes) + R"(
  policies:
    - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}
    - {name: slow, type: latency, latency: {threshold_ms: 1000}}
    - {name: baseline, type: probabilistic, probabilistic: {sampling_percentage: 5}}
)";

enum class Kind { kFast, kError, kSlow };

Kind KindOf(std::size_t trace) {  // 1 % error, 2 % slow
  if (trace % 100 == 7) return Kind::kError;
  if (trace % 50 == 3) return Kind::kSlow;
  return Kind::kFast;
}

struct SentTraceIds {
  model::TraceId trace_id;
  std::set<std::string> span_ids;  // hex
  Kind kind = Kind::kFast;
};

// The spans of one trace, by part. Slow: the root lasts 1.5 s by its timestamps (fast: 50 ms). Error:
// child 4 (part 1) has status ERROR.
std::vector<std::vector<model::Span>> MakeTraceParts(std::mt19937_64& random, Kind kind, SentTraceIds* sent) {
  const auto now = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  const std::string payload(kPayloadBytes, 'x');
  sent->trace_id = model::TraceId::FromHighLow(random(), random() | 1);
  sent->kind = kind;
  std::vector<std::vector<model::Span>> parts(kParts);
  model::SpanId root_id = model::SpanId::FromHighLow(0, random() | 1);
  for (std::size_t i = 0; i < kSpansPerTrace; ++i) {
    model::Span span;
    span.trace_id = sent->trace_id;
    span.span_id = i == 0 ? root_id : model::SpanId::FromHighLow(0, random() | 1);
    span.flags = model::kTraceFlagSampled;
    span.name = i == 0 ? "GET /checkout" : "step " + std::to_string(i);
    span.kind = i == 0 ? model::SpanKind::kServer : model::SpanKind::kInternal;
    span.start_time_unix_nano = now + i * 1'000'000;
    span.end_time_unix_nano = i == 0 ? now + (kind == Kind::kSlow ? 1'500'000'000 : 50'000'000) : now + 40'000'000;
    if (i > 0) span.parent_span_id = root_id;
    if (i == 4 && kind == Kind::kError) span.status.code = model::StatusCode::kError;
    model::SetAttribute(span.attributes, "payload", std::string_view(payload));
    sent->span_ids.insert(span.span_id.ToHex());
    parts[i == 0 ? 2 : i <= 2 ? 0 : 1].push_back(std::move(span));
  }
  return parts;
}

std::string OtlpRequest(std::vector<model::Span> spans) {
  model::TraceBatch batch;
  auto& resource = batch.resource_spans.emplace_back();
  model::SetAttribute(resource.resource.attributes, model::kServiceNameKey, std::string_view("tail-sampling-e2e"));
  auto& scope = resource.scope_spans.emplace_back();
  scope.scope.name = "tail_sampling_e2e_test";
  scope.spans = std::move(spans);
  return otlp::SerializeExportRequest(batch);
}

// The sum of a metric's samples (every label set) in Prometheus text; nullopt when it has none.
std::optional<double> MetricSum(std::string_view text, std::string_view name) {
  std::optional<double> sum;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(at, end - at);
    at = end + 1;
    if (!line.starts_with(name) || line.size() <= name.size() || (line[name.size()] != ' ' && line[name.size()] != '{')) {
      continue;
    }
    const std::string_view number = line.substr(line.rfind(' ') + 1);
    double value = 0;
    if (std::from_chars(number.data(), number.data() + number.size(), value).ec != std::errc()) continue;
    sum = sum.value_or(0) + value;
  }
  return sum;
}

// /metrics of the server, or empty when it did not answer.
std::string FetchMetrics(std::uint16_t query_port) {
  const auto answer = http::testing::Fetch(query_port, "GET", "/metrics");
  return answer && answer->status == 200 ? answer->body : std::string();
}

// Reads /metrics every 100 ms while the load runs: the buffer's memory, sampled.
class BufferWatcher {
 public:
  explicit BufferWatcher(std::uint16_t query_port)
      : thread_([this, query_port] {
          const auto deadline = Clock::now() + 90s;  // bounded even if nobody stops it
          while (!stop_.load() && Clock::now() < deadline) {
            if (const auto bytes = MetricSum(FetchMetrics(query_port), "hoptrace_tail_sampling_buffered_bytes")) {
              ++samples_;
              peak_bytes_ = std::max(peak_bytes_.load(), *bytes);
            }
            std::this_thread::sleep_for(100ms);
          }
        }) {}
  ~BufferWatcher() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::size_t samples() const { return samples_.load(); }
  double peak_bytes() const { return peak_bytes_.load(); }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> samples_{0};
  std::atomic<double> peak_bytes_{0};
  std::thread thread_;
};

struct Stored {
  std::size_t whole = 0;    // every sent span, nothing else
  std::size_t missing = 0;  // not stored at all
  std::vector<std::string> broken;  // partly stored, or an unexpected answer
};

void CheckStored(http::testing::TestConnection& query, const SentTraceIds& sent, Stored* stored) {
  const auto answer = query.Send("GET", "/api/v2/traces/" + sent.trace_id.ToHex());
  if (answer && answer->status == 404) {
    ++stored->missing;
    return;
  }
  const auto ids = answer && answer->status == 200 ? OtlpSpanIds(answer->body) : std::nullopt;
  if (ids && std::set<std::string>(ids->begin(), ids->end()) == sent.span_ids && ids->size() == kSpansPerTrace) {
    ++stored->whole;
    return;
  }
  stored->broken.push_back(sent.trace_id.ToHex() + ": " +
                           (!answer ? "no answer"
                            : ids   ? std::to_string(ids->size()) + " of " + std::to_string(kSpansPerTrace) + " spans"
                                    : std::to_string(answer->status) + " " + answer->body.substr(0, 200)));
}

TEST(TailSamplingE2eTest, ErrorAndSlowTracesWholeTheRestAtFivePercentWithinTheBufferLimit) {
  const auto test_started = Clock::now();
  TempDir temp;
  ServeProcess serve(temp.path() / "data", {"--config", WriteServeConfig(temp.path(), kSamplerConfig).string()});
  std::string error;
  ASSERT_TRUE(serve.Start(&error)) << error;
  ASSERT_NE(serve.Output().find("tail sampling on: policies errors, slow, baseline"), std::string::npos)
      << serve.Output();

  const std::uint64_t seed = std::random_device{}();
  std::cout << "tail sampling e2e: trace IDs from seed " << seed << std::endl;
  std::mt19937_64 random(seed);
  std::vector<SentTraceIds> sent(kTraces);
  std::vector<std::vector<std::vector<model::Span>>> waiting(kTraces);  // trace → parts not sent yet
  std::size_t fed_bytes = 0;
  {
    BufferWatcher watcher(serve.ports().query);
    http::testing::TestConnection ingest(serve.ports().otlp_http, 20s);
    const auto load_started = Clock::now();
    for (std::size_t round = 0; round < kWaves + kParts - 1; ++round) {
      std::this_thread::sleep_until(load_started + round * kRoundInterval);  // no sleep when behind
      for (std::size_t part = 0; part < kParts; ++part) {
        if (round < part || round - part >= kWaves) continue;
        const std::size_t wave = round - part;
        std::vector<model::Span> spans;
        for (std::size_t trace = wave * kTracesPerWave; trace < (wave + 1) * kTracesPerWave; ++trace) {
          if (part == 0) waiting[trace] = MakeTraceParts(random, KindOf(trace), &sent[trace]);
          for (auto& span : waiting[trace][part]) spans.push_back(std::move(span));
        }
        const std::string body = OtlpRequest(std::move(spans));
        fed_bytes += body.size();
        const auto answer = ingest.Send("POST", "/v1/traces", body, {{"Content-Type", "application/x-protobuf"}});
        ASSERT_TRUE(answer && answer->status == 200)
            << "round " << round << " part " << part << ": " << (answer ? answer->body : "no answer") << "\n"
            << serve.Output();
      }
    }
    const auto load_took = Clock::now() - load_started;
    // Everything is decided decision_wait (3 s) after its first span; allow a loaded machine more.
    std::string metrics;
    const bool drained = PollUntil(
        [&] {
          metrics = FetchMetrics(serve.ports().query);
          return MetricSum(metrics, "hoptrace_tail_sampling_buffered_traces") == 0.0;
        },
        20s, 100ms);
    watcher.Stop();
    std::cout << "tail sampling e2e: " << kTraces << " traces, " << fed_bytes << " bytes in "
              << std::chrono::duration_cast<std::chrono::milliseconds>(load_took).count()
              << " ms; buffer peak " << watcher.peak_bytes() << " of " << kMaxBufferedBytes << " bytes over "
              << watcher.samples() << " samples" << std::endl;
    ASSERT_TRUE(drained) << "traces still buffered 20 s after the load\n" << metrics;

    EXPECT_GE(fed_bytes, 10 * kMaxBufferedBytes);
    EXPECT_GE(watcher.samples(), 10u) << "/metrics was not read during the load";
    EXPECT_GT(watcher.peak_bytes(), 0) << "nothing was ever buffered";
    EXPECT_LE(watcher.peak_bytes(), kBufferLimit);
    EXPECT_LE(MetricSum(metrics, "hoptrace_tail_sampling_buffered_bytes").value_or(-1), kBufferLimit);
    const double early = MetricSum(metrics, "hoptrace_tail_sampling_early_decisions_total").value_or(0) +
                         MetricSum(metrics, "hoptrace_tail_sampling_dropped_traces_total").value_or(0);
    EXPECT_GT(early, 0) << "fed ten times its buffer, the sampler never had to decide early:\n" << metrics;
    std::cout << "tail sampling e2e: " << early << " traces decided early, "
              << MetricSum(metrics, "hoptrace_tail_sampling_late_spans_total").value_or(0) << " late spans, "
              << MetricSum(metrics, "hoptrace_tail_sampling_traces_total").value_or(0) << " traces decided"
              << std::endl;
  }

  http::testing::TestConnection query(serve.ports().query, 20s);
  Stored errors_and_slow, fast;
  for (const SentTraceIds& trace : sent) CheckStored(query, trace, trace.kind == Kind::kFast ? &fast : &errors_and_slow);
  const std::size_t fast_sent = fast.whole + fast.missing + fast.broken.size();
  std::cout << "tail sampling e2e: error and slow traces " << errors_and_slow.whole << " whole, "
            << errors_and_slow.missing << " missing, " << errors_and_slow.broken.size() << " broken; fast "
            << fast.whole << " of " << fast_sent << " kept, " << fast.broken.size() << " broken" << std::endl;

  EXPECT_EQ(errors_and_slow.whole, 60u);  // 20 error + 40 slow
  EXPECT_TRUE(errors_and_slow.broken.empty()) << errors_and_slow.broken.front();
  EXPECT_TRUE(fast.broken.empty()) << fast.broken.front();
  // Fast traces kept: Binomial(n = 1940, p = 0.05) with random trace IDs: mean 97, standard deviation
  // sqrt(1940 * 0.05 * 0.95) = 9.6. +-5 sigma ([49, 145]) fails a correct sampler about once in
  // 1.7 million runs, and fails one that keeps under 2.5 % or over 7.5 %.
  const double mean = static_cast<double>(fast_sent) * kSamplingPercentage / 100;
  const double sigma = std::sqrt(mean * (1 - kSamplingPercentage / 100));
  EXPECT_NEAR(static_cast<double>(fast.whole), mean, 5 * sigma);

  const std::string metrics = FetchMetrics(serve.ports().query);
  EXPECT_EQ(MetricSum(metrics, "hoptrace_tail_sampling_spans_forwarded_total").value_or(0),
            static_cast<double>((errors_and_slow.whole + fast.whole) * kSpansPerTrace))
      << "the sampler forwarded spans the store does not have, or the reverse";
  const auto status = serve.Terminate();
  EXPECT_TRUE(status && status->Succeeded()) << (status ? status->Describe() : "did not stop") << "\n"
                                             << serve.Output();
  std::cout << "tail sampling e2e: took "
            << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - test_started).count() << " ms"
            << std::endl;
}

// An invalid section stops serve before it listens: exit code 2, the file, the line and the problem.
TEST(TailSamplingE2eTest, InvalidSectionIsOneErrorWithItsLineAndExitCode2) {
  TempDir temp;
  const auto config = WriteServeConfig(temp.path(), R"(fsync: interval
tail_sampling:
  decision_wait: 2s
  policies:
    - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}
    - {name: half, type: coin_flip}
)");
  auto argv = ServeCommand(temp.path() / "data");
  argv.insert(argv.end(), {"--config", config.string()});
  const RunResult run = RunToCompletion(argv, temp.path(), kServeStartTimeout);
  ASSERT_FALSE(run.timed_out) << "serve kept running with an invalid tail_sampling section\n" << run.out << run.err;
  EXPECT_EQ(run.status.code, 2) << run.status.Describe() << "\n" << run.err;
  EXPECT_NE(run.err.find(config.string() + ": tail_sampling: line 6: "), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("coin_flip"), std::string::npos) << run.err;
  EXPECT_EQ(run.out.find("receiver on"), std::string::npos) << "it started listening:\n" << run.out;
}

}  // namespace
}  // namespace hoptrace::cli::e2e
