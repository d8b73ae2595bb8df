#include "hoptrace/metrics/process_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "hoptrace/metrics/cpu_time.h"

namespace hoptrace::metrics {
namespace {

// /proc/self/statm: total and resident size in pages. Zero when it cannot be read.
struct MemoryPages {
  double total = 0;
  double resident = 0;
};

MemoryPages ReadMemoryPages() {
  MemoryPages pages;
  std::ifstream("/proc/self/statm") >> pages.total >> pages.resident;
  return pages;
}

double PageBytes() {
  return static_cast<double>(::sysconf(_SC_PAGESIZE));
}

double OpenFileDescriptors() {
  DIR* directory = ::opendir("/proc/self/fd");
  if (directory == nullptr) return 0;
  double open = 0;
  while (const dirent* entry = ::readdir(directory)) {
    if (entry->d_name[0] != '.') ++open;
  }
  ::closedir(directory);
  return open - 1;  // the descriptor that read the directory
}

double MaxFileDescriptors() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 0;
  return static_cast<double>(limit.rlim_cur);
}

// Seconds since the epoch when the process started: its start in clock ticks after boot
// (/proc/self/stat, field 22) plus the boot time (/proc/stat, btime). Zero when they cannot be read.
double StartTimeSeconds() {
  std::string stat;
  std::getline(std::ifstream("/proc/self/stat"), stat);
  const std::size_t command_end = stat.rfind(')');  // the command name may hold spaces and parentheses
  if (command_end == std::string::npos) return 0;
  std::istringstream fields(stat.substr(command_end + 1));
  std::string field;
  for (int number = 3; number < 22 && fields >> field; ++number) {
  }
  double start_ticks = 0;
  if (!(fields >> start_ticks)) return 0;
  std::ifstream machine("/proc/stat");
  std::string line;
  while (std::getline(machine, line)) {
    if (line.rfind("btime ", 0) == 0) {
      return std::stod(line.substr(6)) + start_ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
    }
  }
  return 0;
}

}  // namespace

void RegisterProcessMetrics(Registry& registry) {
  registry.AddCounterFunction("process_cpu_seconds_total",
                              "User and system CPU time the process has used, in seconds.",
                              ProcessCpuSeconds);
  registry.AddGaugeFunction("process_resident_memory_bytes", "Resident memory size in bytes.",
                            [] { return ReadMemoryPages().resident * PageBytes(); });
  registry.AddGaugeFunction("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                            [] { return ReadMemoryPages().total * PageBytes(); });
  registry.AddGaugeFunction("process_open_fds", "Open file descriptors.", OpenFileDescriptors);
  registry.AddGaugeFunction("process_max_fds", "The limit on open file descriptors (0: none).",
                            MaxFileDescriptors);
  const double start = StartTimeSeconds();
  registry.AddGaugeFunction("process_start_time_seconds",
                            "When the process started, in seconds since the Unix epoch.",
                            [start] { return start; });
}

}  // namespace hoptrace::metrics
