// One fixture trace per finding, each with a known right answer: the first finding is the right one
// and its headline names the right service and operation.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "hoptrace/analysis/diagnosis.h"
#include "hoptrace/analysis/diagnosis_json.h"
#include "hoptrace/metrics/cpu_time.h"
#include "trace_builder.h"

namespace hoptrace::analysis {
namespace {

using model::SpanKind;
using ::testing::HasSubstr;
using testing::TraceBuilder;

const Finding& First(const Diagnosis& diagnosis) {
  static const Finding kNone{};
  return diagnosis.findings.empty() ? kNone : diagnosis.findings.front();
}

std::string Headlines(const Diagnosis& diagnosis) {
  std::string all;
  for (const Finding& finding : diagnosis.findings) all += std::string(FindingKindName(finding.kind)) + ": " + finding.headline + "\n";
  return all;
}

const Finding* FindKind(const Diagnosis& diagnosis, FindingKind kind) {
  for (const Finding& finding : diagnosis.findings) {
    if (finding.kind == kind) return &finding;
  }
  return nullptr;
}

model::SpanId EvidenceSpan(const Diagnosis& diagnosis, const Finding& finding, std::size_t i = 0) {
  return diagnosis.view.node(finding.evidence.at(i).node).span->span_id;
}

TEST(FindingsTest, SlowDownstreamHopIsNamedWithItsCallerAndDecisiveAttribute) {
  TraceBuilder trace;
  const auto root = trace.Add("payments", "POST /pay", 0, 0, 9000, SpanKind::kServer);
  const auto call = trace.Add("payments", "POST /score", root, 500, 8500, SpanKind::kClient);
  const auto score = trace.Add("fraud-api", "POST /score", call, 550, 8450, SpanKind::kServer);
  trace.Attr(score, "url.full", std::string("http://fraud-api:8080/score?merchant=7"));
  const auto batch = trace.Build();
  const Diagnosis diagnosis = Diagnose(batch);
  const Finding& first = First(diagnosis);
  EXPECT_EQ(first.kind, FindingKind::kCriticalPath) << Headlines(diagnosis);
  EXPECT_EQ(first.headline,
            "payments → fraud-api POST /score took 7.9 s of 9.0 s (88 %) on the critical path; "
            "url.full=http://fraud-api:8080/score?merchant=7");
  EXPECT_EQ(EvidenceSpan(diagnosis, first), TraceBuilder::SpanIdOf(score));
  EXPECT_NEAR(first.share, 0.8778, 0.001);
}

TEST(FindingsTest, ClockSkewAcrossHostsIsAdjustedBeforeBlaming) {
  TraceBuilder trace;
  trace.Host("frontend", "host-a").Host("backend", "host-b");
  const auto root = trace.Add("frontend", "GET /home", 0, 0, 100, SpanKind::kServer);
  const auto call = trace.Add("frontend", "GET /data", root, 10, 90, SpanKind::kClient);
  const auto server = trace.Add("backend", "GET /data", call, 520, 590, SpanKind::kServer);  // its clock is 505 ms ahead
  const auto batch = trace.Build();
  const Diagnosis diagnosis = Diagnose(batch);
  // Unadjusted, the server span would start after the call ended and the call would be blamed.
  EXPECT_EQ(EvidenceSpan(diagnosis, First(diagnosis)), TraceBuilder::SpanIdOf(server)) << Headlines(diagnosis);
  EXPECT_THAT(First(diagnosis).headline, HasSubstr("frontend → backend GET /data took 70 ms of 100 ms (70 %)"));
  const Finding* skew = FindKind(diagnosis, FindingKind::kClockSkew);
  ASSERT_NE(skew, nullptr);
  EXPECT_THAT(skew->headline, HasSubstr("shifted by -505 ms"));
  EXPECT_THAT(skew->headline, HasSubstr("host-b and host-a"));
}

TEST(FindingsTest, AsyncConsumerIsNotBlamedForTheResponseTime) {
  TraceBuilder trace;
  const auto root = trace.Add("orders", "POST /orders", 0, 0, 100, SpanKind::kServer);
  const auto publish = trace.Add("orders", "publish order.created", root, 5, 10, SpanKind::kProducer);
  const auto consume = trace.Add("mailer", "process order.created", publish, 40, 900, SpanKind::kConsumer);
  const auto insert = trace.Add("orders", "INSERT orders", root, 12, 95, SpanKind::kClient);
  trace.Attr(insert, "db.system", std::string("postgresql"))
      .Attr(insert, "db.statement", std::string("INSERT INTO orders VALUES ($1, $2)"));
  const auto batch = trace.Build();
  const Diagnosis diagnosis = Diagnose(batch);
  const Finding& first = First(diagnosis);
  EXPECT_EQ(EvidenceSpan(diagnosis, first), TraceBuilder::SpanIdOf(insert)) << Headlines(diagnosis);
  EXPECT_THAT(first.headline, HasSubstr("orders → postgresql INSERT orders took 83 ms of 100 ms"));
  const Finding* async = FindKind(diagnosis, FindingKind::kAsyncAfterEnd);
  ASSERT_NE(async, nullptr);
  EXPECT_EQ(EvidenceSpan(diagnosis, *async), TraceBuilder::SpanIdOf(consume));
  EXPECT_THAT(async->headline, HasSubstr("orders → mailer process order.created ran asynchronously until 800 ms after"));
}

TEST(FindingsTest, FiftyThousandSpanTraceNamesTheOneSlowWriteQuickly) {
  std::uint64_t culprit = 0;
  const model::TraceBatch batch = testing::LargeTrace(50'000, &culprit);
  ASSERT_EQ(batch.SpanCount(), 50'000u);
  const double cpu_start = metrics::ThreadCpuSeconds();
  const Diagnosis diagnosis = Diagnose(batch);
  const double cpu_seconds = metrics::ThreadCpuSeconds() - cpu_start;
  EXPECT_EQ(EvidenceSpan(diagnosis, First(diagnosis)), TraceBuilder::SpanIdOf(culprit)) << Headlines(diagnosis);
  EXPECT_THAT(First(diagnosis).headline, HasSubstr("worker → ledger slow-write took 5.0 s of 7.0 s (71 %)"));
  // The 50 ms budget is for an optimised build (bench/analysis_bench.cc); this bound catches a
  // quadratic step even in a debug or sanitizer build (which would take minutes). CPU time, not wall
  // time: under ctest -j on a loaded machine the thread may wait for a core longer than it runs.
  EXPECT_LT(cpu_seconds, 5.0);
}

TEST(FindingsTest, OrphanIsReportedFirstWithItsLikelyCaller) {
  TraceBuilder trace;
  const auto root = trace.Add("checkout", "POST /checkout", 0, 0, 300, SpanKind::kServer);
  const auto call = trace.Add("checkout", "GET /stock", root, 20, 280, SpanKind::kClient);
  trace.Attr(call, "peer.service", std::string("inventory"));
  const auto orphan = trace.Add("inventory", "GET /stock", 4242, 30, 270, SpanKind::kServer);  // parent never sent
  const auto batch = trace.Build();
  const Diagnosis diagnosis = Diagnose(batch);
  const Finding& first = First(diagnosis);
  EXPECT_EQ(first.kind, FindingKind::kOrphans) << Headlines(diagnosis);
  EXPECT_THAT(first.headline, HasSubstr("1 span(s) of inventory (GET /stock) name parent 0000000000001092"));
  EXPECT_THAT(first.headline, HasSubstr("likely caller: checkout → inventory GET /stock"));
  EXPECT_EQ(EvidenceSpan(diagnosis, first, 0), TraceBuilder::SpanIdOf(call));
  EXPECT_EQ(EvidenceSpan(diagnosis, first, 1), TraceBuilder::SpanIdOf(orphan));
}

// Answers a split trace's search with two traces: one holding the real caller, one decoy.
class TwoTraceSource : public ParentTraceSource {
 public:
  std::vector<model::TraceBatch> FindCandidates(const ParentSearch& search) override {
    searches.push_back(search);
    TraceBuilder caller(2);
    const auto root = caller.Add("checkout", "POST /checkout", 0, -50, 400, SpanKind::kServer);
    const auto call = caller.Add("checkout", "POST /pay", root, -10, 330, SpanKind::kClient);
    caller.Attr(call, "peer.service", std::string("payments")).Attr(call, "http.route", std::string("/pay"));
    TraceBuilder decoy(3);
    const auto other = decoy.Add("search", "GET /q", 0, 0, 400, SpanKind::kServer);
    const auto other_call = decoy.Add("search", "GET /index", other, 1, 399, SpanKind::kClient);
    decoy.Attr(other_call, "peer.service", std::string("index"));
    return {decoy.Build(), caller.Build()};
  }
  std::vector<ParentSearch> searches;
};

TEST(FindingsTest, SplitTraceIsReportedWithTheCandidateParentFromTheSource) {
  TraceBuilder trace;
  const auto top = trace.Add("payments", "POST /pay", 777, 0, 300, SpanKind::kServer);
  trace.Attr(top, "http.route", std::string("/pay"));
  trace.span(top).flags = model::kSpanFlagHasIsRemote | model::kSpanFlagIsRemote;
  trace.Add("payments", "charge card", top, 10, 290);
  const auto batch = trace.Build();
  TwoTraceSource source;
  const Diagnosis diagnosis = Diagnose(batch, {.parent_source = &source});
  const Finding& first = First(diagnosis);
  EXPECT_EQ(first.kind, FindingKind::kSplitTrace) << Headlines(diagnosis);
  EXPECT_THAT(first.headline, HasSubstr("split trace: payments POST /pay (SERVER) was called by span 0000000000000309"));
  EXPECT_THAT(first.headline, HasSubstr("likeliest caller: checkout POST /pay in trace"));
  ASSERT_EQ(source.searches.size(), 1u);
  EXPECT_EQ(source.searches[0].service, "payments");
  EXPECT_EQ(source.searches[0].window_end_unix_nano, testing::kTraceStart + 300 * testing::kMs);
  ASSERT_FALSE(diagnosis.candidate_parents.empty());
  EXPECT_EQ(diagnosis.candidate_parents[0].span_id, TraceBuilder::SpanIdOf(2));
  EXPECT_EQ(diagnosis.candidate_parents[0].trace_id, TraceBuilder(2).trace_id());
  EXPECT_EQ(diagnosis.candidate_parents.size(), 1u) << "the decoy matches no peer attribute";
  EXPECT_EQ(FindKind(diagnosis, FindingKind::kOrphans), nullptr) << "the split top is not also an orphan";
}

TEST(FindingsTest, NPlusOneQueriesUnderOneParent) {
  TraceBuilder trace;
  const auto root = trace.Add("orders", "GET /orders", 0, 0, 500, SpanKind::kServer);
  for (int i = 0; i < 50; ++i) {
    const auto query = trace.Add("orders", "SELECT items", root, 50 + 8 * i, 58 + 8 * i, SpanKind::kClient);
    trace.Attr(query, "db.system", std::string("postgresql"))
        .Attr(query, "db.statement", "SELECT * FROM items WHERE order_id = " + std::to_string(1000 + i) + " AND state = 'open'");
  }
  const auto batch = trace.Build();
  const Diagnosis diagnosis = Diagnose(batch);
  const Finding& first = First(diagnosis);
  EXPECT_EQ(first.kind, FindingKind::kNPlusOne) << Headlines(diagnosis);
  EXPECT_THAT(first.headline, HasSubstr("orders GET /orders made 50 similar queries (N+1) to postgresql SELECT items"));
  EXPECT_THAT(first.headline, HasSubstr("400 ms (80 %) on the critical path"));
  EXPECT_THAT(first.headline, HasSubstr("select * from items where order_id = ? and state = ?"));
  EXPECT_EQ(first.explained_nanos, 400 * testing::kMs);
}

TEST(FindingsTest, SecretInAnAttributeComesFirstAndIsNotRepeated) {
  TraceBuilder trace;
  const auto root = trace.Add("checkout", "POST /pay", 0, 0, 100, SpanKind::kServer);
  const auto call = trace.Add("checkout", "POST /charge", root, 10, 90, SpanKind::kClient);
  trace.Attr(call, "http.request.header.authorization", std::string("Bearer abcdef0123456789abcdef"));
  trace.Attr(call, "url.full", std::string("https://psp/charge"));
  const auto batch = trace.Build();
  const Diagnosis diagnosis = Diagnose(batch);
  const Finding& first = First(diagnosis);
  EXPECT_EQ(first.kind, FindingKind::kSecret) << Headlines(diagnosis);
  EXPECT_THAT(first.headline, HasSubstr("checkout POST /charge carries a credential in attribute "
                                        "http.request.header.authorization (bearer token)"));
  EXPECT_EQ(EvidenceSpan(diagnosis, first), TraceBuilder::SpanIdOf(call));
  EXPECT_EQ(DiagnosisToJson(diagnosis).find("abcdef0123456789"), std::string::npos) << "never echo the secret";
}

TEST(FindingsTest, ErrorOriginIsTheDeepestFailureAndCallersOnlyPassedItUp) {
  TraceBuilder trace;
  const auto root = trace.Add("web", "POST /buy", 0, 0, 2100, SpanKind::kServer);
  const auto call = trace.Add("web", "POST /reserve", root, 10, 2090, SpanKind::kClient);
  const auto server = trace.Add("stock", "POST /reserve", call, 20, 2080, SpanKind::kServer);
  const auto lock = trace.Add("stock", "acquire lock", server, 30, 2030);
  trace.Add("stock", "read cache", server, 2031, 2040);
  trace.Fail(root).Fail(call).Fail(server).Fail(lock, "lock wait timeout after 2 s");
  const auto batch = trace.Build();
  const Diagnosis diagnosis = Diagnose(batch);
  const Finding* origin = FindKind(diagnosis, FindingKind::kErrorOrigin);
  ASSERT_NE(origin, nullptr) << Headlines(diagnosis);
  EXPECT_EQ(EvidenceSpan(diagnosis, *origin), TraceBuilder::SpanIdOf(lock));
  EXPECT_THAT(origin->headline, HasSubstr("stock acquire lock is where the error started (lock wait timeout after 2 s)"));
  EXPECT_THAT(origin->headline, HasSubstr("3 caller(s) only passed it up, up to web POST /buy"));
  ASSERT_EQ(origin->evidence.size(), 4u);
  EXPECT_EQ(origin->evidence[1].note, "passed the error up");
  // The lock wait is also the slowest span: both findings name it, the critical path first.
  EXPECT_EQ(EvidenceSpan(diagnosis, First(diagnosis)), TraceBuilder::SpanIdOf(lock));
  EXPECT_EQ(diagnosis.findings[1].kind, FindingKind::kErrorOrigin);
}

TEST(FindingsTest, SerialCallsToDifferentServicesAreAStaircase) {
  TraceBuilder trace;
  const auto root = trace.Add("checkout", "POST /checkout", 0, 0, 320, SpanKind::kServer);
  const char* services[] = {"inventory", "pricing", "shipping"};
  for (int i = 0; i < 3; ++i) {
    const auto call = trace.Add("checkout", std::string("GET /") + services[i], root, 10 + 100 * i, 100 + 100 * i,
                                SpanKind::kClient);
    trace.Add(services[i], std::string("GET /") + services[i], call, 12 + 100 * i, 98 + 100 * i, SpanKind::kServer);
  }
  const auto batch = trace.Build();
  const Diagnosis diagnosis = Diagnose(batch);
  const Finding& first = First(diagnosis);
  EXPECT_EQ(first.kind, FindingKind::kSerialCalls) << Headlines(diagnosis);
  EXPECT_EQ(first.headline,
            "checkout POST /checkout calls inventory GET /inventory, pricing GET /pricing, shipping GET /shipping one "
            "after another (270 ms); in parallel they would take 90 ms, saving 180 ms (56 %)");
}

TEST(FindingsTest, GapInsideAServiceIsLocatedAndSized) {
  TraceBuilder trace;
  const auto root = trace.Add("reports", "GET /report", 0, 0, 1000, SpanKind::kServer);
  trace.Add("reports", "load rows", root, 0, 100);
  trace.Add("reports", "write pdf", root, 900, 1000);
  const auto batch = trace.Build();
  const Diagnosis diagnosis = Diagnose(batch);
  const Finding* gap = FindKind(diagnosis, FindingKind::kGap);
  ASSERT_NE(gap, nullptr) << Headlines(diagnosis);
  EXPECT_EQ(gap->headline,
            "reports GET /report ran 800 ms with no child span (80 % of the trace, +100 ms to +900 ms): untraced work "
            "inside reports");
  EXPECT_EQ(First(diagnosis).kind, FindingKind::kCriticalPath);
  EXPECT_THAT(First(diagnosis).headline, HasSubstr("reports GET /report took 800 ms of 1.0 s (80 %) on the critical path, in its own code"));
}

TEST(FindingsTest, AttributeHygiene) {
  TraceBuilder trace;
  const auto root = trace.Add("api", "GET /users/{id}", 0, 0, 100, SpanKind::kServer);
  trace.Attr(root, "http.request.method", std::string("GET"));  // no route, no status
  const auto query = trace.Add("api", "SELECT", root, 10, 20, SpanKind::kClient);
  trace.Attr(query, "db.system", std::string("mysql"));
  const auto bare = trace.Add("api", "work", root, 30, 40);
  const auto big = trace.Add("api", "render", root, 50, 60);
  trace.Attr(big, "template.body", std::string(10'000, 'x'));
  const auto flood_parent = trace.Add("api", "warm cache", root, 60, 99);
  trace.Attr(flood_parent, "cache.name", std::string("users"));
  for (int i = 0; i < 120; ++i) trace.Attr(trace.Add("api", "cache SET", flood_parent, 61 + 0.3 * i, 61.1 + 0.3 * i), "k", std::int64_t{i});
  const auto batch = trace.Build();
  const Diagnosis diagnosis = Diagnose(batch);
  std::vector<std::string> hygiene;
  for (const Finding& finding : diagnosis.findings) {
    if (finding.kind == FindingKind::kMissingAttributes || finding.kind == FindingKind::kOversizedAttribute ||
        finding.kind == FindingKind::kTinySpanFlood) {
      hygiene.push_back(finding.headline);
    }
  }
  const std::string all = Headlines(diagnosis);
  EXPECT_THAT(all, HasSubstr("1 span(s) carry no attributes at all: nothing says what they did, e.g. api work"));
  EXPECT_THAT(all, HasSubstr("1 span(s) call a database without db.query.text or db.statement, e.g. api → mysql SELECT"));
  EXPECT_THAT(all, HasSubstr("1 span(s) are HTTP spans without their method, route/URL or status, e.g. api GET /users/{id}"));
  EXPECT_THAT(all, HasSubstr("api render carries template.body of 10000 bytes (limit 4096)"));
  EXPECT_THAT(all, HasSubstr("api warm cache has 120 child spans shorter than 1.0 ms"));
  EXPECT_EQ(hygiene.size(), 5u) << all;
  const Finding* http = nullptr;
  for (const Finding& finding : diagnosis.findings) {
    if (finding.headline.find("HTTP spans") != std::string::npos) http = &finding;
  }
  ASSERT_NE(http, nullptr);
  EXPECT_EQ(http->evidence[0].note, "HTTP span without route, status");
  (void)bare;
}

TEST(FindingsTest, EmptyAndSingleSpanTraces) {
  const Diagnosis empty = Diagnose(model::TraceBatch{});
  EXPECT_TRUE(empty.findings.empty());
  EXPECT_EQ(DiagnosisToJson(empty).substr(0, 30), R"({"traceId":"","spanCount":0,"d)");
  TraceBuilder trace;
  trace.Add("solo", "tick", 0, 0, 5);
  const auto batch = trace.Build();
  const Diagnosis single = Diagnose(batch);
  EXPECT_THAT(First(single).headline, HasSubstr("solo tick took 5.0 ms of 5.0 ms (100 %)"));
}

}  // namespace
}  // namespace hoptrace::analysis
