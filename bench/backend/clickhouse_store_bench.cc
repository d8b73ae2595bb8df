// Issue #8: the embedded store against ClickHouse (one node, and two shards on this machine) on the
// same generated spans (store/testing/span_generator.h), through the Store API:
//   ingest   embedded: Write + cut to blocks; ClickHouse: Write (acknowledged into the backlog), then
//            the backlog shipped (RowBinary INSERTs) until ClickHouse holds every span. Spans/s of each.
//   size     bytes on disk per span: the embedded store's blocks; ClickHouse's active parts (both tables,
//            every node).
//   lookup   GetTrace of 200 stored traces: median and p95.
//   search   three searches (service; service + int attribute; duration), limit 20: median of 20 each.
// Usage: clickhouse_store_bench [--spans N]. Not a test: figures for docs/benchmarks.md.

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <iomanip>
#include <iostream>

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

// The backend under test: its store, how to settle ingest, and its bytes on disk.
struct Backend {
  std::string name;
  store::Store* store = nullptr;
  std::function<void()> settle;        // make everything written durable and queryable where it lives
  std::function<std::uint64_t()> disk_bytes;
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
  }
  const auto started = Clock::now();
  backend.settle();
  ingest.settle_seconds = Seconds(Clock::now() - started);
  return ingest;
}

struct Latency {
  double median_ms = 0;
  double p95_ms = 0;
};

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

void Report(Backend& backend, std::size_t total_spans) {
  const Ingest ingest = WriteSpans(backend, total_spans);
  const double bytes = static_cast<double>(backend.disk_bytes());
  std::size_t found_spans = 0;
  const Latency lookup = Measure(200, [&](std::size_t i) {
    const auto trace = backend.store->GetTrace(ingest.sample[i % ingest.sample.size()]);
    found_spans += trace ? trace->SpanCount() : 0;
  });
  const store::Field service{.intrinsic = store::Intrinsic::kServiceName};
  const std::vector<std::pair<std::string, store::SpanFilterPtr>> searches = {
      {"service", Where(service, store::CompareOp::kEq, std::string("checkout"))},
      {"service+attr", store::SpanFilter::And({Where(service, store::CompareOp::kEq, std::string("checkout")),
                                               Where({.scope = store::AttributeScope::kSpan, .attribute = "http.status_code"},
                                                     store::CompareOp::kGe, std::int64_t{500})})},
      {"duration", Where({.intrinsic = store::Intrinsic::kDuration}, store::CompareOp::kGt, std::int64_t{200'000'000})},
  };
  const double spans = static_cast<double>(total_spans);
  std::cout << std::fixed << std::setprecision(1) << "[" << backend.name << "] " << total_spans << " spans: write "
            << spans / ingest.write_seconds << " spans/s acknowledged, settled after " << ingest.settle_seconds
            << " s more: " << spans / (ingest.write_seconds + ingest.settle_seconds) << " spans/s end to end; "
            << bytes / spans << " bytes/span on disk\n"
            << "  trace by ID: median " << lookup.median_ms << " ms, p95 " << lookup.p95_ms << " ms ("
            << found_spans / 200 << " spans per trace on average)\n";
  for (const auto& [name, filter] : searches) {
    std::size_t hits = 0;
    const Latency search = Measure(20, [&](std::size_t) { hits = backend.store->Search({filter, {}, 20}).size(); });
    std::cout << "  search " << name << ": median " << search.median_ms << " ms, p95 " << search.p95_ms << " ms ("
              << hits << " hits)\n";
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

void RunEmbedded(const fs::path& dir, std::size_t spans) {
  store::EmbeddedStoreOptions options;
  options.data_dir = (dir / "embedded").string();
  options.fsync = store::FsyncPolicy::kNever;
  options.log = [](std::string_view) {};
  std::unique_ptr<store::EmbeddedStore> embedded;
  if (!store::EmbeddedStore::Open(options, &embedded).ok()) return;
  Backend backend{"embedded", embedded.get(), [&] { embedded->CutHead(true); },
                  [&] { return DirectoryBytes(dir / "embedded" / "blocks"); }};
  Report(backend, spans);
}

void RunClickHouse(const std::string& name, const std::vector<std::string>& urls, const std::string& cluster,
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
    return;
  }
  Backend backend{name, clickhouse.get(), [&] { clickhouse->WaitShipped(std::chrono::hours(1)); },
                  [&] { return ClickHouseBytes(urls, options.database); }};
  Report(backend, spans);
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
  bench::RunEmbedded(dir, spans);
  std::string error;
  if (auto single = store::testing::ClickHouseServer::Start(dir / "single", {}, "", &error)) {
    bench::RunClickHouse("clickhouse-1-node", {single->url()}, "", dir, spans);
  } else {
    std::cerr << error << "\n";
  }
  if (auto cluster = store::testing::ClickHouseCluster::Start(dir / "cluster", "bench", &error)) {
    bench::RunClickHouse("clickhouse-2-shards", cluster->urls(), "bench", dir, spans);
  } else {
    std::cerr << error << "\n";
  }
  std::filesystem::remove_all(dir);
  return 0;
}
