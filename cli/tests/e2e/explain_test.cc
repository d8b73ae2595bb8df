// `hoptrace explain` as a user runs it: a fixture trace with a known culprit is imported into a real
// `hoptrace serve` (`hoptrace import`), explained from the server by its ID and offline from the
// exported file, in each format; the first finding must name the culprit.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <fstream>

#include "hoptrace/otlp/json_convert.h"
#include "serve_fixture.h"
#include "trace_builder.h"

namespace hoptrace::cli::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using analysis::testing::TraceBuilder;

std::uint64_t NowUnixNano() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

// payments POST /pay (9 s) calls fraud-api POST /score, which takes 7.9 s of it; moved to end now.
struct SlowHopTrace {
  model::TraceBatch batch;
  model::TraceId trace_id;
  model::SpanId culprit;
};

// Moves a fixture trace's times so that it starts 10 s ago.
void MoveToNow(model::TraceBatch& batch) { analysis::testing::MoveTraceStart(batch, NowUnixNano() - 10'000'000'000ULL); }

SlowHopTrace MakeSlowHopTrace() {
  TraceBuilder trace(static_cast<std::uint64_t>(NowUnixNano()));
  const auto root = trace.Add("explain-payments", "POST /pay", 0, 0, 9000, model::SpanKind::kServer);
  const auto call = trace.Add("explain-payments", "POST /score", root, 500, 8500, model::SpanKind::kClient);
  const auto score = trace.Add("fraud-api", "POST /score", call, 550, 8450, model::SpanKind::kServer);
  trace.Attr(score, "url.full", std::string("http://fraud-api:8080/score"));
  SlowHopTrace out{trace.Build(), trace.trace_id(), TraceBuilder::SpanIdOf(score)};
  MoveToNow(out.batch);
  return out;
}

class ExplainTest : public ServeFixture {
 protected:
  // Writes the spans as an exported OTLP JSON file and imports it into the server.
  std::string ImportTrace(const model::TraceBatch& batch, const std::string& name) {
    const std::string file = (scratch() / name).string();
    std::ofstream(file) << otlp::ToJson(batch);
    const RunResult imported = Hoptrace({"import", file, "--otlp-endpoint", serve().OtlpHttpUrl()});
    EXPECT_EQ(imported.status.code, 0) << imported.err;
    return file;
  }
};

constexpr std::string_view kExpectedHeadline =
    "explain-payments → fraud-api POST /score took 7.9 s of 9.0 s (88 %) on the critical path; "
    "url.full=http://fraud-api:8080/score";

TEST_F(ExplainTest, FromTheServerTheFirstFindingNamesTheSlowHop) {
  const SlowHopTrace trace = MakeSlowHopTrace();
  ImportTrace(trace.batch, "slow-hop.json");
  const RunResult run = Hoptrace({"explain", trace.trace_id.ToHex(), "--server", QueryUrl(), "--format", "json"});
  ASSERT_EQ(run.status.code, 0) << run.err;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(run.out).get(root), simdjson::SUCCESS) << run.out;
  EXPECT_EQ(std::string_view(root["traceId"]), trace.trace_id.ToHex());
  EXPECT_EQ(std::int64_t(root["spanCount"]), 3);
  simdjson::dom::element first = root["findings"].at(0);
  EXPECT_EQ(std::string_view(first["kind"]), "critical_path");
  EXPECT_EQ(std::string_view(first["headline"]), kExpectedHeadline);
  EXPECT_EQ(std::string_view(first["evidence"].at(0)["spanId"]), trace.culprit.ToHex());
  EXPECT_EQ(std::uint64_t(first["explainedNanos"]), 7'900'000'000u);
}

TEST_F(ExplainTest, OfflineFromTheExportedFileAsTextAndMarkdown) {
  const SlowHopTrace trace = MakeSlowHopTrace();
  const std::string file = (scratch() / "offline.json").string();
  std::ofstream(file) << otlp::ToJson(trace.batch);

  const RunResult text = Hoptrace({"explain", file});
  ASSERT_EQ(text.status.code, 0) << text.err;
  EXPECT_THAT(text.out, StartsWith("trace " + trace.trace_id.ToHex() + "  3 spans  9.0 s"));
  EXPECT_THAT(text.out, HasSubstr("●     fraud-api POST /score"));  // on the path, indented under its caller
  EXPECT_THAT(text.out, HasSubstr("█"));
  EXPECT_THAT(text.out, HasSubstr(" 1. [critical_path] " + std::string(kExpectedHeadline) + "\n"));
  EXPECT_EQ(text.out.find('\033'), std::string::npos) << "no colour when stdout is not a terminal";

  const RunResult markdown = Hoptrace({"explain", file, "--format", "markdown"});
  ASSERT_EQ(markdown.status.code, 0) << markdown.err;
  EXPECT_THAT(markdown.out, StartsWith("# Trace " + trace.trace_id.ToHex() + "\n"));
  EXPECT_THAT(markdown.out, HasSubstr("1. **[critical_path]** " + std::string(kExpectedHeadline)));
  EXPECT_THAT(markdown.out, HasSubstr("## Waterfall\n\n```\n"));
}

// billing's server span names a parent that its trace lacks: the caller (explain-orders) put its
// span in another trace. explain finds it through the server's search.
TEST_F(ExplainTest, SplitTraceNamesTheCallerFoundOnTheServer) {
  TraceBuilder caller(NowUnixNano() + 1);
  const auto order = caller.Add("explain-orders", "POST /order", 0, 0, 400, model::SpanKind::kServer);
  const auto pay = caller.Add("explain-orders", "POST /pay", order, 50, 350, model::SpanKind::kClient);
  caller.Attr(pay, "peer.service", std::string("explain-billing"));
  TraceBuilder split(NowUnixNano() + 2);
  const auto served = split.Add("explain-billing", "POST /pay", pay, 60, 340, model::SpanKind::kServer);
  split.Add("explain-billing", "charge", served, 70, 330);
  model::TraceBatch both = caller.Build();
  for (auto& resource_spans : split.Build().resource_spans) both.resource_spans.push_back(std::move(resource_spans));
  MoveToNow(both);
  ImportTrace(both, "split.json");

  const RunResult run = Hoptrace({"explain", split.trace_id().ToHex(), "--server", QueryUrl()});
  ASSERT_EQ(run.status.code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr(" 1. [split_trace] split trace: explain-billing POST /pay (SERVER) was called by span " +
                                 TraceBuilder::SpanIdOf(pay).ToHex()));
  EXPECT_THAT(run.out, HasSubstr("likeliest caller: explain-orders POST /pay in trace " + caller.trace_id().ToHex() +
                                 " (its span ID is the missing parent"));
}

TEST_F(ExplainTest, BadInputIsOneClearErrorAndExitCode1) {
  const RunResult nonsense = Hoptrace({"explain", "not-a-trace"});
  EXPECT_EQ(nonsense.status.code, 1);
  EXPECT_THAT(nonsense.err, HasSubstr("'not-a-trace' is neither a file nor a trace ID"));

  const std::string garbage = (scratch() / "garbage.json").string();
  std::ofstream(garbage) << "{\"resourceSpans\": [ {";
  const RunResult unreadable = Hoptrace({"explain", garbage});
  EXPECT_EQ(unreadable.status.code, 1);
  EXPECT_THAT(unreadable.err, HasSubstr(garbage + ": "));

  const RunResult missing = Hoptrace({"explain", std::string(32, 'f'), "--server", QueryUrl()});
  EXPECT_EQ(missing.status.code, 1);
  EXPECT_THAT(missing.err, HasSubstr("not found"));
}

}  // namespace
}  // namespace hoptrace::cli::e2e
