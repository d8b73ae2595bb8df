// The service graph page in real Chromium against a real `hoptrace serve` fed over OTLP/HTTP.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { checkoutTrace, startUi } from './lib/harness.mjs';

const TEST_TIMEOUT = { timeout: 60_000 };
let ui;

before(async () => {
  ui = await startUi();
  const now = Date.now();
  await ui.send([
    checkoutTrace({ startMs: now - 120_000, chargeMs: 40 }),
    checkoutTrace({ startMs: now - 90_000, chargeMs: 60, paymentError: true }),
    checkoutTrace({ startMs: now - 60_000, chargeMs: 80, fraudCheck: true }),
  ]);
}, TEST_TIMEOUT);

after(async () => { await ui?.stop(); });

async function edgeRows(page) {
  return page.locator('.edge-table tbody tr').evaluateAll((rows) => rows.map((row) =>
    [...row.cells].map((cell) => cell.textContent)));
}

test('nodes are the services and edges carry calls, error rate and p99', TEST_TIMEOUT, async () => {
  await ui.open('/graph');
  await ui.page.waitForSelector('.graph-canvas');
  const services = await ui.page.locator('.graph-node').evaluateAll((nodes) => nodes.map((node) => node.dataset.service));
  assert.deepEqual(services.sort(), ['cart', 'fraud', 'frontend', 'orders', 'payments']);
  assert.equal(await ui.page.locator('.graph-edge').count(), 4);
  assert.deepEqual(await edgeRows(ui.page), [
    ['frontend', 'cart', '3', '0', '0 %', '18 ms', '18 ms'],
    ['frontend', 'orders', '3', '0', '0 %', '98 ms', '118 ms'],
    ['orders', 'payments', '3', '1', '33 %', '60 ms', '80 ms'],
    ['payments', 'fraud', '1', '0', '0 %', '10 ms', '10 ms'],
  ]);
  const paymentsEdge = ui.page.locator('.graph-edge[data-parent="orders"][data-child="payments"]');
  assert.equal(await paymentsEdge.getAttribute('aria-label'), 'orders → payments: 3 calls · 33 % err · p99 80 ms');
  assert.match(await paymentsEdge.getAttribute('class'), /edge-error/);

  // Callers left of callees.
  const x = (service) => ui.page.locator(`.graph-node[data-service="${service}"] rect`).getAttribute('x').then(Number);
  assert.ok(await x('frontend') < await x('orders'));
  assert.ok(await x('orders') < await x('payments'));
  await ui.screenshot('service-graph');

  await ui.page.locator('.graph-node[data-service="payments"]').click();
  await ui.page.waitForURL('**/search?service=payments');
});

test('a range with no traces shows the empty state', TEST_TIMEOUT, async () => {
  await ui.open('/graph?lookback=15m');
  await ui.page.waitForSelector('.graph-canvas, .state-empty');
  // The traces are one to two minutes old, so 15 minutes still hold them; the URL keeps the range.
  assert.equal(await ui.page.getByLabel('Time range').inputValue(), '15m');
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
