// The backend benchmarks of issue #3, against a real `hoptrace serve` process on loopback pinned to
// one core (taskset -c 1) while this load generator runs on the other:
//   ingest   spans/s over OTLP/HTTP protobuf and OTLP/gRPC, fsync always and interval, the server's
//            peak RSS; then bytes/span on disk once the head is cut and compacted, next to OTLP
//            protobuf and OTLP JSON through gzip -6;
//   query    fill the store with --query-spans spans (bounded by --fill-seconds; what ingest does not
//            reach in time is written with the store API directly, and the output says so), then
//            trace-by-ID and search latency through the query API.
// Every figure is one labelled line starting with [ingest], [size] or [query].
//
// Each ingest run first prints [machine]: how fast the server's core is just then, by a fixed piece of
// work (cpu_reference.h), so that runs at different moments on the shared machine can be compared.
//
// Each ingest run also prints [work]: the server's CPU per million spans by phase (the store's own
// cut and compaction CPU counters) while sending and until every cut and merge is done, and how many
// times compaction rewrote the spans.
//
//   backend_loadgen [--hoptrace PATH] [--phases ingest,query] [--ingest-spans N] [--warmup-spans N]
//                   [--runs LIST] [--query-spans N]
//                   [--connections N] [--fill-seconds S] [--work-dir DIR] [--keep]

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <random>
#include <sstream>
#include <thread>

#include "cpu_reference.h"
#include "encoded_size.h"
#include "hoptrace/store/embedded_store.h"
#include "query_latency.h"
#include "senders.h"
#include "server_process.h"
#include "store_state.h"
#include "workload.h"

namespace hoptrace::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Config {
  std::string hoptrace = HOPTRACE_BINARY;
  std::string phases = "ingest,query";
  std::string runs = "all";  // or some of http-always,grpc-always,http-interval,grpc-interval
  std::size_t ingest_spans = 1 << 20;
  // Other spans sent first, untimed, and settled: the timed run then meets a server past its first
  // fill (head memory mapped once, pooled since), as a long-running one is.
  std::size_t warmup_spans = 0;
  std::size_t query_spans = 1'000'000;
  std::size_t size_compare_spans = 1 << 18;
  std::size_t burst_spans = 1 << 18;  // timed separately: the head is far below its cut limits then
  std::uint64_t query_compaction_target_mib = 64;
  int connections = 8;
  int fill_seconds = 180;
  std::string fill_fsync = "interval";
  int server_cpu = 1;
  int client_cpu = 0;
  double max_server_rss_gib = 8;  // the machine is shared: a server past this is stopped
  std::string work_dir;
  bool keep = false;
};

constexpr std::uint64_t kGiB = 1ull << 30;
constexpr std::uint64_t kMiB = 1ull << 20;
constexpr std::uint64_t kHourNanos = 3'600'000'000'000ULL;

std::uint64_t NowUnixNano() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

double SecondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// 1234567 → "1,234,567".
std::string Grouped(double value) {
  std::string digits = std::to_string(static_cast<std::uint64_t>(value + 0.5));
  for (int at = static_cast<int>(digits.size()) - 3; at > 0; at -= 3) digits.insert(static_cast<std::size_t>(at), ",");
  return digits;
}

std::string Fixed(double value, int decimals = 1) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

std::string MiB(std::uint64_t bytes) { return Grouped(static_cast<double>(bytes) / kMiB) + " MiB"; }

// Stops the server when its resident set passes a limit (checked twice a second while alive).
class RssGuard {
 public:
  RssGuard(ServerProcess& server, std::uint64_t limit)
      : thread_([this, &server, limit] {
          while (!done_.load()) {
            if (server.RssBytes() > limit) {
              tripped_ = true;
              server.Kill();
              return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(500));
          }
        }) {}
  ~RssGuard() {
    done_ = true;
    thread_.join();
  }
  bool tripped() const { return tripped_.load(); }

 private:
  std::atomic<bool> done_{false};
  std::atomic<bool> tripped_{false};
  std::thread thread_;
};

