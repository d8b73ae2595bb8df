#pragma once
// What the conformance suite needs from a backend besides the Store interface: a fresh store, a way
// to make acknowledged writes visible to queries, and retention at a given age.

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "hoptrace/store/store.h"

namespace hoptrace::store::conformance {

class StoreHarness {
 public:
  virtual ~StoreHarness() = default;
  virtual Store& store() = 0;
  // Everything written so far is queryable, and lands in its own part of the backend (the embedded
  // store cuts a block; ClickHouse ships the backlog), so later writes of a trace arrive elsewhere.
  virtual void Settle() = 0;
  // Deletes data older than `age` before `now_unix_nano` (whole blocks / day partitions).
  virtual void ApplyRetention(std::uint64_t now_unix_nano, std::chrono::seconds age) = 0;
};

// A named factory, the suite's parameter.
struct HarnessFactory {
  std::string name;
  std::function<std::unique_ptr<StoreHarness>()> make;
};

// Each test binary links one harness file, which defines the backend it runs the suite against.
HarnessFactory ConformanceFactory();

}  // namespace hoptrace::store::conformance

