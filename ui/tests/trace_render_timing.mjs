// First-render timing of the trace view, shared by the browser test and bench/ui/first_render.mjs.
// The page's own performance marks (ui/app/trace: trace-fetched, trace-parsed, first-rows) count
// from the navigation's start, so the figure covers loading the app, fetching and parsing the trace
// and drawing the first rows.

const LARGE_TRACE_TIMEOUT_MS = 60_000;

export async function openLargeTrace(page, url) {
  const started = Date.now();
  await page.goto(url, { waitUntil: 'commit' });
  await page.locator('.tv-row').first().waitFor({ timeout: LARGE_TRACE_TIMEOUT_MS });
  await page.waitForFunction(() => performance.getEntriesByName('hoptrace:first-rows').length > 0);
  const wallMs = Date.now() - started;
  const marks = await page.evaluate(() => Object.fromEntries(
    performance.getEntriesByType('mark').filter((mark) => mark.name.startsWith('hoptrace:'))
      .map((mark) => [mark.name.slice('hoptrace:'.length), Math.round(mark.startTime)])));
  return { firstRowsMs: marks['first-rows'], wallMs, marks };
}
