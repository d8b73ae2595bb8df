// The search page in real Chromium against a real `hoptrace serve` fed over OTLP/HTTP.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { buildTrace, checkoutTrace, span, startUi } from './lib/harness.mjs';

const TEST_TIMEOUT = { timeout: 60_000 };
let ui;
const now = Date.now();
const gold = checkoutTrace({ startMs: now - 5 * 60_000, tier: 'gold' });
const silver = checkoutTrace({ startMs: now - 3 * 60_000, tier: 'silver', paymentError: true, chargeMs: 300 });
const platinum = checkoutTrace({ startMs: now - 60_000, tier: 'platinum', fraudCheck: true });

before(async () => {
  ui = await startUi();
  await ui.send([gold, silver, platinum]);
}, TEST_TIMEOUT);

after(async () => { await ui?.stop(); });

async function resultIds(page) {
  await page.waitForSelector('.results, .state-empty, .state-error');
  return page.locator('.result').evaluateAll((rows) => rows.map((row) => row.dataset.traceId));
}

test('every recent trace is listed with one dot each, and a dot opens its trace', TEST_TIMEOUT, async () => {
  await ui.open('/search');
  assert.deepEqual(await resultIds(ui.page), [platinum.traceId, silver.traceId, gold.traceId]);
  assert.equal(await ui.page.locator('.scatter-plot .dot').count(), 3);
  assert.equal(await ui.page.locator('.scatter-plot .dot-error').count(), 1);
  const silverRow = ui.page.locator(`.result[data-trace-id="${silver.traceId}"]`);
  assert.match(await silverRow.innerText(), /frontend: GET \/checkout/);
  assert.match(await silverRow.locator('.error-count').innerText(), /2 errors/);
  assert.deepEqual(await silverRow.locator('.chip').allInnerTexts(), ['cart', 'frontend', 'orders', 'payments']);
  await ui.screenshot('search-results');

  await ui.page.locator(`.scatter-plot a[data-trace-id="${gold.traceId}"]`).click();
  await ui.page.waitForURL(`**/trace/${gold.traceId}`);
  await ui.page.goBack();
  await ui.page.waitForSelector('.results');
  assert.equal(new URL(ui.page.url()).pathname, '/search');
});

test('the form searches by attribute and keeps the search in the URL', TEST_TIMEOUT, async () => {
  await ui.open('/search');
  await ui.page.waitForSelector('.results');
  await ui.page.getByLabel('Service', { exact: true }).selectOption('frontend');
  await ui.page.getByLabel('Attributes').fill('customer.tier=silver');
  await ui.page.getByRole('button', { name: 'Find traces' }).click();
  await ui.page.waitForURL(/tag=customer.tier%3Dsilver/);
  assert.deepEqual(await resultIds(ui.page), [silver.traceId]);
  const url = new URL(ui.page.url());
  assert.equal(url.searchParams.get('service'), 'frontend');

  // The URL alone reproduces the search (a deep link), form included.
  await ui.open(`${url.pathname}${url.search}`);
  assert.deepEqual(await resultIds(ui.page), [silver.traceId]);
  assert.equal(await ui.page.getByLabel('Attributes').inputValue(), 'customer.tier=silver');
  await ui.screenshot('search-by-attribute');
});

test('a query-language search and a numeric attribute find the failed charge', TEST_TIMEOUT, async () => {
  await ui.open('/search?tag=http.response.status_code%3D502');
  assert.deepEqual(await resultIds(ui.page), [silver.traceId]);
  await ui.open(`/search?q=${encodeURIComponent('{ resource.service.name = "fraud" }')}`);
  assert.deepEqual(await resultIds(ui.page), [platinum.traceId]);
});

test('no match shows the empty state; a malformed query shows the server error', TEST_TIMEOUT, async () => {
  await ui.open('/search?tag=customer.tier%3Dnobody');
  await ui.page.waitForSelector('.state-empty');
  assert.match(await ui.page.locator('.state-empty').innerText(), /No traces found/);
  await ui.screenshot('search-empty');

  await ui.open(`/search?q=${encodeURIComponent('{ duration > }')}`);
  const error = ui.page.locator('#query-error');
  await error.waitFor();
  assert.match(await error.innerText(), /column \d+/);
  assert.deepEqual(ui.errors.filter((line) => !line.includes('400')), []);
});

test('a trace shorter than a millisecond reads in µs, not "0 ms"', TEST_TIMEOUT, async () => {
  const ping = buildTrace(span('health', 'GET /ping', { ms: 0.25, kind: 'server' }), { startMs: now - 30_000 });
  await ui.send([ping]);
  await ui.open('/search?service=health');
  assert.deepEqual(await resultIds(ui.page), [ping.traceId]);
  const row = ui.page.locator(`.result[data-trace-id="${ping.traceId}"]`);
  assert.equal(await row.locator('.duration-text').innerText(), '250 µs');
});
