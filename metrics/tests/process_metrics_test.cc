#include "hoptrace/metrics/process_metrics.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <string>

namespace hoptrace::metrics {
namespace {

// The value on the line `name value` of a rendered registry; -1 when there is none.
double ValueOf(const std::string& rendered, const std::string& name) {
  const std::string prefix = "\n" + name + " ";
  const std::size_t at = rendered.find(prefix);
  if (at == std::string::npos) return -1;
  return std::stod(rendered.substr(at + prefix.size()));
}

TEST(ProcessMetricsTest, RendersTheStandardNamesAndTypes) {
  Registry registry;
  RegisterProcessMetrics(registry);
  const std::string rendered = registry.Render();
  EXPECT_NE(rendered.find("# TYPE process_cpu_seconds_total counter\n"), std::string::npos);
  for (const char* gauge : {"process_resident_memory_bytes", "process_virtual_memory_bytes",
                            "process_open_fds", "process_max_fds", "process_start_time_seconds"}) {
    EXPECT_NE(rendered.find("# TYPE " + std::string(gauge) + " gauge\n"), std::string::npos) << gauge;
  }
}

TEST(ProcessMetricsTest, OpenDescriptorsAreCountedWhenScraped) {
  Registry registry;
  RegisterProcessMetrics(registry);
  const double before = ValueOf(registry.Render(), "process_open_fds");
  const int opened = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(opened, 0);
  const double with_one_more = ValueOf(registry.Render(), "process_open_fds");
  ::close(opened);
  EXPECT_GT(before, 0);
  EXPECT_EQ(with_one_more, before + 1);
  EXPECT_EQ(ValueOf(registry.Render(), "process_open_fds"), before);
}

TEST(ProcessMetricsTest, MemoryLimitsCpuAndStartAreThisProcesss) {
  Registry registry;
  RegisterProcessMetrics(registry);
  volatile double sink = 0;
  for (int i = 0; i < 20'000'000; ++i) sink = sink + i;  // some CPU time to count
  const std::string rendered = registry.Render();

  rlimit limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &limit), 0);
  EXPECT_EQ(ValueOf(rendered, "process_max_fds"), static_cast<double>(limit.rlim_cur));
  const double resident = ValueOf(rendered, "process_resident_memory_bytes");
  EXPECT_GT(resident, 1 << 20);
  EXPECT_GE(ValueOf(rendered, "process_virtual_memory_bytes"), resident);
  EXPECT_GT(ValueOf(rendered, "process_cpu_seconds_total"), 0);
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const double start = ValueOf(rendered, "process_start_time_seconds");
  EXPECT_LE(start, now + 1);
  EXPECT_GT(start, now - 3600);  // a test binary started within the hour
}

}  // namespace
}  // namespace hoptrace::metrics
