#pragma once
// The backend-neutral trace store. Everything above the store (collector, query API, CLI, analysis)
// talks to this interface only, so the embedded store and the ClickHouse backend are interchangeable.
// Implementations are thread-safe.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hoptrace/model/latency_sketch.h"
#include "hoptrace/model/span.h"
#include "hoptrace/store/span_filter.h"

namespace hoptrace::otlp::wire {
struct ScannedRequest;  // hoptrace/otlp/wire.h
}

namespace hoptrace::store {

// An error as a value (LevelDB style). Codes map to protocol answers in the receivers.
class Status {
 public:
  enum class Code : std::uint8_t {
    kOk,
    kInvalidArgument,   // the request itself is wrong (400 / INVALID_ARGUMENT)
    kResourceExhausted, // over a limit, try later (429 / RESOURCE_EXHAUSTED)
    kUnavailable,       // overloaded or shutting down, try later (503 / UNAVAILABLE)
    kIoError,           // disk full, fsync failed (503 / UNAVAILABLE): nothing was acknowledged
    kCorruption,
    kNotFound,
  };
  Status() = default;
  static Status Ok() { return {}; }
  static Status Error(Code code, std::string message) { return Status(code, std::move(message)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

// Unix nanoseconds, inclusive bounds. Default: everything.
struct TimeRange {
  std::uint64_t start_unix_nano = 0;
  std::uint64_t end_unix_nano = UINT64_MAX;
  bool Contains(std::uint64_t t) const { return t >= start_unix_nano && t <= end_unix_nano; }
  bool Overlaps(std::uint64_t start, std::uint64_t end) const { return start <= end_unix_nano && end >= start_unix_nano; }
};

struct SearchRequest {
  // Traces with at least one span that matches and starts inside `range`.
  SpanFilterPtr filter = SpanFilter::True();
  TimeRange range;
  std::size_t limit = 20;
};

// One search hit: what a result list shows without loading the whole trace.
struct TraceSummary {
  model::TraceId trace_id;
  std::string root_service;  // of the root span; of the earliest span when the root is missing
  std::string root_name;
  std::uint64_t start_unix_nano = 0;  // earliest span start
  std::uint64_t duration_nanos = 0;   // latest end - earliest start
  std::uint32_t span_count = 0;
  std::uint32_t error_count = 0;
  std::vector<std::string> services;  // every service in the trace, sorted
  std::vector<model::SpanId> matched_spans;
};

struct Operation {
  std::string name;
  model::SpanKind kind = model::SpanKind::kUnspecified;
  friend bool operator==(const Operation&, const Operation&) = default;
  friend auto operator<=>(const Operation&, const Operation&) = default;
};

// A call edge of the service graph: `parent` service called `child` service `call_count` times.
struct DependencyLink {
  std::string parent;
  std::string child;
  std::uint64_t call_count = 0;
  std::uint64_t error_count = 0;  // calls whose child span had error status
  friend bool operator==(const DependencyLink&, const DependencyLink&) = default;
};

// An edge of the service graph with its calls' latencies: each call's span duration (the callee's view).
struct ServiceGraphEdge {
  DependencyLink link;
  model::LatencySketch latency;  // of every call link.call_count counts
};

struct ServiceEdges {
  std::vector<ServiceGraphEdge> edges;  // sorted by parent, then child
  std::uint64_t traces = 0;             // traces with a span that starts inside the range
};

// A bulk read for aggregate analysis: every trace with at least one span that matches `filter` and
// starts inside `range` (as a search without a limit), each assembled from all its stored spans.
struct TraceScan {
  SpanFilterPtr filter = SpanFilter::True();
  TimeRange range;
  // The visitor reads only each span's IDs, parent, kind, times, status and name, its resource's
  // service and host (model::ServiceName, host.name), and whether one of its links names its parent:
  // a backend may leave out the rest (attributes, events, links) and read less.
  bool timing_only = false;
};
// Gets each scanned trace once, grouped by resource and scope as GetTrace returns it, in no
// particular order. Returns false to stop the scan. The trace is only valid during the call.
using TraceVisitor = std::function<bool(const model::TraceBatch& trace)>;

// Spans in their OTLP protobuf wire form, as the receivers hand them on: the request's bytes and
// their otlp::wire::Scan. Both must outlive the call they are passed to.
struct OtlpSpans {
  std::string_view request;                // a serialized ExportTraceServiceRequest
  const otlp::wire::ScannedRequest& scan;  // Scan of `request`: the spans to take, in request order
  // `request` holds exactly the spans of `scan` (none was left out as invalid or by a sampler), so
  // it may be kept as it is; otherwise a consumer that keeps bytes rebuilds them (wire::RequestWriter).
  bool request_is_exact = false;
};

// The attribute comparison of the diagnosis across traces (issue #5), counted where the spans are:
// which traces, which of their spans, and the group each trace counts in.
struct CountedTrace {
  model::TraceId trace_id;
  bool selected = false;             // in the selection; otherwise in the baseline
  bool whole_trace = false;          // every span of the trace counts ...
  std::vector<model::SpanId> spans;  // ... or only these
};

// A scalar attribute value (string, int, double or bool; arrays are not counted) and how many traces
// of each group hold it, on a counted span or its resource: each trace once, however many spans hold it.
struct AttributeValueCount {
  bool resource = false;  // a resource attribute; otherwise a span attribute
  model::Attribute attribute;
  std::uint64_t selection_traces = 0;
  std::uint64_t baseline_traces = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Stores the spans. Returns Ok only once they are durable (survive kill -9 of the process): this
  // is what receivers acknowledge to senders. Spans of one trace may arrive in any number of writes.
  virtual Status Write(const model::TraceBatch& batch) = 0;

  // The same for spans still in OTLP protobuf form (the receivers' path). The default decodes them
  // into the model and calls Write; a backend that can keep the wire form (the embedded store)
  // overrides it and saves the decode.
  virtual Status WriteOtlp(const OtlpSpans& spans);

  // Every stored span of the trace, grouped by resource and scope; nullopt when none is stored.
  // `range` is a hint that lets a backend skip data (spans outside it may still be returned).
  virtual std::optional<model::TraceBatch> GetTrace(const model::TraceId& trace_id, const TimeRange& range = {}) = 0;

  // Summaries of matching traces, most recent first, at most request.limit.
  virtual std::vector<TraceSummary> Search(const SearchRequest& request) = 0;

  // Visits every trace `scan` selects (see TraceScan). The default is Search without a limit and a
  // GetTrace per hit (it holds every hit's summary); a backend that can read many traces in one pass
  // overrides it (the embedded store decodes each block's row groups once). An error the backend
  // cannot read past stops the scan and is returned; traces visited before it stand.
  virtual Status ForEachTrace(const TraceScan& scan, const TraceVisitor& visit);

  virtual std::vector<std::string> Services(const TimeRange& range = {}) = 0;  // sorted
  virtual std::vector<Operation> Operations(std::string_view service, const TimeRange& range = {}) = 0;  // sorted
  // The calls that start inside `range`: spans whose parent span belongs to another service.
  virtual std::vector<DependencyLink> Dependencies(const TimeRange& range) = 0;
  // The same calls with their latencies. The default reads every trace of the range through
  // ForEachTrace; a backend that can aggregate where the spans are (ClickHouse, in SQL) overrides it.
  // An error the backend cannot read past is returned and `out` is then incomplete.
  virtual Status ServiceGraphEdges(const TimeRange& range, ServiceEdges* out);

  // The attribute values of `traces` counted per group, in no particular order. The default reads each
  // trace by ID; a backend that can count where the spans are (ClickHouse, in SQL) overrides it and
  // says so in CountsWhereStored, and then also reads less for a TraceScan with timing_only.
  virtual Status CountAttributeValues(const std::vector<CountedTrace>& traces, std::vector<AttributeValueCount>* out);
  // Whether the diagnosis across traces should take the two passes above (timing-only scan, then
  // CountAttributeValues) rather than one ForEachTrace over whole traces.
  virtual bool CountsWhereStored() const { return false; }
};
// Backends report their own counters (bytes, blocks, ...) through a metrics::Registry given to them
// at construction, so /metrics shows them next to the receivers' and the query API's.

}  // namespace hoptrace::store
