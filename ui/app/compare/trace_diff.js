// A structural diff of two traces (models from ../trace/trace_model.js). Spans are matched by their
// path: the service and operation of each ancestor and of the span itself, plus which occurrence it is
// among its siblings with the same service and operation (in start order). So the third
// "SELECT orders" under "POST /orders" in A matches the third in B, whatever their span IDs.
// Pure: node --test checks it.

import { NANOS_PER_MS } from '../format.js';

const label = (span) => `${span.service}: ${span.name}`;

// Map path key -> { span, path: [labels from the root] } for every span of `trace`.
function spansByPath(trace) {
  const byKey = new Map();
  const walk = (indices, parentKey, parentPath) => {
    const seen = new Map();
    for (const index of indices) {
      const span = trace.spans[index];
      const own = label(span);
      const nth = seen.get(own) ?? 0;
      seen.set(own, nth + 1);
      const key = `${parentKey}\u0000${own}\u0000${nth}`;
      const path = [...parentPath, own];
      byKey.set(key, { span, path });
      walk(span.children, key, path);
    }
  };
  walk(trace.roots, '', []);
  return byKey;
}

function row(change, entryA, entryB) {
  const durationA = entryA ? entryA.span.duration / NANOS_PER_MS : 0;
  const durationB = entryB ? entryB.span.duration / NANOS_PER_MS : 0;
  const { span, path } = entryB ?? entryA;
  return {
    change,  // 'matched' | 'added' (only in B) | 'missing' (only in A)
    service: span.service,
    name: span.name,
    path,
    spanIdA: entryA?.span.spanId, spanIdB: entryB?.span.spanId,
    durationMsA: entryA ? durationA : null,
    durationMsB: entryB ? durationB : null,
    deltaMs: durationB - durationA,
    errorA: Boolean(entryA?.span.isError), errorB: Boolean(entryB?.span.isError),
  };
}

// Rows sorted by the largest absolute duration change first; an added or missing span counts with
// its whole duration. Ties keep the tree order of B, then of A.
export function diffTraces(traceA, traceB) {
  const a = spansByPath(traceA);
  const b = spansByPath(traceB);
  const rows = [];
  for (const [key, entryB] of b) rows.push(row(a.has(key) ? 'matched' : 'added', a.get(key), entryB));
  for (const [key, entryA] of a) if (!b.has(key)) rows.push(row('missing', entryA, undefined));
  rows.forEach((r, order) => { r.order = order; });
  rows.sort((x, y) => Math.abs(y.deltaMs) - Math.abs(x.deltaMs) || x.order - y.order);
  return {
    rows,
    added: rows.filter((r) => r.change === 'added').length,
    missing: rows.filter((r) => r.change === 'missing').length,
    matched: rows.filter((r) => r.change === 'matched').length,
    totalDeltaMs: (traceB.duration - traceA.duration) / NANOS_PER_MS,
  };
}
