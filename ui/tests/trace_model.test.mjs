// Unit tests of the trace view's pure functions (no browser): node --test ui/tests/trace_model.test.mjs
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseAnalysis } from '../app/trace/analysis_model.js';
import {
  ancestorsOf, findSpan, matchSpans, parseOtlpTrace, timeTicks, typedValue, visibleRows,
} from '../app/trace/trace_model.js';
import { KNOWN_SPANS, KNOWN_TRACE_ID, largeSpans, otlpDocument } from './trace_fixtures.mjs';

const MS = 1_000_000;
const known = () => parseOtlpTrace({ trace: otlpDocument(KNOWN_TRACE_ID, KNOWN_SPANS) });
const byId = (trace, id) => findSpan(trace, id);

test('the tree: parents, depth, order by start, summary', () => {
  const trace = known();
  assert.equal(trace.traceId, KNOWN_TRACE_ID);
  assert.equal(trace.spans.length, 10);
  assert.equal(trace.root.name, 'GET /checkout');
  assert.equal(trace.duration, 100 * MS);
  assert.equal(trace.depth, 6);
  assert.equal(trace.errorCount, 1);
  assert.deepEqual(trace.services, ['frontend', 'orders', 'payments']);
  assert.equal(byId(trace, 'a000000000000008').depth, 5);
  assert.equal(byId(trace, 'a000000000000007').service, 'payments');
  assert.equal(byId(trace, 'a000000000000007').kind, 'SERVER');
  assert.deepEqual(byId(trace, 'a000000000000007').status, { code: 'ERROR', message: 'card declined' });
  const names = visibleRows(trace, new Set()).map((index) => trace.spans[index].spanId.slice(-1));
  assert.deepEqual(names, ['1', '9', '2', '3', '4', '5', '6', '7', '8', 'a']);  // 'audit log' (9) starts with 2, ends first
});

test('self time is the duration less the union of the children', () => {
  const trace = known();
  assert.equal(byId(trace, 'a000000000000003').selfTime, (83 - 10 - 60) * MS);  // select+cache overlap: 10..20, charge 25..85
  assert.deepEqual(byId(trace, 'a000000000000003').childCoverage, [[10 * MS, 20 * MS], [25 * MS, 85 * MS]]);
  assert.equal(byId(trace, 'a000000000000001').selfTime, (100 - 85 - 6) * MS);
  assert.equal(byId(trace, 'a000000000000008').selfTime, 10 * MS);
});

test('typed attributes, events relative to the trace start, links', () => {
  const span = byId(known(), 'a000000000000003');
  const types = Object.fromEntries(span.attributes.map((attribute) => [attribute.key, attribute.type]));
  assert.deepEqual(types, { 'http.route': 'string', 'http.response.status_code': 'int', 'orders.retry': 'bool', 'orders.ratio': 'double', 'orders.tags': 'string[]' });
  const charge = byId(known(), 'a000000000000007');
  assert.equal(charge.events[0].time, 80 * MS);
  assert.equal(charge.events[0].attributes[0].value, 'CardDeclined');
  assert.equal(charge.links[0].spanId, 'b000000000000001');
  assert.equal(charge.resource.attributes.find((attribute) => attribute.key === 'host.name').value, 'payments-host');
  assert.equal(charge.scope.name, 'hoptrace-ui-tests');
  assert.deepEqual(typedValue({ intValue: '9007199254740993' }), { type: 'int', value: '9007199254740993' });  // exact beyond 2^53
});

test('collapsing hides the subtree; ancestors walk up to the root', () => {
  const trace = known();
  const orders = byId(trace, 'a000000000000003');
  assert.equal(visibleRows(trace, new Set([orders.index])).length, 10 - 5);
  assert.deepEqual(ancestorsOf(trace, byId(trace, 'a000000000000008').index).map((index) => trace.spans[index].spanId.slice(-1)), ['7', '6', '3', '2', '1']);
});

test('find: name, service, attribute value substring, key=value', () => {
  const trace = known();
  const ids = (query) => matchSpans(trace, query).map((index) => trace.spans[index].spanId.slice(-1));
  assert.deepEqual(ids('charge'), ['6', '7']);  // name
  assert.deepEqual(ids('PAYMENTS'), ['6', '7', '8']);  // service (6 via its url.full value)
  assert.deepEqual(ids('db.system=redis'), ['5']);
  assert.deepEqual(ids('http.response.status_code=502'), ['7']);
  assert.deepEqual(ids('host.name=orders'), ['3', '4', '5', '6']);  // resource attribute
  assert.deepEqual(ids('  '), []);
  assert.deepEqual(ids('no such thing'), []);
});

