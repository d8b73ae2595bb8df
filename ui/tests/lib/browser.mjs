// Debian's Chromium driven by playwright-core: headless, a fresh profile per launch, nothing fetched
// from the network by the browser itself. Screenshots go to $HOPTRACE_UI_ARTIFACTS (CTest points it
// into the build dir).

import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ACTION_TIMEOUT_MS = 10_000;

export function artifactsDir() {
  return process.env.HOPTRACE_UI_ARTIFACTS ?? path.join(tmpdir(), 'hoptrace-ui-artifacts');
}

// Returns { context, page, errors, close() }; `errors` collects the page's uncaught exceptions and
// console errors, so a test can assert the app ran cleanly.
export async function launchBrowser({ viewport = { width: 1280, height: 900 } } = {}) {
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'hoptrace-ui-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, viewport,
  });
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  const page = context.pages()[0] ?? await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => { if (message.type() === 'error') errors.push(`console: ${message.text()}`); });
  const close = async () => {
    await context.close();
    await rm(userDataDir, { recursive: true, force: true });
  };
  return { context, page, errors, close };
}

// Saves a full-page PNG as <artifacts>/<name>.png and returns its path.
export async function screenshot(page, name) {
  const dir = artifactsDir();
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
