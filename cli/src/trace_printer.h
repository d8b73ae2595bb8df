#pragma once
// Renders a trace as text for the terminal: one line per span in waterfall order, indented under
// its parent, with the service, the name, the offset from the trace start, the duration, a bar on a
// shared time axis and the status.

#include <string>

#include "hoptrace/model/span.h"

namespace hoptrace::cli {

struct PrintOptions {
  std::size_t bar_width = 30;   // characters for the whole trace duration; 0: no bars
  bool attributes = false;      // also print each span's attributes and events under it
};

std::string FormatTraceTree(const model::TraceBatch& trace, const PrintOptions& options = {});

// "1.234 s", "12.3 ms", "850 µs", "120 ns".
std::string FormatDuration(std::uint64_t nanos);

}  // namespace hoptrace::cli