test('orphans and parent cycles become top-level rows, nothing is lost', () => {
  const spans = [
    { id: '0000000000000001', parent: 'ffffffffffffffff', service: 's', name: 'orphan', kind: 2, start: 1, end: 2 },
    { id: '0000000000000002', parent: '0000000000000003', service: 's', name: 'cycle a', kind: 1, start: 0, end: 5 },
    { id: '0000000000000003', parent: '0000000000000002', service: 's', name: 'cycle b', kind: 1, start: 1, end: 4 },
    { id: '0000000000000004', parent: '0000000000000004', service: 's', name: 'self parent', kind: 1, start: 3, end: 3.5 },
    { id: '0000000000000005', parent: '', service: 's', name: 'ends before start', kind: 1, start: 4, end: 2 },
  ];
  const trace = parseOtlpTrace(otlpDocument(KNOWN_TRACE_ID, spans));
  assert.equal(visibleRows(trace, new Set()).length, 5);
  assert.ok(byId(trace, '0000000000000001').orphan);
  assert.equal(trace.root.name, 'ends before start');  // the one real root, though orphans start earlier
  assert.equal(byId(trace, '0000000000000005').duration, 0);
  const cycle = [byId(trace, '0000000000000002'), byId(trace, '0000000000000003')];
  assert.equal(cycle.filter((span) => span.parent === -1).length, 1);
});

test('input that is not a trace is refused with a message', () => {
  assert.throws(() => parseOtlpTrace({ data: [] }), /resourceSpans/);
  assert.throws(() => parseOtlpTrace(null), /resourceSpans/);
  const badTime = otlpDocument(KNOWN_TRACE_ID, KNOWN_SPANS.slice(0, 1));
  badTime.resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano = '12x';
  assert.throws(() => parseOtlpTrace(badTime), /invalid time "12x"/);
  assert.throws(() => parseAnalysis({}), /findings/);
});

test('axis ticks pick adaptive units', () => {
  assert.deepEqual(timeTicks(0, 100 * MS, 500).map((tick) => tick.label), ['0 ms', '20 ms', '40 ms', '60 ms', '80 ms', '100 ms']);
  assert.deepEqual(timeTicks(0, 3000, 300).map((tick) => tick.label), ['0 µs', '1 µs', '2 µs', '3 µs']);
  assert.deepEqual(timeTicks(0, 5e9, 500).map((tick) => tick.label), ['0 s', '1 s', '2 s', '3 s', '4 s', '5 s']);
});

test('analysis: findings in rank order, critical spans and segments', () => {
  const analysis = parseAnalysis({
    findings: [{ kind: 'critical_path', headline: 'h1', explainedNanos: 48 * MS, share: 0.48, evidence: [{ spanId: 'x' }, { spanId: 'x' }] },
      { kind: 'error_origin', headline: 'h2', explainedNanos: 5, share: 0, evidence: [] }],
    criticalPath: [{ spanId: 'x', startOffsetNanos: 10, durationNanos: 5 }, { spanId: 'y', startOffsetNanos: 0, durationNanos: 10 }],
    spans: [{ spanId: 'z', criticalNanos: 1 }, { spanId: 'w', criticalNanos: 0 }],
    top: { spanId: 'y' },
  }, 100);
  assert.deepEqual(analysis.findings.map((finding) => [finding.rank, finding.kind, finding.spanIds]), [[1, 'critical_path', ['x']], [2, 'error_origin', []]]);
  assert.deepEqual([...analysis.critical].sort(), ['x', 'y', 'z']);
  assert.deepEqual(analysis.segmentsBySpan.get('x'), [[110, 115]]);
});

test('a 20,000-span trace parses in linear time (seconds, not minutes)', () => {
  const document = otlpDocument(KNOWN_TRACE_ID, largeSpans(20_000));
  const started = performance.now();
  const trace = parseOtlpTrace(JSON.parse(JSON.stringify(document)));
  const elapsed = performance.now() - started;
  console.log(`parse of 20,000 spans: ${elapsed.toFixed(0)} ms`);
  assert.equal(visibleRows(trace, new Set()).length, 20_000);
  assert.ok(trace.depth <= 14, `depth ${trace.depth}`);
  assert.ok(elapsed < 10_000, `${elapsed} ms`);  // generous: the machine is shared; quadratic work would take minutes
});
