// Issue #8: the embedded store against ClickHouse (one node, and two shards on this machine) on the
// same generated spans (store/testing/span_generator.h), through the Store API:
//   ingest   embedded: Write + cut to blocks; ClickHouse: Write (acknowledged into the backlog), then
//            the backlog shipped (RowBinary INSERTs) until ClickHouse holds every span. Spans/s of each.
//   size     bytes on disk per span: the embedded store's blocks; ClickHouse's active parts (both tables,
//            every node).
//   lookup   GetTrace of 200 stored traces: median and p95.
//   search   three searches (service; service + int attribute; duration), limit 20: median of 20 each.
//   read     for ClickHouse, rows and bytes read per lookup and per search (system.query_log's
//            read_rows/read_bytes of the queries the store sent): the work a query does, whatever the
//            machine's load.
// Progress goes to stderr; a summary table of all three ends the output.
// Usage: clickhouse_store_bench [--spans N]. Not a test: figures for docs/benchmarks.md.

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <iomanip>
#include <iostream>
#include <optional>

#include "clickhouse_server.h"
#include "hoptrace/http/client.h"
#include "hoptrace/store/clickhouse_store.h"
#include "hoptrace/store/embedded_store.h"
#include "span_generator.h"

namespace hoptrace::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kChunkSpans = 100'000;  // generated at a time: bounds the bench's memory
constexpr std::size_t kBatchSpans = 1'000;    // spans per Write, as an exporter batch

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

struct Latency {
  double median_ms = 0;
  double p95_ms = 0;
};

// The backend under test: its store, how to settle ingest, and its bytes on disk.
struct Backend {
  std::string name;
  store::Store* store = nullptr;
  std::function<void()> settle;        // make everything written durable and queryable where it lives
  std::function<std::uint64_t()> disk_bytes;
  std::vector<std::string> clickhouse_urls;  // empty for the embedded store
};

// One backend's figures, for the summary table.
struct Figures {
  std::string name;
  double acknowledged_per_second = 0;
  double end_to_end_per_second = 0;
  double bytes_per_span = 0;
  Latency lookup;
  std::vector<Latency> searches;
  double rows_per_lookup = 0, kib_per_lookup = 0, rows_per_search = 0, kib_per_search = 0;
};

struct Ingest {
  double write_seconds = 0;
  double settle_seconds = 0;
  std::vector<model::TraceId> sample;  // stored trace IDs for lookups
  std::string some_service;
};

Ingest WriteSpans(Backend& backend, std::size_t total_spans) {
  Ingest ingest;
  for (std::size_t written = 0, chunk = 0; written < total_spans; ++chunk) {
    store::testing::GeneratorOptions options;
    options.seed = chunk + 1;
    options.start_unix_nano =
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                       std::chrono::system_clock::now().time_since_epoch()).count()) -
        7'200'000'000'000ull + chunk * 60'000'000'000ull;
    const store::testing::GeneratedSpans spans = store::testing::GenerateSpans(kChunkSpans, options);
    const std::vector<model::TraceId> ids = spans.TraceIds();
    for (std::size_t i = 0; i < ids.size(); i += std::max<std::size_t>(1, ids.size() / 10)) ingest.sample.push_back(ids[i]);
    const auto started = Clock::now();
    for (std::size_t first = 0; first < spans.spans.size(); first += kBatchSpans) {
      const store::Status status =
          backend.store->Write(spans.ToBatch(first, std::min(kBatchSpans, spans.spans.size() - first)));
      if (!status.ok()) std::cerr << backend.name << ": write refused: " << status.message() << "\n";
    }
    ingest.write_seconds += Seconds(Clock::now() - started);
    written += spans.spans.size();
    std::cerr << "\r[" << backend.name << "] written " << written << " / " << total_spans << " spans, "
              << static_cast<std::uint64_t>(static_cast<double>(written) / ingest.write_seconds) << " spans/s"
              << std::flush;
  }
  std::cerr << "\n[" << backend.name << "] settling (shipping to ClickHouse / cutting blocks)..." << std::endl;
  const auto started = Clock::now();
  backend.settle();
  ingest.settle_seconds = Seconds(Clock::now() - started);
  return ingest;
}

Latency Measure(std::size_t runs, const std::function<void(std::size_t)>& run) {
  std::vector<double> ms;
  for (std::size_t i = 0; i < runs; ++i) {
    const auto started = Clock::now();
    run(i);
    ms.push_back(Seconds(Clock::now() - started) * 1000);
  }
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms[std::min(ms.size() - 1, ms.size() * 95 / 100)]};
}

store::SpanFilterPtr Where(store::Field field, store::CompareOp op, store::Literal value) {
  return store::SpanFilter::Compare({std::move(field), op, std::move(value)});
}

