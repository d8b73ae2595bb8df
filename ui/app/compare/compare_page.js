// /compare/<traceIdA>/<traceIdB>: two traces side by side as a structural diff (trace_diff.js): spans
// only in B (added), only in A (missing), and each matched span's duration change, largest first.

import { h, replaceContent } from '../dom.js';
import { formatDeltaMs, formatDurationMs, formatDurationNanos, plural } from '../format.js';
import { serviceChip } from '../search/result_list.js';
import { emptyState, errorState, loadingState } from '../states.js';
import { loadTrace } from '../trace/trace_api.js';
import { diffTraces } from './trace_diff.js';

const FIRST_ROWS = 200;  // a 50,000-span diff would otherwise build a 50,000-row table up front

class TraceNotFound extends Error {}

// A trace by ID; an unknown one is a TraceNotFound naming it (which of the two was unknown).
async function loadSide(traceId, signal) {
  try {
    return await loadTrace(traceId, { signal });
  } catch (error) {
    if (error.notFound) throw new TraceNotFound(traceId);
    throw error;
  }
}

function traceHead(side, traceId, trace) {
  const root = trace.root;
  return h('section', { class: 'compare-head', 'aria-label': `Trace ${side}` },
    h('h2', null, `${side}: `, h('a', { href: `/trace/${traceId}` }, root ? `${root.service}: ${root.name}` : traceId)),
    h('div', { class: 'mono result-id' }, traceId),
    h('div', { class: 'result-meta' },
      h('span', null, formatDurationNanos(trace.duration)),
      h('span', null, plural(trace.spans.length, 'span')),
      trace.errorCount > 0 && h('span', { class: 'error-count' }, plural(trace.errorCount, 'error'))),
    h('div', { class: 'chips' }, trace.services.map(serviceChip)));
}

// The change in duration; an added or missing span is badged and counts with its whole duration.
function changeCell(row) {
  const badge = row.change !== 'matched' && h('span', { class: `badge badge-${row.change}` }, row.change);
  const kind = row.deltaMs > 0 ? 'delta-slower' : row.deltaMs < 0 ? 'delta-faster' : '';
  return [badge, ' ', h('span', { class: `delta ${kind}` }, formatDeltaMs(row.deltaMs))];
}

function spanLink(traceId, spanId, durationMs, error) {
  if (spanId === undefined) return '–';
  return h('a', { href: `/trace/${traceId}?span=${spanId}`, class: error ? 'error-count' : undefined },
    formatDurationMs(durationMs));
}

function diffRow(row, idA, idB) {
  return h('tr', { class: `diff-${row.change}`, 'data-change': row.change, 'data-name': row.name },
    h('td', { class: 'number' }, changeCell(row)),
    h('td', null, serviceChip(row.service)),
    h('td', null, h('div', null, row.name), h('div', { class: 'diff-path' }, row.path.slice(0, -1).join(' › '))),
    h('td', { class: 'number' }, spanLink(idA, row.spanIdA, row.durationMsA, row.errorA)),
    h('td', { class: 'number' }, spanLink(idB, row.spanIdB, row.durationMsB, row.errorB)));
}

function diffTable(diff, idA, idB) {
  const body = h('tbody', null, diff.rows.slice(0, FIRST_ROWS).map((row) => diffRow(row, idA, idB)));
  const more = diff.rows.length > FIRST_ROWS && h('button', {
    type: 'button', class: 'button',
    onclick: (event) => {
      body.append(...diff.rows.slice(FIRST_ROWS).map((row) => diffRow(row, idA, idB)));
      event.target.remove();
    },
  }, `Show all ${diff.rows.length} spans`);
  return [h('table', { class: 'diff-table', 'aria-label': 'Span differences, largest change first' },
    h('thead', null, h('tr', null, h('th', { scope: 'col', class: 'number' }, 'Change'),
      h('th', { scope: 'col' }, 'Service'), h('th', { scope: 'col' }, 'Operation'),
      h('th', { scope: 'col', class: 'number' }, 'A'), h('th', { scope: 'col', class: 'number' }, 'B'))), body), more];
}

function summary(diff, [traceA, traceB], [idA, idB]) {
  const sameOperation = traceA.root?.name === traceB.root?.name && traceA.root?.service === traceB.root?.service;
  return h('div', { class: 'compare-summary', role: 'status' },
    h('strong', null, `B is ${formatDeltaMs(diff.totalDeltaMs)} vs A`),
    h('span', null, `${diff.matched} matched`),
    h('span', { class: 'added-count' }, `${diff.added} added`),
    h('span', { class: 'missing-count' }, `${diff.missing} missing`),
    !sameOperation && h('span', { class: 'error-count' }, 'The root operations differ: the traces may not be comparable.'),
    h('a', { href: `/compare/${idB}/${idA}` }, 'Swap A and B'));
}

export async function mountComparePage(root, { match, signal }) {
  const [idA, idB] = [decodeURIComponent(match[1]), decodeURIComponent(match[2])];
  const title = h('h1', { class: 'page-title' }, 'Compare traces');
  replaceContent(root, title, loadingState('both traces'));
  let traces;
  try {
    traces = await Promise.all([loadSide(idA, signal), loadSide(idB, signal)]);
  } catch (error) {
    if (error instanceof TraceNotFound) {
      replaceContent(root, title, emptyState('Trace not found', `No trace with ID ${error.message} is stored.`));
      return;
    }
    if (error.name === 'AbortError') return;
    replaceContent(root, title, errorState(error, () => mountComparePage(root, { match, signal })));
    return;
  }
  const [traceA, traceB] = traces;
  const diff = diffTraces(traceA, traceB);
  replaceContent(root, title,
    h('div', { class: 'compare-heads' }, traceHead('A', idA, traceA), traceHead('B', idB, traceB)),
    summary(diff, traces, [idA, idB]),
    diffTable(diff, idA, idB));
}
