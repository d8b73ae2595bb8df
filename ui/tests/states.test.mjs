// The UI's shared states in real Chromium: an unreachable server (message, then Retry once it is back),
// an unknown page, and the header's navigation.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { checkoutTrace, launchBrowser, screenshot, sendTraces, startServe } from './lib/harness.mjs';

const TEST_TIMEOUT = { timeout: 60_000 };
let browser;

before(async () => { browser = await launchBrowser(); }, TEST_TIMEOUT);
after(async () => { await browser?.close(); });

test('a server that went away gets a message and Retry, which recovers once it is back', TEST_TIMEOUT, async () => {
  let serve = await startServe();
  const { page } = browser;
  const queryPort = Number(new URL(serve.queryUrl).port);
  try {
    await page.goto(`${serve.queryUrl}/search`, { waitUntil: 'networkidle' });
    await page.waitForSelector('.state-empty');
    await serve.stop();

    await page.getByRole('button', { name: 'Find traces' }).click();
    const alert = page.locator('.state-error');
    await alert.waitFor();
    assert.match(await alert.innerText(), /Server unreachable[\s\S]*cannot be reached/);
    await screenshot(page, 'server-unreachable');

    serve = await startServe({ queryPort });
    const trace = checkoutTrace({ startMs: Date.now() - 30_000 });
    await sendTraces(serve.otlpHttpUrl, [trace]);
    await page.getByRole('button', { name: 'Retry' }).click();
    await page.waitForSelector(`.result[data-trace-id="${trace.traceId}"]`);
  } finally {
    await serve.stop();
  }
});

test('the compare page says when the server went away, and Retry loads both traces once it is back', TEST_TIMEOUT, async () => {
  let serve = await startServe();
  const { page } = browser;
  const queryPort = Number(new URL(serve.queryUrl).port);
  const traces = [checkoutTrace({ startMs: Date.now() - 60_000 }), checkoutTrace({ startMs: Date.now() - 30_000, chargeMs: 90 })];
  const [idA, idB] = traces.map((trace) => trace.traceId);
  try {
    await sendTraces(serve.otlpHttpUrl, traces);
    await page.goto(`${serve.queryUrl}/compare/${idA}/${idB}`, { waitUntil: 'networkidle' });
    await page.waitForSelector('.diff-table');
    await serve.stop();

    await page.getByRole('link', { name: 'Swap A and B' }).click();  // in-app: the page stays, the fetches fail
    const alert = page.locator('.state-error');
    await alert.waitFor();
    assert.match(await alert.innerText(), /Server unreachable[\s\S]*cannot be reached/);

    serve = await startServe({ queryPort });
    await sendTraces(serve.otlpHttpUrl, traces);
    await page.getByRole('button', { name: 'Retry' }).click();
    await page.waitForSelector('.diff-table');
    assert.equal(new URL(page.url()).pathname, `/compare/${idB}/${idA}`);
  } finally {
    await serve.stop();
  }
});

test('an unknown app path says so; the header navigates between the pages', TEST_TIMEOUT, async () => {
  const serve = await startServe();
  const { page } = browser;
  try {
    await page.goto(`${serve.queryUrl}/no/such/page`, { waitUntil: 'networkidle' });
    assert.match(await page.locator('.state-empty').innerText(), /Page not found/);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Service graph' }).click();
    await page.waitForURL('**/graph');
    assert.equal(await page.locator('.nav-link[aria-current="page"]').innerText(), 'Service graph');
    assert.equal(await page.title(), 'Service graph · hoptrace');

    await page.getByLabel('Trace ID').fill('4BF92F3577B34DA6A3CE929D0E0E4736');
    await page.getByLabel('Trace ID').press('Enter');
    await page.waitForURL('**/trace/4bf92f3577b34da6a3ce929d0e0e4736');
  } finally {
    await serve.stop();
  }
});
