// The conformance suite against the embedded store.

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>

#include "hoptrace/store/embedded_store.h"
#include "store_harness.h"

namespace hoptrace::store::conformance {
namespace {

class EmbeddedHarness final : public StoreHarness {
 public:
  EmbeddedHarness() {
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("hoptrace-conformance-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    EmbeddedStoreOptions options;
    options.data_dir = dir_.string();
    options.fsync = FsyncPolicy::kNever;
    options.background = false;
    options.log = [](std::string_view) {};
    options.clock = [this] { return now_.load(); };
    Status status = EmbeddedStore::Open(options, &store_);
    if (!status.ok()) ADD_FAILURE() << status.message();
    options_ = options;
  }
  ~EmbeddedHarness() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  Store& store() override { return *store_; }
  void Settle() override { EXPECT_TRUE(store_->CutHead(/*everything=*/true).ok()); }
  void ApplyRetention(std::uint64_t now_unix_nano, std::chrono::seconds age) override {
    // Retention age is fixed at open: reopen with the asked one (the WAL and blocks carry over).
    Settle();
    store_.reset();
    options_.retention_age = age;
    now_ = now_unix_nano;
    EXPECT_TRUE(EmbeddedStore::Open(options_, &store_).ok());
    EXPECT_TRUE(store_->ApplyRetention().ok());
  }

 private:
  std::filesystem::path dir_;
  EmbeddedStoreOptions options_;
  std::atomic<std::uint64_t> now_{static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::system_clock::now().time_since_epoch()).count())};
  std::unique_ptr<EmbeddedStore> store_;
};

}  // namespace

HarnessFactory ConformanceFactory() {
  return {"Embedded", [] { return std::make_unique<EmbeddedHarness>(); }};
}

}  // namespace hoptrace::store::conformance
