// First render of the trace view in headless Chromium (issue #6): a real `hoptrace serve` (the build's
// binary), a 10,000- and a 50,000-span trace ingested over OTLP/HTTP, each opened RUNS times in a fresh
// page. Prints, per run, the time from navigation to the first rows on screen and its parts (the app
// fetched the trace / parsed it / drew the first rows), then the median; then scrolls the last page
// and prints its frame intervals.
//   node bench/ui/first_render.mjs [build_dir]      (bench/run.sh calls it; needs ui/tests/node_modules)
import path from 'node:path';

import { launchBrowser, startServe } from '../../ui/tests/lib/harness.mjs';
import { ingest, largeSpans } from '../../ui/tests/trace_fixtures.mjs';
import { openLargeTrace, scrollFrames } from '../../ui/tests/trace_render_timing.mjs';

const RUNS = 5;
const SIZES = [10_000, 50_000];

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function measure(serve, browser, count) {
  const traceId = count.toString(16).padStart(32, '0');
  await ingest(serve.otlpHttpUrl, traceId, largeSpans(count));
  const firstRows = [];
  for (let run = 1; run <= RUNS; run++) {
    const page = await browser.context.newPage();
    const { firstRowsMs, marks } = await openLargeTrace(page, `${serve.queryUrl}/trace/${traceId}`);
    firstRows.push(firstRowsMs);
    console.log(`${count} spans, run ${run}: first rows ${firstRowsMs} ms (app loaded, trace requested ${marks['trace-requested']}; fetched ${marks['trace-fetched']}; parsed ${marks['trace-parsed']})`);
    if (run === RUNS) {
      const scroll = await scrollFrames(page);
      console.log(`${count} spans: scrolling, ${scroll.frames} frames, interval median ${scroll.medianMs} ms, p95 ${scroll.p95Ms} ms, ${scroll.domRows} rows in the DOM`);
    }
    await page.close();
  }
  console.log(`${count} spans: first render median ${median(firstRows)} ms, min ${Math.min(...firstRows)} ms over ${RUNS} runs`);
}

const buildDir = process.argv[2] ?? 'build/release';
process.env.HOPTRACE_BINARY ??= path.resolve(buildDir, 'cli/hoptrace');
const serve = await startServe();
const browser = await launchBrowser();
try {
  for (const count of SIZES) await measure(serve, browser, count);
} finally {
  await browser.close();
  await serve.stop();
}
