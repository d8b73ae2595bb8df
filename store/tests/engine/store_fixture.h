#pragma once
// An EmbeddedStore in a temp dir with a fake clock, log lines captured, and no background threads
// unless a test asks: tests cut, compact and apply retention explicitly.

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>

#include "hoptrace/metrics/registry.h"
#include "hoptrace/store/embedded_store.h"
#include "wal/test_util.h"

namespace hoptrace::store::testing {

inline constexpr std::uint64_t kSecond = 1'000'000'000;
inline constexpr std::uint64_t kMinute = 60 * kSecond;
// Span timestamps and the fake clock start here (2024-01-01T00:00:00Z).
inline constexpr std::uint64_t kEpoch = 1'704'067'200ull * kSecond;

inline std::uint64_t DirectoryBytes(const std::filesystem::path& dir) {
  std::uint64_t bytes = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) bytes += entry.file_size();
  }
  return bytes;
}

inline std::size_t CountSpans(const std::optional<model::TraceBatch>& batch) { return batch ? batch->SpanCount() : 0; }

class StoreTest : public ::testing::Test {
 protected:
  EmbeddedStoreOptions Options() {
    EmbeddedStoreOptions options;
    options.data_dir = dir_.str();
    options.fsync = FsyncPolicy::kNever;
    options.background = false;
    options.clock = [this] { return now_.load(); };
    options.log = [this](std::string_view line) {
      std::lock_guard lock(log_mutex_);
      log_.emplace_back(line);
    };
    return options;
  }

  void Open(EmbeddedStoreOptions options) {
    store_.reset();
    const Status status = EmbeddedStore::Open(std::move(options), &store_);
    ASSERT_TRUE(status.ok()) << status.message();
  }
  void Open() { Open(Options()); }
  void Reopen() { Open(); }

  void WriteOk(const model::TraceBatch& batch) {
    const Status status = store_->Write(batch);
    ASSERT_TRUE(status.ok()) << status.message();
  }

  bool Logged(std::string_view text) {
    std::lock_guard lock(log_mutex_);
    for (const std::string& line : log_) {
      if (line.find(text) != std::string::npos) return true;
    }
    return false;
  }

  std::uint64_t Counter(const std::string& name) {
    const std::string text = store_->metrics().Render();
    const std::size_t at = text.find("\n" + name + " ");
    return at == std::string::npos ? 0 : std::stoull(text.substr(at + name.size() + 2));
  }

  TempDir dir_;
  std::atomic<std::uint64_t> now_{kEpoch};
  std::mutex log_mutex_;
  std::vector<std::string> log_;
  std::unique_ptr<EmbeddedStore> store_;
};

}  // namespace hoptrace::store::testing