// The server's CPU time and the store's own counters of its background work, at one moment.
struct ServerWork {
  double cpu_seconds = 0;
  double cut_seconds = 0;
  double compaction_seconds = 0;
  double spans_rewritten = 0;  // by merges: a span counts once per merge it goes through
  double bytes_rewritten = 0;

  static ServerWork Of(const ServerProcess& server) {
    const std::string metrics = ScrapeMetrics(server);
    const auto value = [&](std::string_view name) { return MetricValue(metrics, name).value_or(0); };
    return {.cpu_seconds = server.CpuSeconds(),
            .cut_seconds = value("hoptrace_store_cut_seconds_total"),
            .compaction_seconds = value("hoptrace_store_compaction_seconds_total"),
            .spans_rewritten = value("hoptrace_store_compaction_spans_total"),
            .bytes_rewritten = value("hoptrace_store_compaction_bytes_written_total")};
  }
};

// "12.3 s (cut 4.5, compaction 1.2, the rest 6.6)" per million spans, since `start`.
std::string CpuPerMillionSpans(const ServerWork& start, const ServerWork& end, double spans) {
  const double per_million = 1e6 / spans;
  const double total = (end.cpu_seconds - start.cpu_seconds) * per_million;
  const double cut = (end.cut_seconds - start.cut_seconds) * per_million;
  const double compaction = (end.compaction_seconds - start.compaction_seconds) * per_million;
  return Fixed(total, 2) + " s (cut " + Fixed(cut, 2) + ", compaction " + Fixed(compaction, 2) +
         ", receive + WAL + head and the rest " + Fixed(total - cut - compaction, 2) + ")";
}

std::size_t SpansIn(const std::vector<SerializedBatch>& batches) {
  std::size_t spans = 0;
  for (const SerializedBatch& batch : batches) spans += batch.spans;
  return spans;
}

class BackendBench {
 public:
  explicit BackendBench(Config config) : config_(std::move(config)), data_start_(NowUnixNano() - kHourNanos) {}

  bool Ingest();
  bool Query();

 private:
  std::unique_ptr<ServerProcess> StartServer(const fs::path& data_dir, const std::string& fsync,
                                             std::vector<std::string> extra_flags = {});
  std::vector<std::string> QueryServerFlags() const {
    return {"--compaction-target-bytes", std::to_string(config_.query_compaction_target_mib * kMiB)};
  }
  bool IngestRun(Protocol protocol, const std::string& fsync, const std::vector<SerializedBatch>& batches,
                 const std::vector<SerializedBatch>& warmup, bool measure_size);
  bool WarmUp(ServerProcess& server, Protocol protocol, const std::vector<SerializedBatch>& warmup);
  void ReportWork(ServerProcess& server, const ServerWork& start, const ServerWork& sent, double spans,
                  std::string_view label);
  void ReportSize(ServerProcess& server, const fs::path& data_dir, std::size_t spans, std::string_view label);
  std::size_t FillDirectly(SpanSource& source, const fs::path& data_dir, std::size_t spans,
                           std::vector<model::TraceId>* stored_trace_ids);
  void MeasureQueries(const ServerProcess& server, std::vector<model::TraceId> trace_ids);
  fs::path FreshDataDir(std::string_view name);
  std::uint64_t RssLimit() const { return static_cast<std::uint64_t>(config_.max_server_rss_gib * kGiB); }
  WorkloadOptions Workload(std::uint64_t seed) const {
    return {.seed = seed, .start_unix_nano = data_start_, .spread_nanos = kHourNanos};
  }

  Config config_;
  const std::uint64_t data_start_;  // every span starts within the hour before the benchmark began
  int servers_started_ = 0;
};

