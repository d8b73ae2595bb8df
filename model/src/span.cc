#include "hoptrace/model/span.h"

namespace hoptrace::model {

const char* SpanKindName(SpanKind kind) {
  switch (kind) {
    case SpanKind::kUnspecified: return "UNSPECIFIED";
    case SpanKind::kInternal: return "INTERNAL";
    case SpanKind::kServer: return "SERVER";
    case SpanKind::kClient: return "CLIENT";
    case SpanKind::kProducer: return "PRODUCER";
    case SpanKind::kConsumer: return "CONSUMER";
  }
  return "UNSPECIFIED";
}

const char* StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kUnset: return "UNSET";
    case StatusCode::kOk: return "OK";
    case StatusCode::kError: return "ERROR";
  }
  return "UNSET";
}

std::size_t TraceBatch::SpanCount() const {
  std::size_t count = 0;
  for (const auto& rs : resource_spans) {
    for (const auto& ss : rs.scope_spans) count += ss.spans.size();
  }
  return count;
}

}  // namespace hoptrace::model
