#include "id_generator.h"

#include <cstdint>
#include <random>
#include <thread>

namespace hoptrace::sdk::internal {
namespace {

class Xoshiro256 {
 public:
  Xoshiro256() {
    std::random_device device;
    std::uint64_t seed = (static_cast<std::uint64_t>(device()) << 32) ^ device() ^
                         std::hash<std::thread::id>{}(std::this_thread::get_id());
    for (auto& word : state_) word = SplitMix(seed);
  }

  std::uint64_t Next() {
    const std::uint64_t result = RotateLeft(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = RotateLeft(state_[3], 45);
    return result;
  }

 private:
  static std::uint64_t RotateLeft(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static std::uint64_t SplitMix(std::uint64_t& x) {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint64_t state_[4];
};

std::uint64_t NextNonZero() {
  thread_local Xoshiro256 generator;
  std::uint64_t value;
  do {
    value = generator.Next();
  } while (value == 0);
  return value;
}

}  // namespace

model::TraceId NewTraceId() { return model::TraceId::FromHighLow(NextNonZero(), NextNonZero()); }

model::SpanId NewSpanId() { return model::SpanId::FromHighLow(0, NextNonZero()); }

}  // namespace hoptrace::sdk::internal
