#pragma once
// hoptrace's own C++ SDK as a client of `hoptrace serve`: records one trace of the same shape as
// cli/tests/interop/send_trace.mjs and exports it with the SDK's OTLP exporter.

#include <ostream>

#include "hoptrace/sdk/exporters/otlp/otlp_exporter.h"
#include "sent_trace.h"
#include "serve_process.h"

namespace hoptrace::cli::e2e {

struct CppExporter {
  sdk::exporters::otlp::OtlpProtocol protocol;
  const char* name;
  bool batch;  // BatchSpanProcessor, else SimpleSpanProcessor
  friend std::ostream& operator<<(std::ostream& out, const CppExporter& exporter) {
    return out << exporter.name;
  }
};

// Records the trace and exports it to `serve`; `sent` receives what the SDK recorded. Fails the test
// (fatally) when an export failed.
void SendCheckoutTrace(const CppExporter& exporter, const ServeProcess& serve, SentTrace* sent);

}  // namespace hoptrace::cli::e2e
