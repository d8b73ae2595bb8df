// The UI tests' harness: a real `hoptrace serve`, real OTLP/HTTP ingest, real Chromium.
//
//   const ui = await startUi();                       // serve + browser
//   await ui.send([checkoutTrace({ paymentError: true })]);
//   await ui.open('/search?service=payments');        // waits for the page's network to settle
//   await ui.screenshot('search');                    // <build>/ui/artifacts/search.png
//   await ui.stop();
//
// `ui.errors` lists uncaught exceptions and console errors of the page.

import { launchBrowser, screenshot } from './browser.mjs';
import { startServe } from './serve.mjs';
import { sendTraces } from './traces.mjs';

export { artifactsDir, launchBrowser, screenshot } from './browser.mjs';
export { startServe } from './serve.mjs';
export { buildTrace, checkoutTrace, otlpRequest, randomHex, sendTraces, span } from './traces.mjs';

export async function startUi(options = {}) {
  const serve = await startServe(options);
  let browser;
  try {
    browser = await launchBrowser(options);
  } catch (error) {
    await serve.stop();
    throw error;
  }
  return {
    serve,
    page: browser.page,
    context: browser.context,
    errors: browser.errors,
    url: (path) => `${serve.queryUrl}${path}`,
    send: (traces) => sendTraces(serve.otlpHttpUrl, traces),
    open: (path) => browser.page.goto(`${serve.queryUrl}${path}`, { waitUntil: 'networkidle' }),
    screenshot: (name) => screenshot(browser.page, name),
    stop: async () => {
      await browser.close();
      await serve.stop();
    },
  };
}
