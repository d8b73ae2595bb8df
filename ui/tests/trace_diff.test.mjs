// The compare page's structural diff on traces built by the test fixtures and parsed by the trace
// view's model (no browser needed).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { diffTraces } from '../app/compare/trace_diff.js';
import { parseOtlpTrace } from '../app/trace/trace_model.js';
import { buildTrace, checkoutTrace, otlpRequest, span } from './lib/traces.mjs';

const model = (trace) => parseOtlpTrace(otlpRequest(trace.spans));

test('added spans and duration changes, largest change first', () => {
  const diff = diffTraces(model(checkoutTrace({ chargeMs: 40 })), model(checkoutTrace({ chargeMs: 240, fraudCheck: true })));
  assert.equal(diff.added, 2);
  assert.equal(diff.missing, 0);
  assert.equal(diff.matched, 9);
  assert.equal(diff.totalDeltaMs, 200);
  const charge = diff.rows.find((row) => row.name === 'POST /charge');
  assert.equal(charge.change, 'matched');
  assert.equal(charge.deltaMs, 200);
  assert.deepEqual(charge.path, ['frontend: GET /checkout', 'frontend: POST orders', 'orders: POST /orders',
    'orders: POST payments', 'payments: POST /charge']);
  assert.deepEqual(diff.rows.filter((row) => row.change === 'added').map((row) => row.name).sort(), ['POST /score', 'POST fraud']);
  const deltas = diff.rows.map((row) => Math.abs(row.deltaMs));
  assert.deepEqual(deltas, [...deltas].sort((x, y) => y - x));
  assert.equal(diff.rows[0].deltaMs, 200);
});

test('repeated siblings match by occurrence; a dropped one is missing', () => {
  const queries = (count) => buildTrace(span('orders', 'POST /orders', { ms: 50 },
    ...Array.from({ length: count }, (_, i) => span('orders', 'SELECT', { at: i * 10, ms: 5 + i }))));
  const diff = diffTraces(model(queries(3)), model(queries(2)));
  assert.equal(diff.matched, 3);
  assert.equal(diff.missing, 1);
  const missing = diff.rows.find((row) => row.change === 'missing');
  assert.equal(missing.durationMsA, 7);  // the third SELECT
  assert.equal(missing.deltaMs, -7);
  assert.equal(missing.spanIdB, undefined);
});
