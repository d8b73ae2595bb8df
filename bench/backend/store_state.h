#pragma once
// What the server's store holds, read from outside: its /metrics gauges and its files on disk.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "server_process.h"

namespace hoptrace::bench {

// The value of an unlabelled metric in Prometheus text; nullopt when absent.
std::optional<double> MetricValue(std::string_view metrics_text, std::string_view name);

// /metrics of the server's query port; empty when unreachable.
std::string ScrapeMetrics(const ServerProcess& server);

// Waits (at most `timeout`) until the head is empty (every span cut into a block) and the server has
// gone quiet (under 5 % of a core for 3 s: compaction has finished). Returns false on timeout.
bool WaitUntilSettled(const ServerProcess& server, std::chrono::seconds timeout);

// Bytes of every *.block file under data_dir/blocks.
std::uint64_t BlockBytesOnDisk(const std::filesystem::path& data_dir);

}  // namespace hoptrace::bench
