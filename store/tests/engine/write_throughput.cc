// Measures EmbeddedStore write throughput: N writer threads each writing batches of spans.
//   store_write_throughput [every-write|interval|never] [writers] [batches per writer] [spans per batch]
// Prints spans/s, writes/s, WAL bytes per span and fsyncs per write.

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include "hoptrace/metrics/registry.h"
#include "hoptrace/store/embedded_store.h"
#include "wal/test_util.h"

using namespace hoptrace;

namespace {

std::uint64_t CounterValue(const std::string& text, const std::string& name) {
  const std::size_t at = text.find("\n" + name + " ");
  return at == std::string::npos ? 0 : std::stoull(text.substr(at + name.size() + 2));
}

}  // namespace

int main(int argc, char** argv) {
  const std::string policy = argc > 1 ? argv[1] : "every-write";
  const int writers = argc > 2 ? std::atoi(argv[2]) : 8;
  const int batches = argc > 3 ? std::atoi(argv[3]) : 500;
  const int spans_per_batch = argc > 4 ? std::atoi(argv[4]) : 50;

  store::testing::TempDir dir;
  metrics::Registry registry;
  store::EmbeddedStoreOptions options;
  options.data_dir = dir.str();
  options.fsync = policy == "never"      ? store::FsyncPolicy::kNever
                  : policy == "interval" ? store::FsyncPolicy::kInterval
                                         : store::FsyncPolicy::kEveryWrite;
  options.metrics = &registry;
  options.retention_age = std::chrono::seconds(0);
  options.log = [](std::string_view) {};
  std::unique_ptr<store::EmbeddedStore> store;
  if (auto status = store::EmbeddedStore::Open(options, &store); !status.ok()) {
    std::cerr << status.message() << "\n";
    return 1;
  }

  // Batches are built before the clock starts: the figure is the store's, not the generator's.
  std::vector<std::vector<model::TraceBatch>> work(static_cast<std::size_t>(writers));
  std::uint64_t trace = 0;
  for (auto& list : work) {
    for (int b = 0; b < batches; ++b) {
      std::vector<model::Span> spans;
      ++trace;
      for (int s = 1; s <= spans_per_batch; ++s) {
        spans.push_back(store::testing::RichSpan(trace, static_cast<std::uint64_t>(s), 1'700'000'000'000'000'000ull));
      }
      list.push_back(store::testing::BatchOf("svc-" + std::to_string(trace % 7), std::move(spans)));
    }
  }

  const auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (const auto& list : work) {
    threads.emplace_back([&store, &list] {
      for (const model::TraceBatch& batch : list) {
        if (!store->Write(batch).ok()) std::abort();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  const std::string text = registry.Render();
  const double writes = static_cast<double>(writers) * batches;
  const double spans = writes * spans_per_batch;
  std::cout << policy << ": " << writers << " writers x " << batches << " batches x " << spans_per_batch
            << " spans in " << seconds << " s: " << static_cast<std::uint64_t>(spans / seconds) << " spans/s, "
            << static_cast<std::uint64_t>(writes / seconds) << " writes/s, "
            << static_cast<double>(CounterValue(text, "hoptrace_store_wal_bytes_total")) / spans << " WAL bytes/span, "
            << static_cast<double>(CounterValue(text, "hoptrace_store_wal_fsyncs_total")) / writes << " fsyncs/write, "
            << store->stats().blocks << " blocks cut\n";
  return 0;
}
