#include "cpu_reference.h"

#include <sched.h>
#include <zstd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

namespace hoptrace::bench {
namespace {

constexpr std::size_t kInputBytes = std::size_t{16} << 20;

std::string ReferenceInput(const std::vector<SerializedBatch>& batches) {
  std::string input;
  for (const SerializedBatch& batch : batches) {
    if (input.size() >= kInputBytes) break;
    input += batch.bytes;
  }
  if (input.size() > kInputBytes) input.resize(kInputBytes);
  return input;
}

double CompressFor(const std::string& input, double seconds) {
  const std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> context(ZSTD_createCCtx(), ZSTD_freeCCtx);
  std::string output(ZSTD_compressBound(input.size()), '\0');
  const auto started = std::chrono::steady_clock::now();
  double elapsed = 0;
  std::size_t compressed = 0;
  while (elapsed < seconds) {
    ZSTD_compressCCtx(context.get(), output.data(), output.size(), input.data(), input.size(), 1);
    compressed += input.size();
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  }
  return static_cast<double>(compressed) / elapsed / 1e6;
}

}  // namespace

double ZstdReferenceMBps(const std::vector<SerializedBatch>& batches, int cpu, double seconds) {
  const std::string input = ReferenceInput(batches);
  if (input.empty()) return 0;
  double rate = 0;
  std::thread worker([&] {
    if (PinThisThreadTo(cpu)) rate = CompressFor(input, seconds);
  });
  worker.join();
  return rate;
}

bool PinThisThreadTo(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return sched_setaffinity(0, sizeof set, &set) == 0;  // 0: the calling thread
}

}  // namespace hoptrace::bench
