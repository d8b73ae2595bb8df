// The trace view in real Chromium against a real `hoptrace serve`, traces ingested over OTLP/HTTP:
// rows and indentation, the critical path and the error span, span detail, findings, deep links,
// keyboard, find, empty and error states, and the large traces (first render, virtualised rows).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { startUi } from './lib/harness.mjs';
import { KNOWN_SPANS, KNOWN_TRACE_ID, LINKED_SPANS, LINKED_TRACE_ID, ingest, largeSpans } from './trace_fixtures.mjs';
import { openLargeTrace } from './trace_render_timing.mjs';

const id = (suffix) => `a00000000000000${suffix}`;
const row = (page, spanId) => page.locator(`.tv-row[data-span-id="${spanId}"]`);
// Waits for the span's row to match `selector` (e.g. '[aria-selected="true"]'): rows redraw on the
// next animation frame, so state is awaited, never read right after a key press.
const rowWhere = (page, spanId, selector) => page.locator(`.tv-row[data-span-id="${spanId}"]${selector}`).waitFor();
const FIRST_RENDER_BOUND_MS = 10_000;  // the issue asks for 1 s (bench/ui measures it); generous here: the machine is shared
const MAX_DOM_ROWS = 120;            // virtualised: a viewport's rows plus overscan, whatever the trace size

async function openTrace(ui, path) {
  await ui.open(path);
  await ui.page.locator('.tv-row').first().waitFor();
}

