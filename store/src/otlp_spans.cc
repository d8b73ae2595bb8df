// Store::WriteOtlp's default: decode the scanned spans into the model and Write them.

#include "hoptrace/otlp/wire.h"
#include "hoptrace/store/store.h"

namespace hoptrace::store {

Status Store::WriteOtlp(const OtlpSpans& spans) {
  model::TraceBatch batch;
  if (!otlp::wire::DecodeSpans(spans.scan, &batch)) {
    return Status::Error(Status::Code::kInvalidArgument, "a scanned OTLP span does not decode");
  }
  return Write(batch);
}

}  // namespace hoptrace::store
