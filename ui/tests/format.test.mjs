// The shell's number and time formats (no browser needed).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { formatDeltaMs, formatDurationMs, formatDurationNanos, formatPercent } from '../app/format.js';

test('durations below a millisecond read in µs or ns, never "0 ms"', () => {
  assert.equal(formatDurationMs(0.25), '250 µs');
  assert.equal(formatDurationMs(0.0015), '1.5 µs');
  assert.equal(formatDurationMs(0.0004), '400 ns');
  assert.equal(formatDeltaMs(-0.042), '−42 µs');
  assert.equal(formatDurationMs(0), '0 ms');
});

test('longer durations keep their units', () => {
  assert.equal(formatDurationMs(18), '18 ms');
  assert.equal(formatDurationMs(296.74), '296.7 ms');
  assert.equal(formatDurationMs(2345), '2.35 s');
  assert.equal(formatDurationMs(61_000), '1 m 1 s');
  assert.equal(formatDurationMs(undefined), '–');
});

test('spans\' nanoseconds read the same way, and a negative duration keeps its sign', () => {
  assert.equal(formatDurationNanos(12), '12 ns');
  assert.equal(formatDurationNanos(1500), '1.5 µs');
  assert.equal(formatDurationNanos(45_600_000), '45.6 ms');
  assert.equal(formatDurationNanos(2_345_678_901), '2.35 s');
  assert.equal(formatDurationNanos(-1500), '−1.5 µs');
});

test('percentages', () => {
  assert.equal(formatPercent(0.1), '10 %');
  assert.equal(formatPercent(1 / 3), '33 %');
  assert.equal(formatPercent(0.025), '2.5 %');
});
