#include "hoptrace/sdk/span.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "hoptrace/sdk/context.h"
#include "hoptrace/sdk/in_memory_exporter.h"
#include "hoptrace/sdk/tracer_provider.h"

namespace hoptrace::sdk {
namespace {

using model::SpanKind;
using model::StatusCode;

class SpanTest : public ::testing::Test {
 protected:
  explicit SpanTest(SpanLimits limits = {}, std::shared_ptr<const Sampler> sampler = AlwaysOnSampler()) {
    auto exporter = std::make_unique<InMemorySpanExporter>();
    store_ = exporter->store();
    TracerProviderOptions options;
    options.resource = DefaultResource("checkout");
    options.sampler = std::move(sampler);
    options.limits = limits;
    options.processors.push_back(std::make_unique<SimpleSpanProcessor>(std::move(exporter)));
    provider_ = std::make_unique<TracerProvider>(std::move(options));
  }

  Tracer& tracer() { return provider_->GetTracer("test-lib", "1.2.3"); }
  std::vector<ExportedSpan> Exported() { return store_->Spans(); }

  std::shared_ptr<InMemorySpanStore> store_;
  std::unique_ptr<TracerProvider> provider_;
};

TEST_F(SpanTest, RecordsEveryFieldAndExportsOnEnd) {
  Span span = tracer().StartSpan("GET /cart", {.kind = SpanKind::kServer,
                                               .start_time_unix_nano = 1000,
                                               .attributes = {{"http.request.method", std::string_view("GET")}}});
  ASSERT_TRUE(span.IsRecording());
  span.SetAttribute("http.response.status_code", std::int64_t{200});
  span.SetAttributes({{"cache.hit", true}, {"ratio", 0.5}});
  span.AddEvent("cache.miss", {{"key", std::string_view("cart:42")}}, 1500);
  span.SetStatus(StatusCode::kError, "boom");
  span.UpdateName("GET /cart/{id}");
  EXPECT_TRUE(Exported().empty());
  span.End(2000);
  EXPECT_FALSE(span.IsRecording());
  span.End(3000);  // idempotent

  auto spans = Exported();
  ASSERT_EQ(spans.size(), 1u);
  const model::Span& s = spans[0].span;
  EXPECT_EQ(s.name, "GET /cart/{id}");
  EXPECT_EQ(s.kind, SpanKind::kServer);
  EXPECT_EQ(s.start_time_unix_nano, 1000u);
  EXPECT_EQ(s.end_time_unix_nano, 2000u);
  EXPECT_EQ(s.trace_id, span.context().trace_id());
  EXPECT_EQ(s.span_id, span.context().span_id());
  EXPECT_TRUE(s.IsRoot());
  EXPECT_EQ(s.flags & 0xff, model::kTraceFlagSampled);
  ASSERT_EQ(s.attributes.size(), 4u);
  EXPECT_EQ(std::get<std::string>(*model::FindAttribute(s.attributes, "http.request.method")), "GET");
  EXPECT_EQ(std::get<std::int64_t>(*model::FindAttribute(s.attributes, "http.response.status_code")), 200);
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0].name, "cache.miss");
  EXPECT_EQ(s.events[0].time_unix_nano, 1500u);
  EXPECT_EQ(s.status, (model::Status{StatusCode::kError, "boom"}));
  EXPECT_EQ(spans[0].scope.name, "test-lib");
  EXPECT_EQ(spans[0].scope.version, "1.2.3");
  EXPECT_EQ(std::get<std::string>(*model::FindAttribute(spans[0].resource.attributes, "service.name")), "checkout");
}

TEST_F(SpanTest, ChildrenFollowTheCurrentScopeOrAnExplicitParent) {
  Span root = tracer().StartSpan("root");
  {
    Scope scope(root.context());
    EXPECT_EQ(CurrentContext(), root.context());
    Span child = tracer().StartSpan("child");
    EXPECT_EQ(child.context().trace_id(), root.context().trace_id());
    Span explicit_root = tracer().StartSpan("new root", {.parent = SpanContext::Invalid()});
    EXPECT_NE(explicit_root.context().trace_id(), root.context().trace_id());
  }
  EXPECT_FALSE(CurrentContext().IsValid());
  const SpanContext remote(TraceId::FromHighLow(5, 6), SpanId::FromHighLow(0, 7), 1, /*is_remote=*/true);
  Span from_remote = tracer().StartSpan("server", {.parent = remote});
  root.End();
  from_remote.End();

  auto spans = Exported();
  ASSERT_EQ(spans.size(), 4u);
  EXPECT_EQ(spans[0].span.name, "new root");
  EXPECT_TRUE(spans[0].span.IsRoot());
  EXPECT_EQ(spans[1].span.name, "child");
  EXPECT_EQ(spans[1].span.parent_span_id, root.context().span_id());
  EXPECT_EQ(spans[1].span.flags & model::kSpanFlagIsRemote, 0u);
  EXPECT_EQ(spans[3].span.trace_id, remote.trace_id());
  EXPECT_EQ(spans[3].span.parent_span_id, remote.span_id());
  EXPECT_EQ(spans[3].span.flags & (model::kSpanFlagHasIsRemote | model::kSpanFlagIsRemote),
            model::kSpanFlagHasIsRemote | model::kSpanFlagIsRemote);
}

