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

// Scrolls the waterfall by `steps` wheel turns of 600 px while the page records every frame's interval;
// returns the intervals' median and 95th percentile (60 Hz is 16.7 ms) and the rows the DOM held.
export async function scrollFrames(page, steps = 60) {
  await page.locator('.tv-rows').hover();
  await page.evaluate(() => {
    window.hoptraceFrames = [];
    let last = performance.now();
    const tick = (now) => {
      window.hoptraceFrames.push(now - last);
      last = now;
      if (window.hoptraceFrames.length < 10_000) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  for (let step = 0; step < steps; step++) {
    await page.mouse.wheel(0, 600);
    await page.waitForTimeout(16);
  }
  const frames = await page.evaluate(() => window.hoptraceFrames.slice(1).sort((a, b) => a - b));
  const at = (share) => Math.round(frames[Math.min(frames.length - 1, Math.floor(frames.length * share))] * 10) / 10;
  return { frames: frames.length, medianMs: at(0.5), p95Ms: at(0.95), domRows: await page.locator('.tv-row').count() };
}
