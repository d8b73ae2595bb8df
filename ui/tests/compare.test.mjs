// The compare page in real Chromium against a real `hoptrace serve` fed over OTLP/HTTP; entered from
// the search results' compare checkboxes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { checkoutTrace, randomHex, startUi } from './lib/harness.mjs';

const TEST_TIMEOUT = { timeout: 60_000 };
let ui;
const now = Date.now();
const fast = checkoutTrace({ startMs: now - 120_000, chargeMs: 40 });
const slow = checkoutTrace({ startMs: now - 60_000, chargeMs: 240, fraudCheck: true });

before(async () => {
  ui = await startUi();
  await ui.send([fast, slow]);
}, TEST_TIMEOUT);

after(async () => { await ui?.stop(); });

test('two traces picked in the search results open as a diff with the added spans and the slowdown', TEST_TIMEOUT, async () => {
  await ui.open('/search');
  await ui.page.waitForSelector('.results');
  const compareButton = ui.page.locator('.compare-button');
  assert.equal(await compareButton.getAttribute('aria-disabled'), 'true');
  await ui.page.locator(`.compare-checkbox[value="${fast.traceId}"]`).check();
  await ui.page.locator(`.compare-checkbox[value="${slow.traceId}"]`).check();
  await compareButton.click();
  await ui.page.waitForURL(`**/compare/${fast.traceId}/${slow.traceId}`);
  await ui.page.waitForSelector('.diff-table');

  const added = await ui.page.locator('tr[data-change="added"]').evaluateAll((rows) => rows.map((row) => row.dataset.name));
  assert.deepEqual(added.sort(), ['POST /score', 'POST fraud']);
  const charge = ui.page.locator('tr[data-change="matched"][data-name="POST /charge"]');
  assert.equal(await charge.locator('.delta').innerText(), '+200 ms');
  assert.match(await ui.page.locator('.compare-summary').innerText(), /B is \+200 ms vs A/);
  // Largest change first: the first row changed by 200 ms.
  assert.equal(await ui.page.locator('.diff-table tbody tr .delta').first().innerText(), '+200 ms');
  // Each side links to its trace.
  assert.equal(await ui.page.getByRole('link', { name: 'frontend: GET /checkout' }).first().getAttribute('href'), `/trace/${fast.traceId}`);
  await ui.screenshot('compare');
});

test('an unknown trace ID says the trace is not found', TEST_TIMEOUT, async () => {
  const unknown = randomHex(16);
  await ui.open(`/compare/${fast.traceId}/${unknown}`);
  await ui.page.waitForSelector('.state-empty');
  assert.match(await ui.page.locator('.state-empty').innerText(), new RegExp(`Trace not found[\\s\\S]*${unknown}`));
  await ui.screenshot('compare-not-found');
});

test('a malformed trace ID shows the server\'s message without a Retry', TEST_TIMEOUT, async () => {
  await ui.open(`/compare/${fast.traceId}/not-a-trace-id`);
  const alert = ui.page.locator('.state-error');
  await alert.waitFor();
  assert.match(await alert.innerText(), /Something went wrong[\s\S]*trace ID/i);
  assert.equal(await alert.getByRole('button', { name: 'Retry' }).count(), 0);
});
