#pragma once
// The part of a span that crosses process boundaries: IDs, flags, tracestate.

#include <cstdint>

#include "hoptrace/model/ids.h"
#include "hoptrace/sdk/trace_state.h"

namespace hoptrace::sdk {

using model::SpanId;
using model::TraceId;

class SpanContext {
 public:
  SpanContext() = default;
  SpanContext(TraceId trace_id, SpanId span_id, std::uint8_t trace_flags, bool is_remote,
              TraceState trace_state = {})
      : trace_id_(trace_id),
        span_id_(span_id),
        trace_flags_(trace_flags),
        is_remote_(is_remote),
        trace_state_(std::move(trace_state)) {}

  static SpanContext Invalid() { return {}; }

  bool IsValid() const { return trace_id_.IsValid() && span_id_.IsValid(); }
  bool IsSampled() const { return (trace_flags_ & 0x01) != 0; }
  bool IsRemote() const { return is_remote_; }
  const TraceId& trace_id() const { return trace_id_; }
  const SpanId& span_id() const { return span_id_; }
  std::uint8_t trace_flags() const { return trace_flags_; }
  const TraceState& trace_state() const { return trace_state_; }

  friend bool operator==(const SpanContext&, const SpanContext&) = default;

 private:
  TraceId trace_id_;
  SpanId span_id_;
  std::uint8_t trace_flags_ = 0;
  bool is_remote_ = false;
  TraceState trace_state_;
};

}  // namespace hoptrace::sdk
