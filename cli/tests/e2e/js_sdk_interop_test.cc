// The OpenTelemetry JavaScript SDK (npm, cli/tests/interop) sends a trace to `hoptrace serve` with each
// of its OTLP exporters; the trace read back through the Jaeger API and as OTLP JSON must be exactly
// what the SDK says it sent.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "child_process.h"
#include "sent_trace.h"
#include "serve_fixture.h"
#include "trace_checks.h"

namespace hoptrace::cli::e2e {
namespace {

const std::filesystem::path kInteropDir = HOPTRACE_INTEROP_DIR;

struct JsExporter {
  std::string kind;         // --exporter of send_trace.mjs
  std::string processor;    // simple | batch
  std::string compression;  // none | gzip
  // e.g. "grpc_batch_gzip": the test's name and, unique per test, the service's.
  std::string Name() const {
    std::string name = kind + "_" + processor + "_" + compression;
    for (char& c : name) {
      if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    }
    return name;
  }
  friend std::ostream& operator<<(std::ostream& out, const JsExporter& e) {
    return out << e.kind << " " << e.processor << " " << e.compression;
  }
};

class JsSdkInteropTest : public ServeFixture, public ::testing::WithParamInterface<JsExporter> {};

TEST_P(JsSdkInteropTest, TraceReadsBackExactlyAsSent) {
  const auto node = FindOnPath("node");
  if (!node) {
    constexpr std::string_view kNoNode =
        "node is not installed: run scripts/setup.sh (it installs Node.js and the SDK)";
    if (std::getenv("CI") != nullptr) FAIL() << kNoNode << "; CI runs setup.sh, so there it is an error";
    GTEST_SKIP() << kNoNode;
  }
  ASSERT_TRUE(std::filesystem::exists(kInteropDir / "node_modules" / "@opentelemetry" / "sdk-trace-base"))
      << "the OpenTelemetry JS SDK is not installed in " << kInteropDir << ": run scripts/setup.sh";

  const JsExporter& exporter = GetParam();
  const std::string endpoint = exporter.kind == "grpc" ? serve().OtlpGrpcUrl() : serve().OtlpHttpUrl();
  const RunResult run =
      RunToCompletion({node->string(), (kInteropDir / "send_trace.mjs").string(), "--exporter", exporter.kind,
                       "--endpoint", endpoint, "--service", "js-interop-" + exporter.Name(), "--processor",
                       exporter.processor, "--compression", exporter.compression},
                      scratch(), std::chrono::seconds(90));
  ASSERT_FALSE(run.timed_out) << "send_trace.mjs did not finish\n" << run.err;
  ASSERT_TRUE(run.status.Succeeded()) << "send_trace.mjs: " << run.status.Describe()
                                      << "\nstdout: " << run.out << "\nstderr: " << run.err << "\n"
                                      << serve().Output();

  SentTrace sent;
  std::string error;
  ASSERT_TRUE(ParseNodeSentTrace(run.out, &sent, &error)) << error << "\n" << run.out;
  ExpectEveryFeature(sent);
  ExpectTraceReadBack(serve().ports().query, sent);
}

INSTANTIATE_TEST_SUITE_P(
    Exporters, JsSdkInteropTest,
    ::testing::Values(JsExporter{"http/json", "simple", "none"}, JsExporter{"http/protobuf", "batch", "none"},
                      JsExporter{"grpc", "batch", "none"}, JsExporter{"http/protobuf", "simple", "gzip"},
                      JsExporter{"grpc", "simple", "gzip"}),
    [](const ::testing::TestParamInfo<JsExporter>& parameter) { return parameter.param.Name(); });

}  // namespace
}  // namespace hoptrace::cli::e2e
