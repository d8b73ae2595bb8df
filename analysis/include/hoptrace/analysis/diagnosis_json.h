#pragma once
// A diagnosis as JSON, the one shape both `hoptrace explain --format json` and
// GET /api/v2/traces/{id}/analysis answer with:
//
//   {"traceId", "spanCount", "durationNanos", "top": {span},
//    "findings": [{"kind", "headline", "explainedNanos", "share", "evidence": [{span, "explainedNanos", "note"}]}],
//    "criticalPath": [{span, "startOffsetNanos", "durationNanos"}],            // segments in time order,
//    "criticalPathSegments", "criticalPathOmittedNanos",                      // those under 0.1 % left out
//    "spans": [{span, "selfNanos", "criticalNanos", "criticalShare"}],         // on the path, or the most self time
//    "services": [{"service", "selfNanos", "criticalNanos", "spans"}],
//    "gaps": [{span, "startOffsetNanos", "durationNanos"}],
//    "skewAdjustments": [{span, "parentSpanId", "shiftNanos", "adjusted"}],
//    "candidateParents": [{"traceId", "spanId", "service", "operation", "score", "reason"}]}
//
// where {span} is "spanId", "service", "operation". Offsets are from the top span's start.

#include <string>

#include "hoptrace/analysis/diagnosis.h"

namespace hoptrace::analysis {

std::string DiagnosisToJson(const Diagnosis& diagnosis);

}  // namespace hoptrace::analysis
