// Issue #4's scale-out test: three samplers and two routers as separate `hoptrace serve` processes on
// loopback. The spans of each trace are sent half through one router and half through the other; each
// trace must be stored whole in exactly one sampler. Then one sampler stops: the routers keep
// acknowledging, and every trace sent after that is whole in one of the two left.
// The samplers are `hoptrace serve` with tail sampling on (always_sample, so every trace is kept and
// a split trace would show): a trace is stored only when its sampler decided it, whole or not.

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "child_process.h"
#include "hoptrace/otlp/proto_convert.h"
#include "serve_process.h"
#include "test_client.h"
#include "trace_checks.h"

namespace hoptrace::cli::e2e {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kSpansPerTrace = 6;

// One trace: a root and five children, of one service.
std::vector<model::Span> MakeTrace(std::mt19937_64& random, std::uint64_t start) {
  std::vector<model::Span> spans(kSpansPerTrace);
  const auto trace_id = model::TraceId::FromHighLow(random(), random() | 1);
  for (std::size_t i = 0; i < spans.size(); ++i) {
    model::Span& span = spans[i];
    span.trace_id = trace_id;
    span.span_id = model::SpanId::FromHighLow(0, random() | 1);
    if (i > 0) span.parent_span_id = spans[0].span_id;
    span.name = i == 0 ? "GET /checkout" : "step " + std::to_string(i);
    span.kind = i == 0 ? model::SpanKind::kServer : model::SpanKind::kInternal;
    span.start_time_unix_nano = start + i * 1'000'000;
    span.end_time_unix_nano = start + 50'000'000;
  }
  return spans;
}

std::string OtlpRequest(const std::vector<model::Span>& spans) {
  model::TraceBatch batch;
  auto& resource = batch.resource_spans.emplace_back();
  resource.resource.attributes.push_back({std::string(model::kServiceNameKey), std::string("router-e2e")});
  auto& scope = resource.scope_spans.emplace_back();
  scope.scope.name = "router_e2e_test";
  scope.spans = spans;
  return otlp::SerializeExportRequest(batch);
}

// POST /v1/traces (protobuf) to a router; the HTTP status.
unsigned Post(const ServeProcess& router, const std::vector<model::Span>& spans) {
  const auto answer = http::testing::Fetch(router.ports().otlp_http, "POST", "/v1/traces", OtlpRequest(spans),
                                           {{"Content-Type", "application/x-protobuf"}});
  return answer ? answer->status : 0;
}

// Spans of the trace stored by a sampler right now (0 when it has none).
std::size_t StoredSpans(const ServeProcess& sampler, const model::TraceId& trace_id) {
  const auto answer = http::testing::Fetch(sampler.ports().query, "GET", "/api/v2/traces/" + trace_id.ToHex());
  if (!answer || answer->status != 200) return 0;
  const auto ids = OtlpSpanIds(answer->body);
  return ids ? ids->size() : 0;
}

// Decided 1 s after the root arrived with nothing since (the test sends a trace's halves back to back).
const std::string kSamplerConfig = R"(tail_sampling:
  decision_wait: 5s
  idle_after_root: 1s
  policies:
    - {name: everything, type: always_sample}
)";

class RouterE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto config = WriteServeConfig(temp_.path(), kSamplerConfig, "sampler.yaml");
    for (int i = 0; i < 3; ++i) {
      samplers_.push_back(std::make_unique<ServeProcess>(temp_.path() / ("sampler" + std::to_string(i)),
                                                         std::vector<std::string>{"--config", config.string()}));
      std::string error;
      ASSERT_TRUE(samplers_.back()->Start(&error)) << error;
    }
    std::string nodes;
    for (const auto& sampler : samplers_) {
      nodes += (nodes.empty() ? "" : ",") + std::string("127.0.0.1:") + std::to_string(sampler->ports().otlp_grpc);
    }
    for (int i = 0; i < 2; ++i) {
      routers_.push_back(std::make_unique<ServeProcess>(temp_.path() / ("router" + std::to_string(i)),
                                                        std::vector<std::string>{"--role", "router", "--route-to", nodes}));
      std::string error;
      ASSERT_TRUE(routers_.back()->Start(&error)) << error;
    }
  }

  void TearDown() override {
    for (auto& process : routers_) ExpectCleanStop(*process);
    for (auto& process : samplers_) ExpectCleanStop(*process);
  }

  static void ExpectCleanStop(ServeProcess& process) {
    const auto status = process.Terminate();
    if (!status) return;  // already stopped by the test
    EXPECT_TRUE(status->Succeeded()) << status->Describe() << "\n" << process.Output();
  }

  // Sends `count` traces, the first half of each trace's spans through router 0, the rest through
  // router 1; every POST must be acknowledged.
  std::vector<std::vector<model::Span>> SendTraces(std::size_t count) {
    std::vector<std::vector<model::Span>> traces;
    for (std::size_t t = 0; t < count; ++t) {
      auto trace = MakeTrace(random_, 1'700'000'000'000'000'000ULL + t * 1'000'000'000ULL);
      const std::vector<model::Span> first(trace.begin(), trace.begin() + kSpansPerTrace / 2);
      const std::vector<model::Span> second(trace.begin() + kSpansPerTrace / 2, trace.end());
      EXPECT_EQ(Post(*routers_[0], first), 200u) << routers_[0]->Output();
      EXPECT_EQ(Post(*routers_[1], second), 200u) << routers_[1]->Output();
      traces.push_back(std::move(trace));
    }
    return traces;
  }

  // Each trace is whole in exactly one of the running samplers; `per_sampler` counts the traces of each.
  void ExpectEachTraceWholeInOneSampler(const std::vector<std::vector<model::Span>>& traces,
                                        const std::vector<bool>& running, std::vector<std::size_t>* per_sampler) {
    per_sampler->assign(samplers_.size(), 0);
    for (const auto& trace : traces) {
      const model::TraceId& id = trace[0].trace_id;
      std::size_t holder = samplers_.size();
      PollUntil(
          [&] {
            for (std::size_t s = 0; s < samplers_.size(); ++s) {
              if (running[s] && StoredSpans(*samplers_[s], id) == trace.size()) holder = s;
            }
            return holder < samplers_.size();
          },
          15s, 50ms);
      ASSERT_LT(holder, samplers_.size()) << "trace " << id.ToHex() << " is whole in no sampler";
      ++(*per_sampler)[holder];
      for (std::size_t s = 0; s < samplers_.size(); ++s) {
        if (s != holder && running[s]) {
          EXPECT_EQ(StoredSpans(*samplers_[s], id), 0u) << "sampler " << s;
        }
      }
    }
  }

  TempDir temp_;
  std::mt19937_64 random_{20261125};
  std::vector<std::unique_ptr<ServeProcess>> samplers_;
  std::vector<std::unique_ptr<ServeProcess>> routers_;
};

