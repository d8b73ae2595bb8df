// `hoptrace hotspots` as a user runs it: 200 fixture traces (every 50th waits 2 s for fraud-api,
// and those are all eu-west) imported into a real `hoptrace serve`, then the aggregate read back in
// each format through GET /api/v2/hotspots.

#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <fstream>

#include "hoptrace/otlp/json_convert.h"
#include "serve_fixture.h"
#include "trace_builder.h"

namespace hoptrace::cli::e2e {
namespace {

class HotspotsTest : public ServeFixture {
 protected:
  // The fixture traces, started a minute ago, as OTLP JSON lines imported into the server.
  void ImportCheckoutTraces() {
    const auto now = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
    const std::string file = (scratch() / "checkout.jsonl").string();
    std::ofstream out(file);
    for (std::uint64_t i = 1; i <= 200; ++i) {
      const bool slow = i % 50 == 0;
      model::TraceBatch trace = analysis::testing::CheckoutTrace(now + i, slow, slow || i % 5 == 1 ? "eu-west" : "us-east");
      analysis::testing::MoveTraceStart(trace, now - 60'000'000'000ULL + i * 1'000'000);
      out << otlp::ToJson(trace) << "\n";
    }
    out.close();
    const RunResult imported = Hoptrace({"import", file, "--otlp-endpoint", serve().OtlpHttpUrl()});
    ASSERT_EQ(imported.status.code, 0) << imported.err;
  }
};

TEST_F(HotspotsTest, NamesTheSlowHopAtP99AndTheRegionOfTheSlowTraces) {
  ImportCheckoutTraces();
  const RunResult text = Hoptrace({"hotspots", "--service", "checkout", "--operation", "POST /checkout", "--since", "5m",
                                   "--server", QueryUrl()});
  ASSERT_EQ(text.status.code, 0) << text.err;
  EXPECT_NE(text.out.find("Hotspots of checkout POST /checkout\n  200 traces;"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("  1  fraud-api  POST /score"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("span.region  eu-west"), std::string::npos) << text.out;

  const RunResult json = Hoptrace({"hotspots", "--service", "checkout", "--slow-threshold", "1s", "--format", "json",
                                   "--server", QueryUrl()});
  ASSERT_EQ(json.status.code, 0) << json.err;
  simdjson::dom::parser parser;
  simdjson::dom::element report;
  ASSERT_EQ(parser.parse(json.out).get(report), simdjson::SUCCESS) << json.out;
  EXPECT_EQ(report["traces"].get_uint64().value(), 200u);
  EXPECT_EQ(report["comparison"]["selectionTraces"].get_uint64().value(), 4u);
  EXPECT_EQ(report["comparison"]["attributes"].at(0)["value"].get_string().value(), "eu-west");

  const RunResult markdown = Hoptrace({"hotspots", "--service", "payments", "--failed", "--format", "markdown",
                                       "--server", QueryUrl()});
  ASSERT_EQ(markdown.status.code, 0) << markdown.err;
  EXPECT_NE(markdown.out.find("# Hotspots of payments\n"), std::string::npos) << markdown.out;
  EXPECT_NE(markdown.out.find("Failed traces (an error span): 0 against the other 200 traces"), std::string::npos)
      << markdown.out;

  const RunResult earlier = Hoptrace({"hotspots", "--service", "checkout", "--since", "2h", "--until", "1h", "--server", QueryUrl()});
  ASSERT_EQ(earlier.status.code, 0) << earlier.err;
  EXPECT_NE(earlier.out.find("No trace of checkout in the time range."), std::string::npos) << earlier.out;
}

TEST_F(HotspotsTest, BadArgumentsAndServerErrorsAreClearMessages) {
  RunResult result = Hoptrace({"hotspots", "--service", "checkout", "--since", "soon", "--server", QueryUrl()});
  EXPECT_EQ(result.status.code, 1);
  EXPECT_NE(result.err.find("--since must be a positive duration"), std::string::npos) << result.err;
  result = Hoptrace({"hotspots", "--service", "checkout", "--slow-threshold", "fast", "--server", QueryUrl()});
  EXPECT_EQ(result.status.code, 1);
  EXPECT_NE(result.err.find("invalid slow \"fast\""), std::string::npos) << result.err;  // the server's 400
  result = Hoptrace({"hotspots", "--operation", "x"});
  EXPECT_NE(result.status.code, 0);
  EXPECT_NE(result.err.find("--service is required"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace hoptrace::cli::e2e
