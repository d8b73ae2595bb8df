// The service graph page in real Chromium against a real `hoptrace serve` fed over OTLP/HTTP: 300
// checkouts, more than the 200 most recent traces the latencies once came from.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { checkoutTrace, startUi } from './lib/harness.mjs';

const TEST_TIMEOUT = { timeout: 90_000 };
const MINUTE = 60_000;
let ui;

// Every charge takes a different time, 1 to 300 ms, the slowest the oldest: 250 checkouts 40 to 23
// minutes ago (charges 300 down to 51 ms) and 50 in the last 5 minutes (50 down to 1 ms). Every tenth
// of each group fails; every fiftieth old one calls fraud. The 200 most recent alone would put
// orders → payments' p99 at 198 ms; the whole hour puts it at 297 ms, the last 15 minutes at 50 ms.
function checkouts(now) {
  const old = Array.from({ length: 250 }, (_, i) => checkoutTrace({
    startMs: now - 40 * MINUTE + i * 4_000, chargeMs: 300 - i, paymentError: i % 10 === 0, fraudCheck: i % 50 === 0 }));
  const recent = Array.from({ length: 50 }, (_, i) => checkoutTrace({
    startMs: now - 5 * MINUTE + i * 4_000, chargeMs: 50 - i, paymentError: i % 10 === 0 }));
  return [...old, ...recent];
}

before(async () => {
  ui = await startUi();
  const traces = checkouts(Date.now());
  for (let first = 0; first < traces.length; first += 100) await ui.send(traces.slice(first, first + 100));
}, TEST_TIMEOUT);

after(async () => { await ui?.stop(); });

async function edgeRows(page) {
  return page.locator('.edge-table tbody tr').evaluateAll((rows) => rows.map((row) =>
    [...row.cells].map((cell) => cell.textContent)));
}

// A latency cell ("296.7 ms") as the number of ms, checked to be within the sketch's 1 % of `exactMs`.
function assertLatency(text, exactMs, what) {
  const match = /^([\d.]+) ms$/.exec(text);
  assert.ok(match, `${what}: ${text}`);
  assert.ok(Math.abs(Number(match[1]) - exactMs) <= exactMs * 0.01, `${what}: ${text}, expected ${exactMs} ms ± 1 %`);
}

// `expected`: [caller, callee, calls, errors, error rate, p50 ms, p99 ms] per row, in the table's order.
async function assertEdgeTable(page, expected) {
  const rows = await edgeRows(page);
  assert.deepEqual(rows.map((row) => row.slice(0, 5)), expected.map((row) => row.slice(0, 5)));
  rows.forEach((row, i) => {
    assertLatency(row[5], expected[i][5], `${row[0]} → ${row[1]} p50`);
    assertLatency(row[6], expected[i][6], `${row[0]} → ${row[1]} p99`);
  });
}

test('edges carry calls, error rate and p99 over every trace of the range', TEST_TIMEOUT, async () => {
  await ui.open('/graph');
  await ui.page.waitForSelector('.graph-canvas');
  const services = await ui.page.locator('.graph-node').evaluateAll((nodes) => nodes.map((node) => node.dataset.service));
  assert.deepEqual(services.sort(), ['cart', 'fraud', 'frontend', 'orders', 'payments']);
  assert.equal(await ui.page.locator('.graph-edge').count(), 4);
  await assertEdgeTable(ui.page, [
    ['frontend', 'cart', '300', '0', '0 %', 18, 18],
    ['frontend', 'orders', '300', '0', '0 %', 188, 335],
    ['orders', 'payments', '300', '30', '10 %', 150, 297],
    ['payments', 'fraud', '5', '0', '0 %', 10, 10],
  ]);
  assert.match(await ui.page.locator('.graph-note').innerText(), /all 300 traces of the range/);
  const paymentsEdge = ui.page.locator('.graph-edge[data-parent="orders"][data-child="payments"]');
  const p99 = (await edgeRows(ui.page))[2][6];
  assert.equal(await paymentsEdge.getAttribute('aria-label'), `orders → payments: 300 calls · 10 % err · p99 ${p99}`);
  assert.match(await paymentsEdge.getAttribute('class'), /edge-error/);

  // Callers left of callees.
  const x = (service) => ui.page.locator(`.graph-node[data-service="${service}"] rect`).getAttribute('x').then(Number);
  assert.ok(await x('frontend') < await x('orders'));
  assert.ok(await x('orders') < await x('payments'));
  await ui.screenshot('service-graph');

  await ui.page.locator('.graph-node[data-service="payments"]').click();
  await ui.page.waitForURL('**/search?service=payments');
});

test('a shorter range counts only its own traces', TEST_TIMEOUT, async () => {
  await ui.open('/graph?lookback=15m');
  await ui.page.waitForSelector('.graph-canvas');
  assert.equal(await ui.page.getByLabel('Time range').inputValue(), '15m');
  assert.match(await ui.page.locator('.graph-note').innerText(), /all 50 traces of the range/);
  await assertEdgeTable(ui.page, [
    ['frontend', 'cart', '50', '0', '0 %', 18, 18],
    ['frontend', 'orders', '50', '0', '0 %', 63, 88],
    ['orders', 'payments', '50', '5', '10 %', 25, 50],
  ]);
});

test('a range with no traces shows the empty state', TEST_TIMEOUT, async () => {
  const empty = await startUi();
  try {
    await empty.open('/graph');
    await empty.page.waitForSelector('.state-empty');
    assert.match(await empty.page.locator('.state-empty').innerText(), /No services in this time range/);
    await empty.screenshot('service-graph-empty');
  } finally {
    await empty.stop();
  }
});
