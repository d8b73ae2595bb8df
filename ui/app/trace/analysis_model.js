// The diagnosis of `/api/v2/traces/{id}/analysis` (analysis/src/diagnosis_json.cc) reduced to what the
// trace view draws: the findings in their rank order, the spans on the critical path and the path's
// segments per span. Pure functions, tested by node --test.

// Segment offsets count from the top span's start, which is the trace's first start unless the top is
// an orphan that started after another span; `topStart` (model nanoseconds) maps them onto the model.
export function parseAnalysis(document, topStart = 0) {
  if (!document || !Array.isArray(document.findings)) throw new Error('not a trace analysis: "findings" is missing');
  const findings = document.findings.map((finding, rank) => ({
    rank: rank + 1,
    kind: finding.kind ?? '',
    headline: finding.headline ?? '',
    explainedNanos: Number(finding.explainedNanos ?? 0),
    share: Number(finding.share ?? 0),
    spanIds: [...new Set((finding.evidence ?? []).map((evidence) => evidence.spanId))],
  }));
  const segmentsBySpan = new Map();
  for (const segment of document.criticalPath ?? []) {
    const start = topStart + Number(segment.startOffsetNanos ?? 0);
    const list = segmentsBySpan.get(segment.spanId) ?? [];
    list.push([start, start + Number(segment.durationNanos ?? 0)]);
    segmentsBySpan.set(segment.spanId, list);
  }
  // A span is on the path when it has time of its own there ("spans" lists every such span with its
  // criticalNanos, however small; "criticalPath" leaves out segments under 0.1 % of the trace).
  const critical = new Set(segmentsBySpan.keys());
  for (const span of document.spans ?? []) if (Number(span.criticalNanos) > 0) critical.add(span.spanId);
  return { findings, critical, segmentsBySpan, topSpanId: document.top?.spanId ?? '' };
}