fs::path BackendBench::FreshDataDir(std::string_view name) {
  const fs::path dir = fs::path(config_.work_dir) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::unique_ptr<ServerProcess> BackendBench::StartServer(const fs::path& data_dir, const std::string& fsync,
                                                         std::vector<std::string> extra_flags) {
  ServeOptions options{.binary = config_.hoptrace,
                       .data_dir = data_dir.string(),
                       .fsync = fsync,
                       .cpu = config_.server_cpu,
                       .log_path = (fs::path(config_.work_dir) / ("serve-" + std::to_string(++servers_started_) + ".log")).string(),
                       .extra_flags = std::move(extra_flags)};
  std::string error;
  auto server = ServerProcess::Start(options, &error);
  if (!server) std::cerr << "cannot start hoptrace serve: " << error << "\n";
  return server;
}

// "; 1,234 WAL group commits of 1,700 spans each, 1,234 fsyncs", or "" when nothing was committed.
std::string GroupCommits(const std::string& metrics, std::size_t spans) {
  const double commits = MetricValue(metrics, "hoptrace_store_wal_group_commits_total").value_or(0);
  if (commits == 0) return "";
  return "; " + Grouped(commits) + " WAL group commits of " + Grouped(static_cast<double>(spans) / commits) +
         " spans each, " + Grouped(MetricValue(metrics, "hoptrace_store_wal_fsyncs_total").value_or(0)) + " fsyncs";
}

void BackendBench::ReportSize(ServerProcess& server, const fs::path& data_dir, std::size_t spans,
                              std::string_view label) {
  const auto started = Clock::now();
  const bool settled = WaitUntilSettled(server, std::chrono::minutes(10));
  const std::string metrics = ScrapeMetrics(server);
  const std::uint64_t bytes = BlockBytesOnDisk(data_dir);
  const double wal_bytes = MetricValue(metrics, "hoptrace_store_wal_bytes_total").value_or(0);
  std::cout << "[size] " << label << ": " << Fixed(static_cast<double>(bytes) / static_cast<double>(spans))
            << " bytes/span on disk in blocks after cut and compaction (" << Grouped(static_cast<double>(spans))
            << " spans, " << Grouped(static_cast<double>(bytes)) << " bytes in "
            << Grouped(MetricValue(metrics, "hoptrace_store_blocks").value_or(0)) << " block(s); settled in "
            << Fixed(SecondsSince(started)) << " s" << (settled ? "" : ", NOT SETTLED: head not empty or still busy")
            << (wal_bytes > 0 ? "; WAL was " + Fixed(wal_bytes / static_cast<double>(spans)) + " bytes/span" : "")
            << GroupCommits(metrics, spans)
            << ") [target <= 60]\n"
            << "[size] " << label << ": server peak RSS including cut and compaction " << MiB(server.PeakRssBytes())
            << "\n";
}

// Where the server's CPU went while the spans were sent and until every cut and merge they caused
// was done (the store's own per-thread CPU counters), and how often compaction rewrote each span.
void BackendBench::ReportWork(ServerProcess& server, const ServerWork& start, const ServerWork& sent, double spans,
                              std::string_view label) {
  const auto started = Clock::now();
  const bool settled = WaitUntilSettled(server, std::chrono::minutes(10));
  const ServerWork done = ServerWork::Of(server);
  std::cout << "[work] " << label << ": server CPU per million spans while sending "
            << CpuPerMillionSpans(start, sent, spans) << "; until settled " << CpuPerMillionSpans(start, done, spans)
            << (settled ? "" : " NOT SETTLED") << " after " << Fixed(SecondsSince(started)) << " s more\n"
            << "[work] " << label << ": "
            << Grouped(spans / (done.cpu_seconds - start.cpu_seconds))
            << " spans per server CPU-second with every cut and merge done; compaction rewrote "
            << Fixed((done.spans_rewritten - start.spans_rewritten) / spans, 2) << " times the spans ("
            << Fixed((done.bytes_rewritten - start.bytes_rewritten) / spans, 1) << " bytes written per span; "
            << Fixed((sent.spans_rewritten - start.spans_rewritten) / spans, 2) << " while sending)\n";
}

std::uint16_t PortFor(const ServerProcess& server, Protocol protocol) {
  return protocol == Protocol::kGrpc ? server.otlp_grpc_port() : server.otlp_http_port();
}

bool BackendBench::WarmUp(ServerProcess& server, Protocol protocol, const std::vector<SerializedBatch>& warmup) {
  if (warmup.empty()) return true;
  PreparedFeed feed(warmup);
  const SendResult result = Send(feed, {.protocol = protocol,
                                        .port = PortFor(server, protocol),
                                        .connections = config_.connections,
                                        .deadline = Clock::now() + std::chrono::minutes(5)});
  const bool settled = WaitUntilSettled(server, std::chrono::minutes(10));
  std::cout << "[ingest] warm-up: " << Grouped(static_cast<double>(result.spans_acked)) << " other spans sent untimed"
            << (settled ? " and settled" : ", NOT SETTLED") << "; peak RSS so far " << MiB(server.PeakRssBytes()) << "\n";
  return settled && result.failed_batches == 0;
}

bool BackendBench::IngestRun(Protocol protocol, const std::string& fsync, const std::vector<SerializedBatch>& batches,
                             const std::vector<SerializedBatch>& warmup, bool measure_size) {
  std::cout << "[machine] CPU " << config_.server_cpu
            << " just before this run: zstd level 1 over the prepared requests at "
            << Grouped(ZstdReferenceMBps(batches, config_.server_cpu))
            << " MB/s (a gauge of the shared machine's phase)\n";
  const fs::path data_dir = FreshDataDir("ingest");
  auto server = StartServer(data_dir, fsync);
  if (!server) return false;
  if (!WarmUp(*server, protocol, warmup)) return false;
  PreparedFeed feed(batches);
  const ServerWork start = ServerWork::Of(*server);
  const double cpu_before = start.cpu_seconds;
  SendResult result;
  {
    RssGuard guard(*server, RssLimit());
    result = Send(feed, {.protocol = protocol,
                         .port = PortFor(*server, protocol),
                         .connections = config_.connections,
                         .deadline = Clock::now() + std::chrono::minutes(5),
                         .milestone_spans = config_.burst_spans});
    if (guard.tripped()) std::cout << "[ingest] server stopped: resident set over " << config_.max_server_rss_gib << " GiB\n";
  }
  const double server_cores = (server->CpuSeconds() - cpu_before) / result.seconds;
  const double rate = static_cast<double>(result.spans_acked) / result.seconds;
  const double burst_rate =
      result.milestone_seconds > 0 ? static_cast<double>(config_.burst_spans) / result.milestone_seconds : 0;
  std::cout << "[ingest] " << ProtocolName(protocol) << ", fsync=" << fsync << ": " << Grouped(rate)
            << " spans/s sustained (" << Grouped(static_cast<double>(result.spans_acked)) << " spans in "
            << Fixed(result.seconds, 2) << " s, head cuts included), " << Grouped(burst_rate) << " spans/s over the first "
            << Grouped(static_cast<double>(config_.burst_spans)) << " (no cut yet); " << config_.connections
            << " connections, " << result.retries << " overload retries, " << result.failed_batches << " failed batches"
            << (result.first_error.empty() ? "" : ": " + result.first_error) << "; server busy " << Fixed(server_cores, 2)
            << " cores = " << Grouped(static_cast<double>(result.spans_acked) / (server_cores * result.seconds))
            << " spans per server CPU-second; server peak RSS " << MiB(server->PeakRssBytes())
            << " [target >= 500,000 spans/s on one core, RSS <= 1 GiB]\n";
  const std::string label = std::string(ProtocolName(protocol)) + ", fsync=" + fsync;
  ReportWork(*server, start, ServerWork::Of(*server), static_cast<double>(result.spans_acked), label);
  if (measure_size) ReportSize(*server, data_dir, result.spans_acked + SpansIn(warmup), "ingest run " + label);
  return server->Stop() && result.failed_batches == 0;
}

bool BackendBench::Ingest() {
  SpanSource source(Workload(1));
  const auto started = Clock::now();
  const std::vector<SerializedBatch> batches = PrepareBatches(source, config_.ingest_spans);
  SpanSource warmup_source(Workload(2));  // other traces: a resend of the same spans would be deduplicated
  const std::vector<SerializedBatch> warmup =
      config_.warmup_spans > 0 ? PrepareBatches(warmup_source, config_.warmup_spans) : std::vector<SerializedBatch>{};
  const std::size_t spans = SpansIn(batches);
  std::size_t bytes = 0;
  for (const SerializedBatch& batch : batches) bytes += batch.bytes.size();
  std::cout << "[ingest] prepared " << Grouped(static_cast<double>(spans)) << " spans in " << batches.size()
            << " OTLP protobuf requests (" << Fixed(static_cast<double>(bytes) / static_cast<double>(spans))
            << " bytes/span) in " << Fixed(SecondsSince(started)) << " s, before any clock started\n";
  bool ok = true;
  bool size_measured = false;  // on the first run
  for (const std::string fsync : {"always", "interval"}) {
    for (const Protocol protocol : {Protocol::kHttpProtobuf, Protocol::kGrpc}) {
      const std::string run = std::string(protocol == Protocol::kGrpc ? "grpc-" : "http-") + fsync;
      if (config_.runs != "all" && config_.runs.find(run) == std::string::npos) continue;
      ok = IngestRun(protocol, fsync, batches, warmup, !size_measured) && ok;
      size_measured = true;
    }
  }
  const EncodedSizes sizes = MeasureEncodedSizes(batches, config_.size_compare_spans);
  std::cout << "[size] the same spans as OTLP protobuf: " << Fixed(sizes.protobuf) << " bytes/span raw, "
            << Fixed(sizes.protobuf_gzip) << " through gzip -6; as OTLP JSON: " << Fixed(sizes.json) << " raw, "
            << Fixed(sizes.json_gzip) << " through gzip -6 (first " << Grouped(static_cast<double>(sizes.spans))
            << " spans, requests concatenated into one gzip stream)\n";
  return ok;
}

std::size_t BackendBench::FillDirectly(SpanSource& source, const fs::path& data_dir, std::size_t spans,
                                       std::vector<model::TraceId>* stored_trace_ids) {
  store::EmbeddedStoreOptions options;
  options.data_dir = data_dir.string();
  options.fsync = store::FsyncPolicy::kNever;
  options.background = false;
  options.compaction_target_bytes = config_.query_compaction_target_mib * kMiB;
  options.log = [](std::string_view) {};
  std::unique_ptr<store::EmbeddedStore> store;
  if (const auto status = store::EmbeddedStore::Open(options, &store); !status.ok()) {
    std::cerr << "cannot open the store directly: " << status.message() << "\n";
    return 0;
  }
  std::size_t written = 0;
  while (written < spans) {
    std::vector<model::TraceId> sampled;
    const model::TraceBatch batch = source.NextBatch(&sampled);
    if (const auto status = store->Write(batch); !status.ok()) {
      std::cerr << "direct write failed: " << status.message() << "\n";
      break;
    }
    written += batch.SpanCount();
    stored_trace_ids->insert(stored_trace_ids->end(), sampled.begin(), sampled.end());
    // What the background thread would do: cut once the head reaches its span or byte limit.
    const store::EmbeddedStoreStats stats = store->stats();
    if (stats.head_spans >= options.head_max_spans || stats.head_bytes >= options.head_max_bytes) store->CutHead(true);
  }
  store->CutHead(true);
  store->Compact();
  return written;
}

bool BackendBench::Query() {
  const fs::path data_dir = FreshDataDir("query");
  SpanSource source(Workload(2));
  std::vector<model::TraceId> stored_trace_ids;
  std::size_t stored = 0;
  {
    auto server = StartServer(data_dir, config_.fill_fsync, QueryServerFlags());
    if (!server) return false;
    GeneratingFeed feed(source, config_.query_spans);
    const double cpu_before = server->CpuSeconds();
    RssGuard guard(*server, RssLimit());
    SendResult result = Send(feed, {.protocol = Protocol::kHttpProtobuf,
                                    .port = server->otlp_http_port(),
                                    .connections = config_.connections,
                                    .deadline = Clock::now() + std::chrono::seconds(config_.fill_seconds)});
    feed.Cancel();
    stored = result.spans_acked;
    stored_trace_ids = std::move(result.stored_trace_ids);
    std::cout << "[query] fill over OTLP/HTTP protobuf, fsync=" << config_.fill_fsync << ": "
              << Grouped(static_cast<double>(stored)) << " spans in " << Fixed(result.seconds) << " s = "
              << Grouped(static_cast<double>(stored) / result.seconds) << " spans/s sustained (head cuts included; "
              << "server busy " << Fixed((server->CpuSeconds() - cpu_before) / result.seconds, 2) << " cores, "
              << result.retries << " overload retries, " << result.failed_batches << " failed batches); server peak RSS "
              << MiB(server->PeakRssBytes()) << (guard.tripped() ? " (STOPPED: over the RSS limit)" : "") << "\n";
    if (guard.tripped()) return false;
    if (stored >= config_.query_spans) {
      ReportSize(*server, data_dir, stored, "after the fill");
      MeasureQueries(*server, std::move(stored_trace_ids));
      return server->Stop();
    }
    server->Stop();
  }
  // Ingest did not get there in time: the rest goes in through the store API, without the server.
  const auto started = Clock::now();
  const std::size_t direct = FillDirectly(source, data_dir, config_.query_spans - stored, &stored_trace_ids);
  std::cout << "[query] FALLBACK: ingest reached " << Grouped(static_cast<double>(stored)) << " spans in "
            << config_.fill_seconds << " s; wrote the other " << Grouped(static_cast<double>(direct))
            << " with EmbeddedStore::Write + CutHead + Compact in-process in " << Fixed(SecondsSince(started)) << " s\n";
  auto server = StartServer(data_dir, config_.fill_fsync, QueryServerFlags());
  if (!server) return false;
  ReportSize(*server, data_dir, stored + direct, "after the fill");
  MeasureQueries(*server, std::move(stored_trace_ids));
  return server->Stop();
}

void PrintLatency(std::string_view label, const Latency& latency, std::string_view target) {
  std::cout << "[query] " << label << ": p50 " << Fixed(latency.p50_ms, 2) << " ms, p99 " << Fixed(latency.p99_ms, 2)
            << " ms, max " << Fixed(latency.max_ms, 2) << " ms (" << latency.requests << " requests, "
            << latency.with_hits << " with hits, " << latency.failures << " failed"
            << (latency.first_error.empty() ? "" : ": " + latency.first_error) << ") [target " << target << "]\n";
}

void BackendBench::MeasureQueries(const ServerProcess& server, std::vector<model::TraceId> trace_ids) {
  std::mt19937_64 random(42);
  std::shuffle(trace_ids.begin(), trace_ids.end(), random);
  trace_ids.resize(std::min<std::size_t>(trace_ids.size(), 1000));
  std::vector<std::string> lookups;
  for (const model::TraceId& id : trace_ids) lookups.push_back("/api/v2/traces/" + id.ToHex());
  const auto has_spans = [](const http::Response& response) { return response.body.find("\"spanId\"") != std::string::npos; };
  PrintLatency("trace by ID /api/v2/traces/{id}, " + std::to_string(lookups.size()) + " random stored traces",
               MeasureGets(server.query_port(), lookups, std::chrono::seconds(120), has_spans), "p99 <= 10 ms");

  // Service + attribute + minimum duration over the hour the spans start in, 20 results.
  struct Search {
    std::string service, attribute, query_value, jaeger_value, min_duration;
  };
  const std::vector<Search> searches = {{"checkout", "http.status_code", ">= 500", "503", "100ms"},
                                        {"api-gateway", "db.system", "= \"postgresql\"", "postgresql", "50ms"},
                                        {"frontend", "retry", "= true", "true", "300ms"}};
  const std::uint64_t start = data_start_, end = data_start_ + kHourNanos;
  constexpr int kRepetitions = 3;
  std::vector<std::string> native, jaeger;
  for (int repetition = 0; repetition < kRepetitions; ++repetition) {
    for (const Search& search : searches) {
      const std::string query = "{ resource.service.name = \"" + search.service + "\" && span." + search.attribute +
                                " " + search.query_value + " && duration > " + search.min_duration + " }";
      native.push_back("/api/search?q=" + PercentEncode(query) + "&start=" + std::to_string(start / 1'000'000'000) +
                       "&end=" + std::to_string(end / 1'000'000'000 + 1) + "&limit=20");
      const std::string tags = "{\"" + search.attribute + "\":\"" + search.jaeger_value + "\"}";
      jaeger.push_back("/api/traces?service=" + search.service + "&tags=" + PercentEncode(tags) +
                       "&minDuration=" + search.min_duration + "&start=" + std::to_string(start / 1000) +
                       "&end=" + std::to_string(end / 1000 + 1) + "&limit=20");
    }
  }
  const auto has_traces = [](const http::Response& response) { return response.body.find("\"traceID\"") != std::string::npos; };
  std::cout << "[query] search example: " << native.front() << "\n";
  PrintLatency("search /api/search?q= (service + attribute + duration, 1 h range, limit 20; 3 queries x 3)",
               MeasureGets(server.query_port(), native, std::chrono::seconds(60), has_traces), "<= 500 ms");
  std::cout << "[query] search example: " << jaeger.front() << "\n";
  PrintLatency("search Jaeger /api/traces?service=&tags=&minDuration= (1 h range, limit 20; 3 queries x 3)",
               MeasureGets(server.query_port(), jaeger, std::chrono::seconds(60), has_traces), "<= 500 ms");
}

}  // namespace
}  // namespace hoptrace::bench

int main(int argc, char** argv) {
  using namespace hoptrace::bench;
  Config config;
  CLI::App app("Backend benchmarks (issue #3) against a real `hoptrace serve` pinned to one core");
  app.add_option("--hoptrace", config.hoptrace, "The hoptrace executable")->capture_default_str();
  app.add_option("--phases", config.phases, "ingest, query or both (comma-separated)")->capture_default_str();
  app.add_option("--ingest-spans", config.ingest_spans, "Spans per ingest run (prepared up front)")->capture_default_str();
  app.add_option("--warmup-spans", config.warmup_spans,
                 "Other spans each ingest run sends first, untimed, and lets settle (0: the timed run meets a fresh server)")
      ->capture_default_str();
  app.add_option("--runs", config.runs, "Ingest runs: all, or some of http-always,grpc-always,http-interval,grpc-interval")
      ->capture_default_str();
  app.add_option("--query-spans", config.query_spans, "Spans stored for the query latencies")->capture_default_str();
  app.add_option("--connections", config.connections, "Concurrent connections")->capture_default_str()->check(CLI::Range(1, 64));
  app.add_option("--fill-seconds", config.fill_seconds, "Ingest time for the query fill before the direct fallback")
      ->capture_default_str()->check(CLI::Range(1, 3600));
  app.add_option("--fill-fsync", config.fill_fsync, "fsync policy of the query fill")->capture_default_str();
  app.add_option("--query-compaction-target-mib", config.query_compaction_target_mib,
                 "--compaction-target-bytes of the query phase's server: a merge holds its spans in memory")
      ->capture_default_str();
  app.add_option("--server-cpu", config.server_cpu, "CPU the server is pinned to (taskset -c)")->capture_default_str();
  app.add_option("--client-cpu", config.client_cpu, "CPU the load generator is pinned to")->capture_default_str();
  app.add_option("--max-server-rss-gib", config.max_server_rss_gib, "Stop a server whose resident set passes this")
      ->capture_default_str();
  app.add_option("--work-dir", config.work_dir, "Data directories and server logs (default: a new temp dir)");
  app.add_flag("--keep", config.keep, "Keep the work directory");
  CLI11_PARSE(app, argc, argv);

  namespace fs = std::filesystem;
  const bool own_work_dir = config.work_dir.empty();
  if (own_work_dir) config.work_dir = (fs::temp_directory_path() / ("hoptrace-backend-bench-" + std::to_string(::getpid()))).string();
  fs::create_directories(config.work_dir);
  if (!PinThisThreadTo(config.client_cpu)) {
    std::cerr << "warning: cannot pin the load generator to CPU " << config.client_cpu << "\n";
  }
  std::cout << std::unitbuf;  // each figure shows up as soon as it is measured, also when piped
  std::cout << "backend_loadgen: server `taskset -c " << config.server_cpu << " " << config.hoptrace
            << " serve` on 127.0.0.1, load generator on CPU " << config.client_cpu << ", work dir " << config.work_dir
            << std::endl;

  BackendBench bench(config);
  bool ok = true;
  if (config.phases.find("ingest") != std::string::npos) ok = bench.Ingest() && ok;
  if (config.phases.find("query") != std::string::npos) ok = bench.Query() && ok;
  if (own_work_dir && !config.keep) fs::remove_all(config.work_dir);
  return ok ? 0 : 1;
}
