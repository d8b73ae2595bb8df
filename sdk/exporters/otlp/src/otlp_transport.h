#pragma once
// Internal: how the exporter hands a batch to HTTP or gRPC. A transport encodes the batch once
// (Prepare) and returns an Attempt that sends it; the exporter runs that attempt through the
// shared retry loop.

#include <memory>
#include <string>

#include "hoptrace/model/span.h"
#include "hoptrace/otlp/proto_convert.h"
#include "hoptrace/sdk/exporters/otlp/otlp_exporter.h"

namespace hoptrace::sdk::exporters::otlp {

class OtlpTransport {
 public:
  virtual ~OtlpTransport() = default;
  virtual Attempt Prepare(const model::TraceBatch& batch) = 0;
  // Aborts the attempt in flight and all later ones. Safe from any thread (Shutdown).
  virtual void Cancel() = 0;
};

// Both return null (with `error`) when the options cannot work, e.g. an unparsable endpoint.
std::unique_ptr<OtlpTransport> MakeHttpTransport(const OtlpExporterOptions& options, std::string* error);
std::unique_ptr<OtlpTransport> MakeGrpcTransport(const OtlpExporterOptions& options, std::string* error);

// Fills the outcome's partial-success fields from a decoded response.
void ReadPartialSuccess(const hoptrace::otlp::ExportResponse& response, AttemptOutcome* outcome);

}  // namespace hoptrace::sdk::exporters::otlp
