// Measures the embedded store's cost per span on one thread, phase by phase, on realistic spans
// (store/testing's generator, batches of 512 as OTLP requests serialized before any clock starts):
//   write    WriteOtlp of every batch (WAL append, no fsync, head insertion)
//   cut      CutHead(true): the whole head into blocks of cut_max_spans
//   compact  Compact(): the cut blocks merged up to the compaction target
//   reopen   the same requests written again (now the head holds every trace the blocks hold), then
//            the store closed and opened again: WAL replay and recovery next to the blocks
//   store_cut_throughput [spans] [cut_max_spans] [compaction_target_mib] [compaction_zstd_level]
//                        [compaction_max_spans]
// Prints per phase the CPU time per span (the machine is shared: wall time says little) and the
// process's peak RSS since the spans were generated. A measurement for profiling
// (perf record store_cut_throughput ...), not a test.

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

#include "hoptrace/metrics/cpu_time.h"
#include "hoptrace/otlp/proto_convert.h"
#include "hoptrace/otlp/wire.h"
#include "hoptrace/store/embedded_store.h"
#include "span_generator.h"
#include "wal/test_util.h"

using namespace hoptrace;

namespace {

constexpr std::size_t kBatchSpans = 512;

// VmHWM of this process in MiB (0 when /proc is not there).
std::uint64_t PeakRssMib() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) / 1024;
  }
  return 0;
}

// Lets VmHWM start again from the current RSS (Linux's clear_refs 5).
void ResetPeakRss() { std::ofstream("/proc/self/clear_refs") << "5"; }

// Runs `phase` and prints its wall and CPU time, CPU µs per span and the peak RSS so far.
template <typename Fn>
void Measure(const char* name, std::size_t spans, Fn&& phase) {
  const auto started = std::chrono::steady_clock::now();
  const double cpu_before = metrics::ProcessCpuSeconds();
  phase();
  const double cpu = metrics::ProcessCpuSeconds() - cpu_before;
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << name << ": " << wall << " s wall, " << cpu << " s CPU, " << cpu * 1e6 / static_cast<double>(spans)
            << " CPU us/span, peak RSS " << PeakRssMib() << " MiB" << std::endl;
}

void Check(const store::Status& status, const char* what) {
  if (status.ok()) return;
  std::cerr << what << ": " << status.message() << "\n";
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t span_target = argc > 1 ? std::stoull(argv[1]) : 500'000;
  store::testing::TempDir dir;
  store::EmbeddedStoreOptions options;
  options.data_dir = dir.str();
  options.fsync = store::FsyncPolicy::kNever;
  options.background = false;
  options.head_max_spans = SIZE_MAX;
  options.head_max_bytes = SIZE_MAX;
  if (argc > 2) options.cut_max_spans = std::stoull(argv[2]);
  if (argc > 3) options.compaction_target_bytes = std::stoull(argv[3]) << 20;
  if (argc > 4) options.compaction_zstd_level = std::stoi(argv[4]);
  if (argc > 5) options.compaction_max_spans = std::stoull(argv[5]);
  options.log = [](std::string_view) {};

  std::vector<std::string> requests;
  std::size_t spans = 0;
  {
    const store::testing::GeneratedSpans generated = store::testing::GenerateSpans(span_target);
    spans = generated.spans.size();
    for (std::size_t first = 0; first < spans; first += kBatchSpans) {
      requests.push_back(otlp::SerializeExportRequest(generated.ToBatch(first, std::min(kBatchSpans, spans - first))));
    }
  }
  std::cout << spans << " spans in " << requests.size() << " requests, peak RSS " << PeakRssMib() << " MiB" << std::endl;

  ResetPeakRss();
  std::cout << "peak RSS reset to " << PeakRssMib() << " MiB" << std::endl;

  std::unique_ptr<store::EmbeddedStore> store;
  Check(store::EmbeddedStore::Open(options, &store), "open");
  auto write_all = [&] {
    otlp::wire::ScannedRequest scan;
    for (const std::string& request : requests) {
      otlp::DecodeReport report;
      std::string error;
      if (!otlp::wire::Scan(request, {}, &scan, &report, &error)) {
        Check(store::Status::Error(store::Status::Code::kInvalidArgument, error), "scan");
      }
      Check(store->WriteOtlp({.request = request, .scan = scan, .request_is_exact = true}), "write");
    }
  };
  Measure("write", spans, write_all);
  Measure("cut", spans, [&] { Check(store->CutHead(true), "cut"); });
  std::cout << "  " << store->stats().blocks << " blocks, " << store->stats().block_bytes << " bytes" << std::endl;
  Measure("compact", spans, [&] { Check(store->Compact(), "compact"); });
  std::cout << "  " << store->stats().blocks << " blocks, "
            << static_cast<double>(store->stats().block_bytes) / static_cast<double>(spans) << " bytes/span" << std::endl;
  write_all();
  Measure("reopen", spans, [&] {
    store.reset();
    Check(store::EmbeddedStore::Open(options, &store), "reopen");
  });
  std::cout << "  " << store->recovery().spans_replayed << " spans replayed next to " << store->stats().blocks
            << " blocks" << std::endl;
  return 0;
}
