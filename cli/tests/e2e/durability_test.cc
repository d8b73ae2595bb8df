// `hoptrace serve --fsync always` promises that a span it acknowledged is on disk. Several threads
// stream OTLP/HTTP protobuf batches into it, the process is SIGKILLed (or SIGTERMed) mid-stream,
// restarted on the same data directory, and every acknowledged span must be there. Requests in flight
// at the stop may go either way; they are counted and printed.

#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <iostream>
#include <random>
#include <set>
#include <thread>

#include "child_process.h"
#include "hoptrace/otlp/proto_convert.h"
#include "serve_process.h"
#include "test_client.h"
#include "trace_checks.h"

namespace hoptrace::cli::e2e {
namespace {

constexpr int kSenders = 4;
constexpr std::size_t kSpansPerRequest = 16;
constexpr std::size_t kMaxRequestsPerSender =
    4000;  // bounds the stream (and the check) if the kill comes late
constexpr auto kKillAfter = std::chrono::milliseconds(1500);
constexpr std::size_t kMinAcknowledgedBeforeKill = 20;  // a loaded machine may need longer to get going

enum class Outcome { kNoAnswer, kAcknowledged, kRefused };

struct SentRequest {
  model::TraceId trace_id;
  std::set<std::string> span_ids;
  Outcome outcome = Outcome::kNoAnswer;
  unsigned status = 0;
};

// One trace per request; IDs carry the run, the sender and the request number, so all are unique.
model::TraceBatch MakeBatch(std::uint64_t run, int sender, std::size_t request, SentRequest* sent) {
  model::TraceBatch batch;
  model::ResourceSpans& resource_spans = batch.resource_spans.emplace_back();
  model::SetAttribute(resource_spans.resource.attributes, model::kServiceNameKey,
                      std::string_view("durability"));
  model::ScopeSpans& scope_spans = resource_spans.scope_spans.emplace_back();
  scope_spans.scope.name = "durability-test";
  sent->trace_id =
      model::TraceId::FromHighLow(run, (static_cast<std::uint64_t>(sender + 1) << 32) | (request + 1));
  const std::uint64_t now =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  for (std::size_t i = 0; i < kSpansPerRequest; ++i) {
    model::Span& span = scope_spans.spans.emplace_back();
    span.trace_id = sent->trace_id;
    span.span_id = model::SpanId::FromHighLow(
        0, (static_cast<std::uint64_t>(sender + 1) << 48) | (request << 8) | (i + 1));
    if (i > 0) span.parent_span_id = scope_spans.spans.front().span_id;
    span.name = i == 0 ? "POST /ingest" : "step " + std::to_string(i);
    span.kind = i == 0 ? model::SpanKind::kServer : model::SpanKind::kInternal;
    span.start_time_unix_nano = now + i * 1000;
    span.end_time_unix_nano = now + i * 1000 + 500;
    model::SetAttribute(span.attributes, "request", static_cast<std::int64_t>(request));
    model::SetAttribute(span.attributes, "sender", static_cast<std::int64_t>(sender));
    model::SetAttribute(span.attributes, "payload", std::string_view("0123456789abcdef0123456789abcdef"));
    sent->span_ids.insert(span.span_id.ToHex());
  }
  return batch;
}

// Posts batches on one keep-alive connection until `stop`, the request limit, or the server is gone.
void StreamBatches(std::uint16_t port, std::uint64_t run, int sender, const std::atomic<bool>& stop,
                   std::atomic<std::size_t>& acknowledged, std::vector<SentRequest>* requests) {
  http::testing::TestConnection connection(port, std::chrono::seconds(20));
  for (std::size_t request = 0; request < kMaxRequestsPerSender && !stop.load(); ++request) {
    SentRequest& sent = requests->emplace_back();
    const std::string body = otlp::SerializeExportRequest(MakeBatch(run, sender, request, &sent));
    const auto answer =
        connection.Send("POST", "/v1/traces", body, {{"Content-Type", "application/x-protobuf"}});
    if (!answer) return;  // killed (or the connection broke): this request's fate is unknown
    sent.status = answer->status;
    sent.outcome = answer->status == 200 ? Outcome::kAcknowledged : Outcome::kRefused;
    if (sent.outcome == Outcome::kAcknowledged) ++acknowledged;
  }
}

// How much of a request's trace the restarted server has: all, some or none of its spans.
struct Survival {
  std::size_t complete = 0;
  std::size_t partial = 0;
  std::size_t missing = 0;
};

void CountSurvival(http::testing::TestConnection& query, const SentRequest& request, Survival* survival,
                   std::vector<std::string>* problems) {
  const auto answer = query.Send("GET", "/api/v2/traces/" + request.trace_id.ToHex());
  if (!answer || (answer->status != 200 && answer->status != 404)) {
    problems->push_back("GET trace " + request.trace_id.ToHex() + ": " +
                        (answer ? std::to_string(answer->status) + " " + answer->body : "no answer"));
    ++survival->missing;
    return;
  }
  std::set<std::string> found;
  if (answer->status == 200) {
    const auto ids = OtlpSpanIds(answer->body);
    if (!ids) problems->push_back("not OTLP JSON: " + answer->body.substr(0, 200));
    if (ids) found.insert(ids->begin(), ids->end());
  }
  if (found == request.span_ids) {
    ++survival->complete;
  } else if (found.empty()) {
    ++survival->missing;
  } else {
    ++survival->partial;
  }
}

std::string SignalName(int signal) {
  return signal == SIGKILL ? "SIGKILL" : "SIGTERM";
}

// The stop signal: SIGKILL (nothing gets to run) or SIGTERM (a clean stop, which must exit 0).
class DurabilityTest : public ::testing::TestWithParam<int> {};

TEST_P(DurabilityTest, EveryAcknowledgedSpanSurvivesTheStop) {
  const int stop_signal = GetParam();
  TempDir temp;
  ServeProcess serve(temp.path() / "data", {"--fsync", "always"});
  std::string error;
  ASSERT_TRUE(serve.Start(&error)) << error;

  const std::uint64_t run = std::random_device{}() | 1;
  std::atomic<bool> stop{false};
  std::atomic<std::size_t> acknowledged{0};
  std::vector<std::vector<SentRequest>> requests(kSenders);
  std::vector<std::thread> senders;
  const auto started = std::chrono::steady_clock::now();
  for (int sender = 0; sender < kSenders; ++sender) {
    senders.emplace_back(StreamBatches, serve.ports().otlp_http, run, sender, std::cref(stop),
                         std::ref(acknowledged), &requests[sender]);
  }
  std::this_thread::sleep_for(kKillAfter);
  PollUntil([&] { return acknowledged.load() >= kMinAcknowledgedBeforeKill; }, std::chrono::seconds(30));
  if (stop_signal == SIGKILL) {
    serve.Kill();
  } else {
    const auto status = serve.Terminate();
    EXPECT_TRUE(status && status->Succeeded()) << (status ? status->Describe() : "did not stop") << "\n"
                                               << serve.Output();
  }
  const auto killed_after = std::chrono::steady_clock::now() - started;
  stop = true;
  for (std::thread& sender : senders) sender.join();

  ASSERT_TRUE(serve.Start(&error)) << "restart on the same data directory failed: " << error;
  http::testing::TestConnection query(serve.ports().query, std::chrono::seconds(20));
  Survival acknowledged_survival, unanswered_survival;
  std::size_t sent = 0, refused = 0;
  std::vector<std::string> problems;
  for (const auto& sender_requests : requests) {
    for (const SentRequest& request : sender_requests) {
      ++sent;
      if (request.outcome == Outcome::kAcknowledged)
        CountSurvival(query, request, &acknowledged_survival, &problems);
      if (request.outcome == Outcome::kNoAnswer)
        CountSurvival(query, request, &unanswered_survival, &problems);
      if (request.outcome == Outcome::kRefused) ++refused;
    }
  }
  const std::size_t unanswered =
      unanswered_survival.complete + unanswered_survival.partial + unanswered_survival.missing;
  std::cout << "durability: " << SignalName(stop_signal) << " after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(killed_after).count() << " ms; " << sent
            << " requests of " << kSpansPerRequest << " spans: " << acknowledged.load() << " acknowledged ("
            << acknowledged_survival.complete << " complete after restart, " << acknowledged_survival.partial
            << " partial, " << acknowledged_survival.missing << " missing), " << refused << " refused, "
            << unanswered << " unanswered at the stop (" << unanswered_survival.complete
            << " survived whole, " << unanswered_survival.partial << " in part, "
            << unanswered_survival.missing << " lost)" << std::endl;

  EXPECT_GE(acknowledged.load(), kMinAcknowledgedBeforeKill);
  EXPECT_EQ(acknowledged_survival.complete, acknowledged.load());
  EXPECT_EQ(acknowledged_survival.partial, 0u) << "acknowledged traces came back incomplete";
  EXPECT_EQ(acknowledged_survival.missing, 0u) << "acknowledged traces were lost";
  EXPECT_EQ(refused, 0u) << "the server refused requests it should have taken";
  EXPECT_LE(unanswered, static_cast<std::size_t>(kSenders));  // at most one in flight per sender
  EXPECT_TRUE(problems.empty()) << problems.front();

  const auto status = serve.Terminate();
  EXPECT_TRUE(status && status->Succeeded()) << (status ? status->Describe() : "did not stop") << "\n"
                                             << serve.Output();
}

INSTANTIATE_TEST_SUITE_P(Signals, DurabilityTest, ::testing::Values(SIGKILL, SIGTERM),
                         [](const ::testing::TestParamInfo<int>& parameter) {
                           return SignalName(parameter.param);
                         });

}  // namespace
}  // namespace hoptrace::cli::e2e
