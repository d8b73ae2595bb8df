#pragma once
// Counters, gauges and histograms rendered in the Prometheus text exposition format (version 0.0.4)
// for /metrics. Updating a metric is one relaxed atomic operation; families with labels look up
// their child once and callers keep the reference.

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace hoptrace::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void Increment(std::uint64_t by = 1) { value_.fetch_add(by, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double delta);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// A counter of a real quantity (CPU seconds, ...): only ever raised.
class FloatCounter {
 public:
  void Add(double delta);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Cumulative histogram with fixed upper bounds (seconds, bytes, ... as the name says).
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double value);
  std::vector<std::uint64_t> BucketCounts() const;  // cumulative, one per bound plus +Inf
  std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum() const { return sum_.load(std::memory_order_relaxed); }
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // not cumulative; bounds_.size() + 1
  std::atomic<std::uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

// Latency buckets from 0.5 ms to 10 s.
std::vector<double> LatencyBucketsSeconds();

class Registry {
 public:
  // Returns the metric for (name, labels), creating it on first use. The reference stays valid for
  // the registry's lifetime. Names follow Prometheus conventions (e.g. hoptrace_spans_received_total).
  Counter& GetCounter(std::string_view name, std::string_view help, const Labels& labels = {});
  Gauge& GetGauge(std::string_view name, std::string_view help, const Labels& labels = {});
  // A counter (`# TYPE counter`) of a real quantity.
  FloatCounter& GetFloatCounter(std::string_view name, std::string_view help, const Labels& labels = {});
  Histogram& GetHistogram(std::string_view name, std::string_view help, const Labels& labels = {},
                          std::vector<double> bounds = LatencyBucketsSeconds());
  // A counter or gauge whose value `read` gives when the registry is rendered: for what the kernel
  // keeps (a process's CPU time, memory, open files), as Prometheus clients' CounterFunc and
  // GaugeFunc. `read` runs under the registry's lock: it must not use the registry.
  void AddCounterFunction(std::string_view name, std::string_view help, std::function<double()> read);
  void AddGaugeFunction(std::string_view name, std::string_view help, std::function<double()> read);

  // The whole registry in Prometheus text format.
  std::string Render() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Child {
    Labels labels;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<FloatCounter> float_counter;
    std::unique_ptr<Histogram> histogram;
    std::function<double()> read;
  };
  struct Family {
    Type type;
    std::string help;
    std::deque<Child> children;
  };
  Child& GetChild(std::string_view name, std::string_view help, Type type, const Labels& labels);
  void AddFunction(std::string_view name, std::string_view help, Type type, std::function<double()> read);

  mutable std::mutex mutex_;
  std::map<std::string, Family, std::less<>> families_;
};

}  // namespace hoptrace::metrics
