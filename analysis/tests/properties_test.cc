// Properties of the critical path and self times over random trees: many shapes, fixed seeds.

#include <gtest/gtest.h>

#include <random>

#include "hoptrace/analysis/diagnosis.h"
#include "hoptrace/analysis/diagnosis_json.h"
#include "hoptrace/analysis/timing.h"
#include "trace_builder.h"

namespace hoptrace::analysis {
namespace {

using testing::TraceBuilder;

struct Shape {
  bool sequential = false;  // children never overlap and stay inside their parent
  bool skewed = false;      // services on hosts whose clocks disagree; children may overflow
};

// A random tree of up to `max_spans` spans: each span gets 0 to 4 children placed inside it
// (sequentially, or overlapping at random); skewed trees put services on different hosts and move
// some children outside their parent.
model::TraceBatch RandomTrace(std::mt19937& random, std::size_t max_spans, Shape shape) {
  TraceBuilder trace(random());
  const char* services[] = {"a", "b", "c", "d"};
  for (std::size_t i = 0; i < 4 && shape.skewed; ++i) trace.Host(services[i], std::string("host-") + services[i]);
  struct Pending {
    std::uint64_t id;
    double start, end;
  };
  std::vector<Pending> queue;
  queue.push_back({trace.Add("a", "root", 0, 0, 1000, model::SpanKind::kServer), 0, 1000});
  std::size_t spans = 1;
  std::uniform_int_distribution<int> child_count(0, 4);
  std::uniform_real_distribution<double> unit(0, 1);
  for (std::size_t at = 0; at < queue.size() && spans < max_spans; ++at) {
    const Pending parent = queue[at];
    const int children = child_count(random);
    double cursor = parent.start;
    for (int c = 0; c < children && spans < max_spans; ++c, ++spans) {
      const double length = parent.end - parent.start;
      double start, end;
      if (shape.sequential) {
        start = cursor + unit(random) * (parent.end - cursor) * 0.3;
        end = start + unit(random) * (parent.end - start) * 0.6;
        cursor = end;
      } else {
        start = parent.start + unit(random) * length;
        end = start + unit(random) * (parent.end - start);
      }
      if (shape.skewed && unit(random) < 0.2) {  // another clock: shifted out of its parent
        const double shift = (unit(random) - 0.5) * 2 * length;
        start += shift;
        end += shift;
      }
      const char* service = services[random() % 4];
      const auto kind = unit(random) < 0.1 ? model::SpanKind::kConsumer : model::SpanKind::kInternal;
      queue.push_back({trace.Add(service, "op", parent.id, start, end, kind), start, end});
    }
  }
  return trace.Build();
}

// The critical path's invariants: contiguous in time from the top's start to its end, its total
// at most the top's (adjusted) duration, every span on it hanging from the top through spans on
// it (a connected chain), and every span where it turns back up a leaf: no synchronous child
// that could have delayed it (checked where no span overflows its parent: an overflowing span is
// clipped to its parent first, and children outside the clip cannot delay anything).
void ExpectPathInvariants(const TraceView& view, const CriticalPath& path, bool check_leaves) {
  const SpanNode& top = view.node(view.top());
  ASSERT_FALSE(path.segments.empty());
  EXPECT_LE(path.total, top.Duration());
  EXPECT_EQ(path.segments.front().start, top.start);
  EXPECT_EQ(path.segments.back().end, top.end);
  for (std::size_t i = 1; i < path.segments.size(); ++i) {
    EXPECT_EQ(path.segments[i].start, path.segments[i - 1].end) << "segment " << i;
  }
  const std::vector<bool>& on_path = path.on_path;
  std::vector<bool> has_path_child(view.size(), false);
  for (const PathSegment& segment : path.segments) EXPECT_TRUE(on_path[segment.node]);
  for (std::size_t index = 0; index < view.size(); ++index) {
    if (!on_path[index] || index == view.top()) continue;
    const std::size_t parent = view.node(index).parent;
    ASSERT_NE(parent, kNone);
    EXPECT_TRUE(on_path[parent]) << "span " << index << " hangs from a span off the path";
    has_path_child[parent] = true;
  }
  for (std::size_t index = 0; index < view.size() && check_leaves; ++index) {
    if (!on_path[index] || has_path_child[index]) continue;
    const SpanNode& node = view.node(index);
    for (std::size_t child : node.children) {
      const SpanNode& c = view.node(child);
      const bool inside = c.start >= node.start && c.end <= node.end && c.end > c.start;
      EXPECT_FALSE(!c.async && inside) << "span " << index << " ends the path but has child " << child;
    }
  }
}

TEST(PropertiesTest, CriticalPathOnRandomTrees) {
  for (unsigned seed = 1; seed <= 300; ++seed) {
    std::mt19937 random(seed);
    const Shape shape{.sequential = seed % 3 == 0, .skewed = seed % 2 == 0};
    const model::TraceBatch batch = RandomTrace(random, 5 + seed % 200, shape);
    const TraceView view = TraceView::Build(batch);
    SCOPED_TRACE("seed " + std::to_string(seed) + ", " + std::to_string(view.size()) + " spans");
    ExpectPathInvariants(view, ComputeCriticalPath(view), /*check_leaves=*/!shape.skewed);
    if (HasFailure()) return;
  }
}

TEST(PropertiesTest, SelfTimesOfASequentialTraceSumToTheRootsDuration) {
  for (unsigned seed = 1; seed <= 200; ++seed) {
    std::mt19937 random(seed);
    const model::TraceBatch batch = RandomTrace(random, 5 + seed % 300, {.sequential = true});
    const TraceView view = TraceView::Build(batch);
    const CriticalPath path = ComputeCriticalPath(view);
    const SelfTimes times = ComputeSelfTimes(view, path, 1);
    std::uint64_t sum = 0;  // consumers included: here they run inside their parents too
    for (std::uint64_t self : times.per_span) sum += self;
    EXPECT_EQ(sum, view.node(view.top()).Duration()) << "seed " << seed;
    EXPECT_EQ(path.total, view.node(view.top()).Duration()) << "seed " << seed;
  }
}

TEST(PropertiesTest, DiagnoseNeverFailsOnRandomTrees) {
  for (unsigned seed = 1; seed <= 100; ++seed) {
    std::mt19937 random(seed);
    const model::TraceBatch batch = RandomTrace(random, 50, {.skewed = true});
    const Diagnosis diagnosis = Diagnose(batch);
    EXPECT_FALSE(diagnosis.findings.empty()) << "seed " << seed;
    for (const Finding& finding : diagnosis.findings) EXPECT_LE(finding.share, 1.0) << finding.headline;
  }
}

// Corrupt input: parent cycles, self-parents, duplicate IDs, ends before starts, times at the
// ends of the range. Diagnose and its JSON must finish and stay consistent.
TEST(PropertiesTest, CorruptTracesNeverCrash) {
  for (unsigned seed = 1; seed <= 200; ++seed) {
    std::mt19937_64 random(seed);
    model::TraceBatch batch;
    auto& spans = batch.resource_spans.emplace_back().scope_spans.emplace_back().spans;
    const std::size_t count = 1 + random() % 40;
    for (std::size_t i = 0; i < count; ++i) {
      model::Span& span = spans.emplace_back();
      span.span_id = model::SpanId::FromHighLow(0, 1 + random() % count);      // duplicates
      span.parent_span_id = model::SpanId::FromHighLow(0, random() % (count + 2));  // cycles, self, missing
      const std::uint64_t times[] = {0, 1, random(), UINT64_MAX, UINT64_MAX - 1, testing::kTraceStart + random() % 1000};
      span.start_time_unix_nano = times[random() % 6];
      span.end_time_unix_nano = times[random() % 6];
      span.kind = static_cast<model::SpanKind>(random() % 6);
      if (random() % 3 == 0) span.status.code = model::StatusCode::kError;
      if (random() % 4 == 0) span.links.push_back({.span_id = span.parent_span_id});
    }
    const Diagnosis diagnosis = Diagnose(batch);
    EXPECT_FALSE(DiagnosisToJson(diagnosis).empty());
    EXPECT_EQ(diagnosis.view.preorder().size(), diagnosis.view.size()) << "seed " << seed << ": every span reached once";
    EXPECT_LE(diagnosis.critical_path.total, diagnosis.TopDuration()) << "seed " << seed;
  }
}

}  // namespace
}  // namespace hoptrace::analysis