// Polls `check` (bounded): the view redraws on the next animation frame, not within the click.
async function eventually(check, what, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function waitForFindings(page) {
  await page.locator('.tv-finding').first().waitFor();
}

describe('trace view', () => {
  let ui;
  before(async () => {
    ui = await startUi();
    await ingest(ui.serve.otlpHttpUrl, KNOWN_TRACE_ID, KNOWN_SPANS);
    await ingest(ui.serve.otlpHttpUrl, LINKED_TRACE_ID, LINKED_SPANS);
  });
  after(async () => {
    await ui?.stop();
  });

  test('a known trace: header, rows, indentation, critical path, the red error span', async () => {
    await openTrace(ui, `/trace/${KNOWN_TRACE_ID}`);
    const { page } = ui;
    assert.equal(await page.locator('.tv-row').count(), 10);
    assert.equal(await page.locator('[data-fact="spans"] dd').textContent(), '10');
    assert.equal(await page.locator('[data-fact="depth"] dd').textContent(), '6');
    assert.match(await page.locator('[data-fact="errors"] dd').textContent(), /1/);
    assert.equal(await row(page, id(1)).getAttribute('aria-level'), '1');
    assert.equal(await row(page, id(3)).getAttribute('aria-level'), '3');
    assert.equal(await row(page, id(8)).getAttribute('aria-level'), '6');
    const indent = async (spanId) => parseFloat(await row(page, spanId).locator('.tv-name').evaluate((node) => getComputedStyle(node).paddingLeft));
    assert.ok(await indent(id(8)) > await indent(id(7)) && await indent(id(7)) > await indent(id(1)));

    await waitForFindings(page);
    await page.locator('.tv-row.is-critical').first().waitFor();
    const critical = await page.locator('.tv-row[data-critical="true"]').evaluateAll((rows) => rows.map((node) => node.dataset.spanId).sort());
    assert.deepEqual(critical, [1, 2, 3, 4, 6, 7, 8, 'a'].map(id));
    assert.equal(await page.locator('.tv-row.is-critical .tv-critical-mark').first().isVisible(), true);

    const errors = await page.locator('.tv-row.is-error').evaluateAll((rows) => rows.map((node) => node.dataset.spanId));
    assert.deepEqual(errors, [id(7)]);
    assert.equal(await row(page, id(7)).locator('.tv-bar').evaluate((node) => getComputedStyle(node).backgroundColor), 'rgb(214, 39, 40)');
    assert.equal(await row(page, id(7)).locator('.tv-error-mark').isVisible(), true);  // not colour alone
    await ui.screenshot('trace_view');
    assert.deepEqual(ui.errors, []);
  });

  test('each duration label sits beside its bar, the root\'s too, never on a bar or its marks', async () => {
    await openTrace(ui, `/trace/${KNOWN_TRACE_ID}`);
    const { page } = ui;
    await waitForFindings(page);
    await page.locator('.tv-row.is-critical').first().waitFor();
    const overlaps = await page.locator('.tv-row').evaluateAll((rows) => rows.flatMap((row) => {
      const label = row.querySelector('.tv-duration').getBoundingClientRect();
      const rowBox = row.getBoundingClientRect();
      const hits = [...row.querySelectorAll('.tv-bar, .tv-critical-segment, .tv-event')].filter((mark) => {
        const box = mark.getBoundingClientRect();
        return box.left < label.right && label.left < box.right && box.top < label.bottom && label.top < box.bottom;
      });
      const offRow = label.right > rowBox.right;
      return hits.length || offRow ? [`${row.dataset.spanId}: ${hits.map((mark) => mark.className).join(', ')}${offRow ? ' off the row' : ''}`] : [];
    }));
    assert.deepEqual(overlaps, []);
    assert.match(await row(page, id(1)).locator('.tv-duration').getAttribute('class'), /is-after/);
  });

  test('clicking a span shows its typed attributes, status, events; a link opens the linked trace', async () => {
    await openTrace(ui, `/trace/${KNOWN_TRACE_ID}`);
    const { page } = ui;
    await row(page, id(7)).locator('.tv-operation').click();
    const detail = page.locator('.tv-detail');
    await detail.waitFor();
    assert.equal(await detail.locator('h2').textContent(), 'POST /charge');
    assert.match(await detail.locator('.tv-status').textContent(), /ERROR: card declined/);
    const attribute = detail.locator('tr[data-key="http.response.status_code"]');
    assert.equal(await attribute.locator('.tv-type').textContent(), 'int');
    assert.equal(await attribute.locator('.tv-value').textContent(), '502');
    assert.equal(await detail.locator('tr[data-key="exception.type"] .tv-value').textContent(), 'CardDeclined');
    assert.equal(await detail.locator('tr[data-key="host.name"] .tv-value').textContent(), 'payments-host');
    assert.equal(await row(page, id(7)).locator('.tv-event').count(), 1);
    assert.match(page.url(), new RegExp(`/trace/${KNOWN_TRACE_ID}\\?span=${id(7)}$`));
    await ui.screenshot('trace_detail');

    await detail.locator('.tv-link').click();
    await page.waitForURL(`**/trace/${LINKED_TRACE_ID}?span=b000000000000001`);
    await rowWhere(page, 'b000000000000001', '[aria-selected="true"]');
  });

  test('clicking a finding expands, scrolls to and highlights its span', async () => {
    await openTrace(ui, `/trace/${KNOWN_TRACE_ID}`);
    const { page } = ui;
    await waitForFindings(page);
    await row(page, id(3)).locator('.tv-toggle').click();  // collapse: the finding's span is hidden
    await row(page, id(7)).waitFor({ state: 'detached' });
    const finding = page.locator('.tv-finding[data-kind="error_origin"]');
    assert.match(await finding.textContent(), /payments POST \/charge/);
    await finding.click();
    await rowWhere(page, id(7), '.is-highlighted[aria-selected="true"]');
    assert.equal(await finding.getAttribute('aria-pressed'), 'true');
    await ui.screenshot('trace_finding');
  });

  test('a deep link with ?span= selects that span and opens its detail', async () => {
    await openTrace(ui, `/trace/${KNOWN_TRACE_ID}?span=${id(8)}`);
    const { page } = ui;
    await rowWhere(page, id(8), '[aria-selected="true"]');
    assert.equal(await page.locator('.tv-detail h2').textContent(), 'fraud check');
    await openTrace(ui, `/trace/${KNOWN_TRACE_ID}?span=ffffffffffffffff`);
    assert.equal(await page.locator('.tv-notice').textContent(), 'Span ffffffffffffffff is not in this trace.');
  });

  test('keyboard: arrows move and fold, Enter opens, Escape closes, / finds', async () => {
    await openTrace(ui, `/trace/${KNOWN_TRACE_ID}?span=${id(1)}`);
    const { page } = ui;
    await page.locator('.tv-rows').focus();
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('.tv-detail').count(), 0);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await rowWhere(page, id(2), '[aria-selected="true"]');  // after 'audit log'
    await page.keyboard.press('ArrowLeft');
    await rowWhere(page, id(2), '[aria-expanded="false"]');
    assert.equal(await page.locator('.tv-row').count(), 4);
    await page.keyboard.press('ArrowRight');
    await rowWhere(page, id(8), '');
    assert.equal(await page.locator('.tv-row').count(), 10);
    await page.keyboard.press('ArrowRight');
    await rowWhere(page, id(3), '[aria-selected="true"]');
    await page.keyboard.press('Enter');
    assert.equal(await page.locator('.tv-detail .tv-fields dd').first().textContent(), 'orders');
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('.tv-detail').count(), 0);

    await page.locator('.tv-rows').focus();
    await page.keyboard.press('/');
    assert.equal(await page.evaluate(() => document.activeElement.className), 'tv-find');
    await page.keyboard.type('db.system=redis');
    await page.locator('.tv-find-count', { hasText: '1 of 1' }).waitFor();
    await rowWhere(page, id(5), '.is-current-match');
    await page.locator('.tv-find').fill('charge');
    await page.locator('.tv-find-count', { hasText: '1 of 2' }).waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.tv-find-count', { hasText: '2 of 2' }).waitFor();
    await rowWhere(page, id(7), '.is-current-match');
    await ui.screenshot('trace_keyboard_find');
  });

  test('dragging across the minimap zooms the waterfall to that window; reset zooms out', async () => {
    await openTrace(ui, `/trace/${KNOWN_TRACE_ID}`);
    const { page } = ui;
    const ticks = () => page.locator('.tv-tick').allTextContents();
    assert.deepEqual((await ticks()).at(-1), '100 ms');
    const box = await page.locator('.tv-minimap').boundingBox();
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.35, box.y + box.height / 2, { steps: 4 });
    await page.mouse.up();
    const inWindow = (labels) => labels.every((label) => parseFloat(label) >= 20 && parseFloat(label) <= 35);
    await eventually(async () => inWindow(await ticks()), 'the axis of the 20..35 ms window');
    assert.equal(await page.locator('.tv-reset-zoom').isEnabled(), true);
    assert.equal(await row(page, id(1)).locator('.tv-duration').textContent(), '100 ms');
    await ui.screenshot('trace_zoomed');
    await page.locator('.tv-reset-zoom').click();
    await eventually(async () => (await ticks()).at(-1) === '100 ms', 'the whole trace on the axis');
    assert.equal(await page.locator('.tv-reset-zoom').isDisabled(), true);
  });

  test('the compare box opens /compare/<this>/<other>', async () => {
    await openTrace(ui, `/trace/${KNOWN_TRACE_ID}`);
    await ui.page.getByLabel('Trace ID to compare with').fill(LINKED_TRACE_ID);
    await ui.page.getByRole('button', { name: 'Compare' }).click();
    await ui.page.waitForURL(`**/compare/${KNOWN_TRACE_ID}/${LINKED_TRACE_ID}`);
  });

  test('an unknown trace ID says so', async () => {
    await ui.open('/trace/ffffffffffffffffffffffffffffffff');
    await ui.page.getByRole('heading', { name: 'Trace ffffffffffffffffffffffffffffffff not found' }).waitFor();
    await ui.screenshot('trace_not_found');
  });

  test('a 10,000-span trace renders its first rows quickly; a 50,000-span trace keeps the DOM small', async () => {
    for (const count of [10_000, 50_000]) {
      const traceId = count.toString(16).padStart(32, '0');
      await ingest(ui.serve.otlpHttpUrl, traceId, largeSpans(count));
      const timing = await openLargeTrace(ui.page, ui.url(`/trace/${traceId}`));
      console.log(`${count} spans: first rows after ${timing.firstRowsMs} ms (${JSON.stringify(timing.marks)})`);
      if (count === 10_000) assert.ok(timing.firstRowsMs < FIRST_RENDER_BOUND_MS, `${timing.firstRowsMs} ms`);
      assert.equal(await ui.page.locator('[data-fact="spans"] dd').textContent(), String(count));
      assert.ok(await ui.page.locator('.tv-row').count() < MAX_DOM_ROWS);
    }
    const { page } = ui;
    await page.locator('.tv-rows').evaluate((node) => { node.scrollTop = node.scrollHeight; });
    await page.locator('.tv-row[data-row="49999"]').waitFor();  // the last row
    assert.ok(await page.locator('.tv-row').count() < MAX_DOM_ROWS);
    await ui.screenshot('trace_50k_scrolled');
  });

  test('the server going away shows a message and a retry button', async () => {
    await openTrace(ui, `/trace/${KNOWN_TRACE_ID}?span=${id(7)}`);
    await ui.serve.stop();
    await ui.page.locator('.tv-detail .tv-link').click();  // the shell routes without reloading the page
    await ui.page.getByRole('heading', { name: 'Cannot reach the hoptrace server' }).waitFor();
    assert.equal(await ui.page.getByRole('button', { name: 'Retry' }).isVisible(), true);
    await ui.screenshot('trace_unreachable');
  });
});
