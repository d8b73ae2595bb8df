#include "hoptrace/analysis/diagnosis_json.h"

#include <algorithm>

#include "json_text.h"

namespace hoptrace::analysis {
namespace {

using json::Array;
using json::Object;

constexpr std::size_t kMaxSpans = 200;       // spans listed with their self and critical time
constexpr std::size_t kMostSelfTime = 20;    // of which these many by self time, besides the path
constexpr std::size_t kMaxGaps = 50;
constexpr std::uint64_t kMinSegmentShare = 1000;  // path segments listed: at least 0.1 % of the trace
constexpr std::size_t kMaxSegments = 1000;

class Writer {
 public:
  explicit Writer(const Diagnosis& diagnosis) : diagnosis_(diagnosis), view_(diagnosis.view) {}

  std::string Write() {
    WriteRoot();
    return std::move(out_);
  }

 private:
  void WriteRoot() {
    Object root(out_);
    root.Text("traceId", view_.size() == 0 ? std::string() : view_.node(0).span->trace_id.ToHex());
    root.Number("spanCount", view_.size());
    root.Number("durationNanos", diagnosis_.TopDuration());
    if (view_.top() != kNone) {
      root.Key("top");
      Object top(out_);
      SpanFields(top, view_.top());
    }
    Array(root, "findings", diagnosis_.findings, [&](const Finding& finding) { WriteFinding(finding); });
    const auto [listed_segments, omitted_nanos] = ListedSegments();
    Array(root, "criticalPath", listed_segments, [&](const PathSegment& segment) {
      Object item(out_);
      SpanFields(item, segment.node);
      item.Number("startOffsetNanos", Offset(segment.start));
      item.Number("durationNanos", segment.Duration());
    });
    root.Number("criticalPathSegments", diagnosis_.critical_path.segments.size());
    root.Number("criticalPathOmittedNanos", omitted_nanos);
    Array(root, "spans", ListedSpans(), [&](std::size_t node) {
      Object item(out_);
      SpanFields(item, node);
      const std::uint64_t critical = diagnosis_.critical_path.contribution[node];
      item.Number("selfNanos", diagnosis_.self_times.per_span[node]);
      item.Number("criticalNanos", critical);
      item.Fraction("criticalShare", Share(critical));
    });
    Array(root, "services", diagnosis_.self_times.per_service, [&](const ServiceTime& service) {
      Object item(out_);
      item.Text("service", service.service);
      item.Number("selfNanos", service.self_nanos);
      item.Number("criticalNanos", service.critical_nanos);
      item.Number("spans", service.spans);
    });
    const auto& gaps = diagnosis_.self_times.gaps;
    Array(root, "gaps", std::vector<Gap>(gaps.begin(), gaps.begin() + static_cast<std::ptrdiff_t>(std::min(gaps.size(), kMaxGaps))),
          [&](const Gap& gap) {
            Object item(out_);
            SpanFields(item, gap.node);
            item.Number("startOffsetNanos", Offset(gap.start));
            item.Number("durationNanos", gap.Duration());
          });
    Array(root, "skewAdjustments", view_.skew_adjustments(), [&](const SkewAdjustment& adjustment) {
      Object item(out_);
      SpanFields(item, adjustment.node);
      item.Text("parentSpanId", view_.node(adjustment.parent).span->span_id.ToHex());
      item.Signed("shiftNanos", adjustment.shift_nanos);
      item.Flag("adjusted", adjustment.adjusted);
    });
    Array(root, "candidateParents", diagnosis_.candidate_parents, [&](const CandidateParent& candidate) {
      Object item(out_);
      item.Text("traceId", candidate.trace_id.ToHex());
      item.Text("spanId", candidate.span_id.ToHex());
      item.Text("service", candidate.service);
      item.Text("operation", candidate.operation);
      item.Signed("score", candidate.score);
      item.Text("reason", candidate.reason);
    });
  }

  void SpanFields(Object& object, std::size_t node) {
    const SpanNode& span = view_.node(node);
    object.Text("spanId", span.span->span_id.ToHex());
    object.Text("service", span.service);
    object.Text("operation", span.span->name);
  }

  void WriteFinding(const Finding& finding) {
    Object item(out_);
    item.Text("kind", FindingKindName(finding.kind));
    item.Text("headline", finding.headline);
    item.Number("explainedNanos", finding.explained_nanos);
    item.Fraction("share", finding.share);
    Array(item, "evidence", finding.evidence, [&](const Evidence& evidence) {
      Object cited(out_);
      SpanFields(cited, evidence.node);
      cited.Number("durationNanos", evidence.duration_nanos);
      cited.Number("explainedNanos", evidence.explained_nanos);
      if (!evidence.note.empty()) cited.Text("note", evidence.note);
    });
  }

  // The path's segments of at least 1/kMinSegmentShare of the top span, in time order (a
  // 50,000-span trace can have as many segments, too small to see), and the time left out.
  std::pair<std::vector<PathSegment>, std::uint64_t> ListedSegments() const {
    const std::uint64_t min_nanos = diagnosis_.TopDuration() / kMinSegmentShare;
    std::vector<PathSegment> listed;
    std::uint64_t omitted = 0;
    for (const PathSegment& segment : diagnosis_.critical_path.segments) {
      if (segment.Duration() >= min_nanos && listed.size() < kMaxSegments) {
        listed.push_back(segment);
      } else {
        omitted += segment.Duration();
      }
    }
    return {std::move(listed), omitted};
  }

  // Every span on the critical path, and the spans with the most self time, up to kMaxSpans.
  std::vector<std::size_t> ListedSpans() const {
    const auto& contribution = diagnosis_.critical_path.contribution;
    const auto& self = diagnosis_.self_times.per_span;
    std::vector<std::size_t> by_self(view_.size());
    for (std::size_t i = 0; i < by_self.size(); ++i) by_self[i] = i;
    const std::size_t most = std::min(kMostSelfTime, by_self.size());
    std::partial_sort(by_self.begin(), by_self.begin() + static_cast<std::ptrdiff_t>(most), by_self.end(),
                      [&](std::size_t a, std::size_t b) { return self[a] > self[b]; });
    std::vector<std::size_t> listed;
    for (std::size_t i = 0; i < contribution.size(); ++i) {
      if (contribution[i] > 0) listed.push_back(i);
    }
    std::sort(listed.begin(), listed.end(), [&](std::size_t a, std::size_t b) { return contribution[a] > contribution[b]; });
    if (listed.size() > kMaxSpans - most) listed.resize(kMaxSpans - most);
    for (std::size_t i = 0; i < most; ++i) {
      if (std::find(listed.begin(), listed.end(), by_self[i]) == listed.end()) listed.push_back(by_self[i]);
    }
    return listed;
  }

  std::uint64_t Offset(std::uint64_t time) const {
    const std::uint64_t start = view_.top() == kNone ? 0 : view_.node(view_.top()).start;
    return time > start ? time - start : 0;
  }
  double Share(std::uint64_t nanos) const {
    const std::uint64_t total = diagnosis_.TopDuration();
    return total == 0 ? 0.0 : static_cast<double>(nanos) / static_cast<double>(total);
  }

  const Diagnosis& diagnosis_;
  const TraceView& view_;
  std::string out_;
};

}  // namespace

std::string DiagnosisToJson(const Diagnosis& diagnosis) { return Writer(diagnosis).Write(); }

}  // namespace hoptrace::analysis
