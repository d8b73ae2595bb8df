// `hoptrace hotspots` output: the endpoint's JSON read back into the report (every field) and
// rendered as text and markdown.

#include <gtest/gtest.h>

#include "hoptrace/analysis/hotspots.h"
#include "hotspots_command.h"
#include "trace_builder.h"

namespace hoptrace::cli {
namespace {

analysis::HotspotReport FixtureReport() {
  analysis::HotspotAggregator aggregator({.service = "checkout", .slow_percentile = 98});
  for (std::uint64_t i = 1; i <= 200; ++i) {
    const bool slow = i % 50 == 0;
    aggregator.Add(analysis::testing::CheckoutTrace(i, slow, slow ? "eu-west" : "us-east"));
  }
  return std::move(aggregator).Finish();
}

TEST(HotspotsRenderTest, JsonReadsBackIntoTheSameReport) {
  const analysis::HotspotReport report = FixtureReport();
  const std::string json = analysis::HotspotReportToJson(report);
  analysis::HotspotReport parsed;
  std::string error;
  ASSERT_TRUE(ParseHotspotReport(json, &parsed, &error)) << error;
  EXPECT_EQ(analysis::HotspotReportToJson(parsed), json);  // nothing lost (fractions at JSON's 4 digits)
  EXPECT_FALSE(ParseHotspotReport(R"({"service":"x"})", &parsed, &error));
  EXPECT_FALSE(ParseHotspotReport("not json", &parsed, &error));
}

TEST(HotspotsRenderTest, TextAndMarkdownNameTheHotspotsAndTheOverRepresentedValue) {
  analysis::HotspotReport report;
  std::string error;
  ASSERT_TRUE(ParseHotspotReport(analysis::HotspotReportToJson(FixtureReport()), &report, &error)) << error;
  const std::string text = RenderHotspots(report, HotspotsFormat::kText);
  EXPECT_NE(text.find("Hotspots of checkout\n  200 traces;"), std::string::npos) << text;
  EXPECT_NE(text.find("  1  fraud-api  POST /score"), std::string::npos) << text;
  EXPECT_NE(text.find("Slow traces (latency ≥ 2.1 s: the slowest 2 %): 4 against the other 196 traces"), std::string::npos) << text;
  EXPECT_NE(text.find("span.region  eu-west  100 % (4)"), std::string::npos) << text;
  const std::string markdown = RenderHotspots(report, HotspotsFormat::kMarkdown);
  EXPECT_NE(markdown.find("# Hotspots of checkout\n"), std::string::npos) << markdown;
  EXPECT_NE(markdown.find("| 1 | fraud-api | POST /score    |"), std::string::npos) << markdown;
  EXPECT_NE(markdown.find("| span.region | eu-west | 100 % (4) |"), std::string::npos) << markdown;
}

}  // namespace
}  // namespace hoptrace::cli