// Rows and bytes read so far by the queries clients sent to `urls` (system.query_log; a Distributed
// query's entry on the node that took it counts what its shards read).
std::pair<double, double> ReadSoFar(const std::vector<std::string>& urls) {
  double rows = 0, bytes = 0;
  for (const std::string& url : urls) {
    http::Client client(url);
    std::string error;
    client.Post("/", "SYSTEM FLUSH LOGS", "text/plain", &error);
    const auto answer = client.Post("/", "SELECT sum(read_rows), sum(read_bytes) FROM system.query_log WHERE type = 2 "
                                         "AND is_initial_query AND query NOT LIKE '%system.%' FORMAT TSV",
                                    "text/plain", &error);
    double node_rows = 0, node_bytes = 0;
    if (answer && answer->status == 200) std::sscanf(answer->body.c_str(), "%lf %lf", &node_rows, &node_bytes);
    rows += node_rows;
    bytes += node_bytes;
  }
  return {rows, bytes};
}

// Runs `runs` timed calls of `run`, and what ClickHouse read for them per call.
Latency MeasureReads(const Backend& backend, std::size_t runs, const std::function<void(std::size_t)>& run,
                     double* rows_per_run, double* bytes_per_run) {
  const auto before = ReadSoFar(backend.clickhouse_urls);
  const Latency latency = Measure(runs, run);
  const auto after = ReadSoFar(backend.clickhouse_urls);
  *rows_per_run = (after.first - before.first) / static_cast<double>(runs);
  *bytes_per_run = (after.second - before.second) / static_cast<double>(runs);
  return latency;
}

Figures Report(Backend& backend, std::size_t total_spans) {
  const Ingest ingest = WriteSpans(backend, total_spans);
  const double bytes = static_cast<double>(backend.disk_bytes());
  Figures figures{.name = backend.name};
  std::size_t found_spans = 0;
  std::cerr << "[" << backend.name << "] lookups and searches..." << std::endl;
  figures.lookup = MeasureReads(backend, 200, [&](std::size_t i) {
    const auto trace = backend.store->GetTrace(ingest.sample[i % ingest.sample.size()]);
    found_spans += trace ? trace->SpanCount() : 0;
  }, &figures.rows_per_lookup, &figures.kib_per_lookup);
  figures.kib_per_lookup /= 1024;
  const store::Field service{.intrinsic = store::Intrinsic::kServiceName};
  const std::vector<std::pair<std::string, store::SpanFilterPtr>> searches = {
      {"service", Where(service, store::CompareOp::kEq, std::string("checkout"))},
      {"service+attr", store::SpanFilter::And({Where(service, store::CompareOp::kEq, std::string("checkout")),
                                               Where({.scope = store::AttributeScope::kSpan, .attribute = "http.status_code"},
                                                     store::CompareOp::kGe, std::int64_t{500})})},
      {"duration", Where({.intrinsic = store::Intrinsic::kDuration}, store::CompareOp::kGt, std::int64_t{200'000'000})},
  };
  const double spans = static_cast<double>(total_spans);
  figures.acknowledged_per_second = spans / ingest.write_seconds;
  figures.end_to_end_per_second = spans / (ingest.write_seconds + ingest.settle_seconds);
  figures.bytes_per_span = bytes / spans;
  std::cout << std::fixed << std::setprecision(1) << "[" << backend.name << "] " << total_spans << " spans: write "
            << figures.acknowledged_per_second << " spans/s acknowledged, settled after " << ingest.settle_seconds
            << " s more: " << figures.end_to_end_per_second << " spans/s end to end; " << figures.bytes_per_span
            << " bytes/span on disk\n"
            << "  trace by ID: median " << figures.lookup.median_ms << " ms, p95 " << figures.lookup.p95_ms << " ms ("
            << found_spans / 200 << " spans per trace on average; " << figures.rows_per_lookup << " rows, "
            << figures.kib_per_lookup << " KiB read per lookup)\n";
  double search_rows = 0, search_bytes = 0;
  for (const auto& [name, filter] : searches) {
    std::size_t hits = 0;
    double rows = 0, bytes_read = 0;
    const Latency search = MeasureReads(backend, 20, [&](std::size_t) {
      hits = backend.store->Search({filter, {}, 20}).size();
    }, &rows, &bytes_read);
    search_rows += rows;
    search_bytes += bytes_read;
    figures.searches.push_back(search);
    std::cout << "  search " << name << ": median " << search.median_ms << " ms, p95 " << search.p95_ms << " ms ("
              << hits << " hits; " << rows << " rows, " << bytes_read / 1024 << " KiB read per search)\n";
  }
  figures.rows_per_search = search_rows / static_cast<double>(searches.size());
  figures.kib_per_search = search_bytes / 1024 / static_cast<double>(searches.size());
  std::cout << std::flush;
  return figures;
}

