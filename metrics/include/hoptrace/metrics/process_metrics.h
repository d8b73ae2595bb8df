#pragma once
// The process_* metrics every Prometheus client library exports (CPU seconds, resident and virtual
// memory, open and maximum file descriptors, start time), read from the kernel when /metrics is
// scraped, so that dashboards and alerts written for other exporters work unchanged.

#include "hoptrace/metrics/registry.h"

namespace hoptrace::metrics {

void RegisterProcessMetrics(Registry& registry);

}  // namespace hoptrace::metrics