TEST_F(SpanTest, StatusOkIsFinalAndUnsetIsIgnored) {
  Span span = tracer().StartSpan("op");
  span.SetStatus(StatusCode::kUnset);
  span.SetStatus(StatusCode::kOk, "ignored description");
  span.SetStatus(StatusCode::kError, "too late");
  span.End();
  EXPECT_EQ(Exported()[0].span.status, (model::Status{StatusCode::kOk, ""}));
}

TEST_F(SpanTest, RecordExceptionAddsSemanticConventionEvent) {
  Span span = tracer().StartSpan("op");
  span.RecordException(std::runtime_error("disk on fire"));
  span.End();
  const auto spans = Exported();
  const auto& event = spans[0].span.events[0];
  EXPECT_EQ(event.name, "exception");
  EXPECT_EQ(std::get<std::string>(*model::FindAttribute(event.attributes, "exception.type")), "std::runtime_error");
  EXPECT_EQ(std::get<std::string>(*model::FindAttribute(event.attributes, "exception.message")), "disk on fire");
}

TEST_F(SpanTest, LinksCarryTheLinkedContext) {
  const SpanContext linked(TraceId::FromHighLow(9, 9), SpanId::FromHighLow(0, 9), 1, true,
                           *TraceState::Parse("vendor=value"));
  const LinkSpec links[] = {{linked, {{"reason", std::string_view("batch")}}}};
  Span span = tracer().StartSpan("consumer", {.links = links});
  span.AddLink(SpanContext::Invalid());  // ignored
  span.End();
  const auto spans = Exported();
  const auto& link = spans[0].span.links;
  ASSERT_EQ(link.size(), 1u);
  EXPECT_EQ(link[0].trace_id, linked.trace_id());
  EXPECT_EQ(link[0].span_id, linked.span_id());
  EXPECT_EQ(link[0].trace_state, "vendor=value");
  EXPECT_EQ(link[0].flags, 1u | model::kSpanFlagHasIsRemote | model::kSpanFlagIsRemote);
  EXPECT_EQ(std::get<std::string>(link[0].attributes[0].value), "batch");
}

TEST_F(SpanTest, DestructorEndsTheSpanAndMoveTransfersIt) {
  {
    Span span = tracer().StartSpan("scoped");
    Span moved = std::move(span);
    EXPECT_FALSE(span.IsRecording());  // NOLINT(bugprone-use-after-move): checking the moved-from state
    EXPECT_TRUE(moved.IsRecording());
  }
  ASSERT_EQ(Exported().size(), 1u);
  EXPECT_GT(Exported()[0].span.end_time_unix_nano, 0u);
}

class LimitedSpanTest : public SpanTest {
 protected:
  LimitedSpanTest()
      : SpanTest(SpanLimits{.attribute_count = 2,
                            .attribute_value_length = 4,
                            .event_count = 1,
                            .link_count = 1,
                            .attributes_per_event = 1,
                            .attributes_per_link = 1}) {}
};

TEST_F(LimitedSpanTest, LimitsDropAndCount) {
  const SpanContext linked(TraceId::FromHighLow(1, 1), SpanId::FromHighLow(0, 1), 1, true);
  Span span = tracer().StartSpan("op");
  span.SetAttributes({{"a", std::string_view("abcdefgh")}, {"b", std::int64_t{1}}, {"c", std::int64_t{2}}});
  span.AddEvent("first", {{"x", true}, {"y", false}});
  span.AddEvent("second");
  span.AddLink(linked);
  span.AddLink(linked);
  span.End();
  const auto spans = Exported();
  const model::Span& s = spans[0].span;
  EXPECT_EQ(s.attributes.size(), 2u);
  EXPECT_EQ(s.dropped_attributes_count, 1u);
  EXPECT_EQ(std::get<std::string>(s.attributes[0].value), "abcd");
  EXPECT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.dropped_events_count, 1u);
  EXPECT_EQ(s.events[0].dropped_attributes_count, 1u);
  EXPECT_EQ(s.links.size(), 1u);
  EXPECT_EQ(s.dropped_links_count, 1u);
}

class DroppingSpanTest : public SpanTest {
 protected:
  DroppingSpanTest() : SpanTest({}, AlwaysOffSampler()) {}
};

TEST_F(DroppingSpanTest, DroppedSpansPropagateButRecordNothing) {
  Span span = tracer().StartSpan("op");
  EXPECT_FALSE(span.IsRecording());
  EXPECT_TRUE(span.context().IsValid());
  EXPECT_FALSE(span.context().IsSampled());
  span.SetAttribute("ignored", true);
  span.End();
  EXPECT_TRUE(Exported().empty());
}

TEST_F(SpanTest, RecordsAreReusedWithoutLeakingOldData) {
  for (int i = 0; i < 3; ++i) {
    Span span = tracer().StartSpan(i == 0 ? "with-everything" : "plain");
    if (i == 0) {
      span.SetAttribute("k", std::string_view("v"));
      span.AddEvent("e");
      span.SetStatus(StatusCode::kError, "bad");
    }
    span.End();
  }
  auto spans = Exported();
  ASSERT_EQ(spans.size(), 3u);
  EXPECT_TRUE(spans[2].span.attributes.empty());
  EXPECT_TRUE(spans[2].span.events.empty());
  EXPECT_EQ(spans[2].span.status.code, StatusCode::kUnset);
}

TEST_F(SpanTest, SpansAfterShutdownAreNotRecorded) {
  provider_->Shutdown();
  Span span = tracer().StartSpan("late");
  EXPECT_FALSE(span.IsRecording());
}

}  // namespace
}  // namespace hoptrace::sdk
