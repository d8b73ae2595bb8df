#pragma once
// GET /api/v2/hotspots: diagnosis across many traces (issue #5) for the UI and `hoptrace hotspots`.
//
//   /api/v2/hotspots?service=checkout&operation=POST%20/checkout&start=&end=&slow=500ms
//
//   service          required: the entry service
//   operation        the entry span's name (default: any span of the service)
//   start, end       Unix seconds, as /api/search (default: the hour up to now)
//   slow             a Go duration: traces at least this slow are compared against the rest
//   slowPercentile   otherwise the slowest (100 - P) % (default 99); 0 < P < 100
//   selection        "slow" (default) or "failed": traces with an error span against the rest
//
// Answers analysis::HotspotReportToJson; bad parameters get 400 with the native error shape.
// The traces come from Store::ForEachTrace (see ComputeHotspots), at most
// HotspotOptions::max_traces of them ("truncated": true when there were more).

#include <cstdint>
#include <string>

#include "hoptrace/analysis/hotspots.h"
#include "hoptrace/http/message.h"
#include "hoptrace/query/jaeger_api.h"  // ParamList
#include "hoptrace/store/store.h"

namespace hoptrace::query {

struct HotspotParams {
  analysis::HotspotOptions options;
  store::TimeRange range;
};

inline constexpr std::uint64_t kDefaultHotspotWindowNanos = 3600ull * 1'000'000'000;

bool ParseHotspotParams(const ParamList& params, std::uint64_t now_unix_nano, HotspotParams* out, std::string* error);

// The scan filter: spans of the service (with the operation's name when given).
store::SpanFilterPtr HotspotFilter(const analysis::HotspotOptions& options);

// Scans the store and aggregates: one pass over whole traces, or, when the store counts where the
// spans are (Store::CountsWhereStored, ClickHouse), a timing-only scan and the attribute values
// counted by the store. Throws store::StoreError when the store cannot answer.
analysis::HotspotReport ComputeHotspots(store::Store& store, const HotspotParams& params);
// The one-pass way on any store (every matching trace read whole), which the two passes must equal.
analysis::HotspotReport AggregateWholeTraces(store::Store& store, const HotspotParams& params);

// The whole endpoint: parameters, scan, JSON.
http::Response HotspotsResponse(store::Store& store, const http::Request& request, std::uint64_t now_unix_nano);

}  // namespace hoptrace::query