TEST_F(RouterE2eTest, TracesSentThroughTwoRoutersMeetInOneSamplerAndSurviveASamplerStop) {
  const auto before = SendTraces(30);
  std::vector<std::size_t> per_sampler;
  ExpectEachTraceWholeInOneSampler(before, {true, true, true}, &per_sampler);
  for (std::size_t s = 0; s < per_sampler.size(); ++s) EXPECT_GT(per_sampler[s], 0u) << "sampler " << s << " got no trace";

  const auto stopped = samplers_[1]->Terminate();
  ASSERT_TRUE(stopped && stopped->Succeeded());
  const auto after = SendTraces(30);
  ExpectEachTraceWholeInOneSampler(after, {true, false, true}, &per_sampler);
  EXPECT_EQ(per_sampler[0] + per_sampler[2], after.size());
  const auto metrics = http::testing::Fetch(routers_[0]->ports().query, "GET", "/metrics");
  ASSERT_TRUE(metrics.has_value());
  EXPECT_NE(metrics->body.find("hoptrace_router_node_healthy{node=\"127.0.0.1:" +
                               std::to_string(samplers_[1]->ports().otlp_grpc) + "\"} 0"),
            std::string::npos)
      << metrics->body;
}

// --route-dns: every address of the name is a node. "localhost" may also resolve to ::1, where
// nothing listens: that node is found down and its traces go to 127.0.0.1, so all are stored.
TEST(RouterDnsE2eTest, ADnsNameResolvesToTheNodes) {
  TempDir temp;
  ServeProcess sampler(temp.path() / "sampler");
  std::string error;
  ASSERT_TRUE(sampler.Start(&error)) << error;
  // Configured by file, as a deployment would: every router flag is also a YAML key.
  const auto config = WriteServeConfig(temp.path(), "role: router\nroute-dns: localhost:" +
                                                        std::to_string(sampler.ports().otlp_grpc) +
                                                        "\nroute-dns-interval: 1s\n",
                                       "router.yaml");
  ServeProcess router(temp.path() / "router", {"--config", config.string()});
  ASSERT_TRUE(router.Start(&error)) << error;
  std::mt19937_64 random(7);
  for (int t = 0; t < 5; ++t) {
    const auto trace = MakeTrace(random, 1'700'000'000'000'000'000ULL);
    ASSERT_EQ(Post(router, trace), 200u) << router.Output();
    EXPECT_EQ(FetchOtlpTrace(sampler.ports().query, trace[0].trace_id, trace.size()).attempts, 1);
    EXPECT_EQ(StoredSpans(sampler, trace[0].trace_id), trace.size());
  }
  const auto router_stop = router.Terminate();
  EXPECT_TRUE(router_stop && router_stop->Succeeded()) << router.Output();
  const auto sampler_stop = sampler.Terminate();
  EXPECT_TRUE(sampler_stop && sampler_stop->Succeeded()) << sampler.Output();
}

// A router without nodes, or with a node that is not host:port, does not start: exit code 2 and
// one line saying why.
TEST(RouterFlagsE2eTest, MissingOrMalformedNodesAreRefused) {
  TempDir temp;
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--role", "router"}, "exactly one of --route-to"},
      {{"--role", "router", "--route-to", "127.0.0.1"}, "'127.0.0.1' is not host:port"},
      {{"--role", "router", "--route-dns", "localhost:1", "--route-dns-interval", "soon"}, "--route-dns-interval"},
      {{"--role", "router", "--route-to", "127.0.0.1:1", "--config",
        WriteServeConfig(temp.path(), kSamplerConfig, "sampler.yaml").string()},
       "put tail_sampling in the samplers' config"},
      {{"--config", WriteServeConfig(temp.path(), "role: relay\n", "relay.yaml").string()}, "role must be all or router"},
  };
  for (const auto& [flags, message] : cases) {
    auto argv = ServeCommand(temp.path() / "data");
    argv.insert(argv.end(), flags.begin(), flags.end());
    const RunResult run = RunToCompletion(argv, temp.path(), 30s);
    EXPECT_EQ(run.status.code, 2) << run.out << run.err;
    EXPECT_NE(run.err.find(message), std::string::npos) << run.err;
  }
}

}  // namespace
}  // namespace hoptrace::cli::e2e