void PrintSummary(const std::vector<Figures>& all, std::size_t spans) {
  std::cout << "\nSummary, " << spans << " spans (latencies: median ms; rows and KiB: read by ClickHouse per call)\n"
            << "| backend | acked spans/s | end-to-end spans/s | bytes/span | by ID | by ID p95 | rows/lookup | "
               "KiB/lookup | search service | service+attr | duration | rows/search | KiB/search |\n"
            << "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const Figures& f : all) {
    std::cout << std::fixed << std::setprecision(1) << "| " << f.name << " | " << f.acknowledged_per_second << " | "
              << f.end_to_end_per_second << " | " << f.bytes_per_span << " | " << f.lookup.median_ms << " | "
              << f.lookup.p95_ms << " | " << f.rows_per_lookup << " | " << f.kib_per_lookup << " | ";
    for (const Latency& search : f.searches) std::cout << search.median_ms << " | ";
    std::cout << f.rows_per_search << " | " << f.kib_per_search << " |\n";
  }
}

std::uint64_t DirectoryBytes(const fs::path& dir) {
  std::uint64_t bytes = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) bytes += entry.file_size();
  }
  return bytes;
}

std::uint64_t ClickHouseBytes(const std::vector<std::string>& urls, const std::string& database) {
  std::uint64_t bytes = 0;
  for (const std::string& url : urls) {
    http::Client client(url);
    std::string error;
    const auto answer = client.Post("/", "SELECT sum(bytes_on_disk) FROM system.parts WHERE active AND database = '" +
                                             database + "' FORMAT TSV", "text/plain", &error);
    if (answer && answer->status == 200) bytes += std::stoull(answer->body);
  }
  return bytes;
}

std::optional<Figures> RunEmbedded(const fs::path& dir, std::size_t spans) {
  store::EmbeddedStoreOptions options;
  options.data_dir = (dir / "embedded").string();
  options.fsync = store::FsyncPolicy::kNever;
  options.log = [](std::string_view) {};
  std::unique_ptr<store::EmbeddedStore> embedded;
  if (!store::EmbeddedStore::Open(options, &embedded).ok()) return std::nullopt;
  Backend backend{"embedded", embedded.get(), [&] { embedded->CutHead(true); },
                  [&] { return DirectoryBytes(dir / "embedded" / "blocks"); }, {}};
  return Report(backend, spans);
}

std::optional<Figures> RunClickHouse(const std::string& name, const std::vector<std::string>& urls, const std::string& cluster,
                   const fs::path& dir, std::size_t spans) {
  store::ClickHouseOptions options;
  options.urls = urls;
  options.cluster = cluster;
  options.database = "bench";
  options.backlog_dir = (dir / (name + "-backlog")).string();
  options.fsync = false;
  options.max_backlog_bytes = 16ull << 30;
  options.background = false;  // acknowledge first, then ship: the two rates apart
  options.log = [](std::string_view line) { std::cerr << line << "\n"; };
  std::unique_ptr<store::ClickHouseStore> clickhouse;
  store::Status status = store::InitClickHouseSchema(options);
  if (status.ok()) status = store::ClickHouseStore::Open(options, &clickhouse);
  if (!status.ok()) {
    std::cerr << name << ": " << status.message() << "\n";
    return std::nullopt;
  }
  Backend backend{name, clickhouse.get(), [&] { clickhouse->WaitShipped(std::chrono::hours(1)); },
                  [&] { return ClickHouseBytes(urls, options.database); }, urls};
  return Report(backend, spans);
}

}  // namespace
}  // namespace hoptrace::bench

int main(int argc, char** argv) {
  using namespace hoptrace;
  CLI::App app{"Embedded store vs ClickHouse (single node, two shards) on the same generated spans"};
  std::size_t spans = 1'000'000;
  app.add_option("--spans", spans, "Spans to store in each backend")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("hoptrace-clickhouse-bench-" + std::to_string(::getpid()));
  std::vector<bench::Figures> all;
  const auto keep = [&](std::optional<bench::Figures> figures) {
    if (figures) all.push_back(std::move(*figures));
  };
  keep(bench::RunEmbedded(dir, spans));
  std::string error;
  if (auto single = store::testing::ClickHouseServer::Start(dir / "single", {}, "", &error)) {
    keep(bench::RunClickHouse("clickhouse-1-node", {single->url()}, "", dir, spans));
  } else {
    std::cerr << error << "\n";
  }
  if (auto cluster = store::testing::ClickHouseCluster::Start(dir / "cluster", "bench", &error)) {
    keep(bench::RunClickHouse("clickhouse-2-shards", cluster->urls(), "bench", dir, spans));
  } else {
    std::cerr << error << "\n";
  }
  std::filesystem::remove_all(dir);
  bench::PrintSummary(all, spans);
  return 0;
}
