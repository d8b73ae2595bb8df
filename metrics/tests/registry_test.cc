#include "hoptrace/metrics/registry.h"

#include <gtest/gtest.h>

#include <thread>

namespace hoptrace::metrics {
namespace {

TEST(RegistryTest, RendersPrometheusTextFormat) {
  Registry registry;
  registry.GetCounter("hoptrace_spans_received_total", "Spans received.", {{"protocol", "otlp_http"}}).Increment(3);
  registry.GetCounter("hoptrace_spans_received_total", "Spans received.", {{"protocol", "zipkin"}}).Increment();
  registry.GetGauge("hoptrace_wal_bytes", "Bytes in the write-ahead log.").Set(1.5);
  auto& histogram = registry.GetHistogram("hoptrace_query_seconds", "Query latency.", {}, {0.1, 1});
  histogram.Observe(0.05);
  histogram.Observe(0.5);
  histogram.Observe(5);
  EXPECT_EQ(registry.Render(),
            "# HELP hoptrace_query_seconds Query latency.\n"
            "# TYPE hoptrace_query_seconds histogram\n"
            "hoptrace_query_seconds_bucket{le=\"0.1\"} 1\n"
            "hoptrace_query_seconds_bucket{le=\"1\"} 2\n"
            "hoptrace_query_seconds_bucket{le=\"+Inf\"} 3\n"
            "hoptrace_query_seconds_sum 5.55\n"
            "hoptrace_query_seconds_count 3\n"
            "# HELP hoptrace_spans_received_total Spans received.\n"
            "# TYPE hoptrace_spans_received_total counter\n"
            "hoptrace_spans_received_total{protocol=\"otlp_http\"} 3\n"
            "hoptrace_spans_received_total{protocol=\"zipkin\"} 1\n"
            "# HELP hoptrace_wal_bytes Bytes in the write-ahead log.\n"
            "# TYPE hoptrace_wal_bytes gauge\n"
            "hoptrace_wal_bytes 1.5\n");
}

TEST(RegistryTest, FloatCountersAreCounters) {
  Registry registry;
  FloatCounter& seconds = registry.GetFloatCounter("cut_seconds_total", "CPU seconds.");
  seconds.Add(0.25);
  seconds.Add(1.5);
  EXPECT_EQ(&registry.GetFloatCounter("cut_seconds_total", "CPU seconds."), &seconds);
  EXPECT_EQ(registry.Render(),
            "# HELP cut_seconds_total CPU seconds.\n"
            "# TYPE cut_seconds_total counter\n"
            "cut_seconds_total 1.75\n");
}

TEST(RegistryTest, FunctionsAreReadWhenRendered) {
  Registry registry;
  double cpu = 1.25;
  registry.AddCounterFunction("cpu_seconds_total", "CPU.", [&] { return cpu; });
  registry.AddGaugeFunction("open_fds", "Open.", [] { return 7.0; });
  EXPECT_EQ(registry.Render(),
            "# HELP cpu_seconds_total CPU.\n"
            "# TYPE cpu_seconds_total counter\n"
            "cpu_seconds_total 1.25\n"
            "# HELP open_fds Open.\n"
            "# TYPE open_fds gauge\n"
            "open_fds 7\n");
  cpu = 2.5;
  EXPECT_NE(registry.Render().find("cpu_seconds_total 2.5\n"), std::string::npos);
}

TEST(RegistryTest, SameNameAndLabelsIsTheSameMetric) {
  Registry registry;
  Counter& a = registry.GetCounter("c_total", "help", {{"k", "v"}});
  Counter& b = registry.GetCounter("c_total", "help", {{"k", "v"}});
  EXPECT_EQ(&a, &b);
  EXPECT_THROW(registry.GetGauge("c_total", "help"), std::logic_error);
}

TEST(RegistryTest, LabelValuesAreEscaped) {
  Registry registry;
  registry.GetCounter("c_total", "help", {{"reason", "bad \"quote\"\n"}}).Increment();
  EXPECT_NE(registry.Render().find("c_total{reason=\"bad \\\"quote\\\"\\n\"} 1"), std::string::npos);
}

TEST(RegistryTest, ConcurrentIncrementsAreCounted) {
  Registry registry;
  Counter& counter = registry.GetCounter("c_total", "help");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100000; ++i) counter.Increment();
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(counter.value(), 400000u);
}

}  // namespace
}  // namespace hoptrace::metrics
